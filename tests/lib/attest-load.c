/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Load and hostile clients of the attestation services (attest-load.h). */
#include "tests/lib/attest-load.h"

#include <cvm/attest-certs.h>
#include <cvm/attest-proxy.h>
#include <cvm/attest-tdx.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

gboolean
cvmt_load_kind_parse(const char *name, CvmtLoadKind *out)
{
	static const char *const names[] = {"proxy", "certs", "qgs"};
	for (guint i = 0; i < G_N_ELEMENTS(names); i++)
		if (g_strcmp0(name, names[i]) == 0) {
			*out = (CvmtLoadKind)i;
			return TRUE;
		}
	return FALSE;
}

GBytes *
cvmt_load_request(CvmtLoadKind kind)
{
	if (kind == CVMT_LOAD_PROXY) {
		CvmIgvmAttestRequest req = {.header_version = 2, .request_type = 1, .report_type = 2, .hash_type = 1,
					    .data_version = 2,
					    .capabilities = CVM_IGVM_CAP_ERROR_CODE | CVM_IGVM_CAP_RETRY};
		req.claims = g_bytes_new_static("{\"keys\":[]}", 11);
		g_autoptr(GBytes) body = cvm_igvm_attest_request_encode(&req, NULL);
		g_bytes_unref(req.claims);
		g_assert_nonnull(body);
		guint32 le = GUINT32_TO_LE((guint32)g_bytes_get_size(body));
		GByteArray *a = g_byte_array_new();
		g_byte_array_append(a, (const guint8 *)&le, 4);
		g_byte_array_append(a, g_bytes_get_data(body, NULL), (guint)g_bytes_get_size(body));
		return g_byte_array_free_to_bytes(a);
	}
	if (kind == CVMT_LOAD_CERTS) {
		guint8 *b = g_malloc0(4 + CVM_SNP_CERT_REQUEST_SIZE);
		guint32 le = GUINT32_TO_LE(CVM_SNP_CERT_REQUEST_SIZE);
		guint64 npages = GUINT64_TO_LE(4);
		memcpy(b, &le, 4);
		memset(b + 4, 0xc1, 64);
		memcpy(b + 4 + 80, &npages, 8);
		return g_bytes_new_take(b, 4 + CVM_SNP_CERT_REQUEST_SIZE);
	}
	guint8 report[1024];
	memset(report, 0x7d, sizeof report);
	CvmQgsMessage m = {.type = CVM_QGS_GET_QUOTE_REQ, .data = g_bytes_new(report, sizeof report)};
	GBytes *framed = cvm_qgs_message_encode(&m, NULL);
	cvm_qgs_message_clear(&m);
	g_assert_nonnull(framed);
	return framed;
}

static int
connect_to(const char *path, guint timeout_ms)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	g_assert_cmpuint(strlen(path), <, sizeof sa.sun_path);
	strcpy(sa.sun_path, path);
	if (fd < 0)
		return -1;
	/* Bounded: a full listen backlog makes a unix connect wait. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static gboolean
send_all(int fd, const guint8 *p, gsize len)
{
	while (len > 0) {
		gssize n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return FALSE;
		p += n;
		len -= (gsize)n;
	}
	return TRUE;
}

/* 1: all of @len read; 0: the peer closed or reset first; -1: timeout or
 * another error. */
static int
recv_all(int fd, guint8 *p, gsize len)
{
	while (len > 0) {
		gssize n = recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE)))
			return 0;
		if (n < 0)
			return -1;
		p += n;
		len -= (gsize)n;
	}
	return 1;
}

/* 1: a well-formed answer; 0: closed without one; -1: timeout or a bad one. */
static int
read_answer(CvmtLoadKind kind, int fd)
{
	guint8 prefix[4];
	guint32 v;
	int r = recv_all(fd, prefix, 4);

	if (r <= 0)
		return r;
	memcpy(&v, prefix, 4);
	gsize len = kind == CVMT_LOAD_QGS ? GUINT32_FROM_BE(v) : GUINT32_FROM_LE(v);
	if (len > CVM_QGS_MESSAGE_MAX)
		return -1;
	g_autofree guint8 *body = g_malloc(len + 1);
	if (recv_all(fd, body, len) != 1)
		return -1;
	if (kind == CVMT_LOAD_CERTS)
		return len >= 16 ? 1 : -1;
	if (kind == CVMT_LOAD_QGS) {
		CvmQgsMessage m;
		if (!cvm_qgs_message_decode(body, len, &m, NULL))
			return -1;
		gboolean ok = m.type == CVM_QGS_GET_QUOTE_RESP;
		cvm_qgs_message_clear(&m);
		return ok ? 1 : -1;
	}
	if (len == 0)
		return 1; /* v1's "failed" */
	CvmIgvmAttestResponse resp;
	if (!cvm_igvm_attest_response_decode(body, len, &resp, NULL))
		return -1;
	cvm_igvm_attest_response_clear(&resp);
	return 1;
}

gboolean
cvmt_load_ask(CvmtLoadKind kind, const char *path, guint timeout_ms)
{
	g_autoptr(GBytes) req = cvmt_load_request(kind);
	int fd = connect_to(path, timeout_ms);

	if (fd < 0)
		return FALSE;
	gboolean ok = send_all(fd, g_bytes_get_data(req, NULL), g_bytes_get_size(req)) && read_answer(kind, fd) == 1;
	close(fd);
	return ok;
}

gboolean
cvmt_load_ask_within(CvmtLoadKind kind, const char *path, guint within_ms)
{
	gint64 until = g_get_monotonic_time() + (gint64)within_ms * 1000;

	while (!cvmt_load_ask(kind, path, 2000)) {
		if (g_get_monotonic_time() >= until)
			return FALSE;
		g_usleep(50 * 1000);
	}
	return TRUE;
}

typedef struct {
	CvmtLoadKind kind;
	const char *path;
	guint each;
	guint n;
	guint timeout_ms;
	guint answered;
	guint refused;
} Work;

static gpointer
churn_thread(gpointer data)
{
	Work *w = data;
	g_autoptr(GBytes) req = cvmt_load_request(w->kind);
	gsize len;
	const guint8 *p = g_bytes_get_data(req, &len);

	for (guint i = 0; i < w->each; i++) {
		int fd = connect_to(w->path, 2000);
		if (fd < 0)
			continue;
		if (i % 3 == 1)
			send_all(fd, p, len / 2);
		else if (i % 3 == 2)
			send_all(fd, p, len);
		close(fd);
	}
	return NULL;
}

void
cvmt_load_churn(CvmtLoadKind kind, const char *path, guint threads, guint each)
{
	g_autofree GThread **t = g_new0(GThread *, threads);
	Work w = {.kind = kind, .path = path, .each = each};

	for (guint i = 0; i < threads; i++)
		t[i] = g_thread_new("churn", churn_thread, &w);
	for (guint i = 0; i < threads; i++)
		g_thread_join(t[i]);
}

static gpointer
concurrent_thread(gpointer data)
{
	Work *w = data;
	g_autoptr(GBytes) req = cvmt_load_request(w->kind);
	g_autofree int *fds = g_new(int, w->n);

	for (guint i = 0; i < w->n; i++) {
		fds[i] = connect_to(w->path, w->timeout_ms);
		if (fds[i] >= 0 && !send_all(fds[i], g_bytes_get_data(req, NULL), g_bytes_get_size(req))) {
			close(fds[i]);
			fds[i] = -1;
		}
	}
	for (guint i = 0; i < w->n; i++) {
		int r = fds[i] < 0 ? 0 : read_answer(w->kind, fds[i]);
		if (r == 1)
			w->answered++;
		else if (r == 0)
			w->refused++;
		if (fds[i] >= 0)
			close(fds[i]);
	}
	return NULL;
}

void
cvmt_load_concurrent(CvmtLoadKind kind, const char *path, guint n, guint threads, guint timeout_ms,
		     guint *answered, guint *refused)
{
	g_autofree GThread **t = g_new0(GThread *, threads);
	g_autofree Work *w = g_new0(Work, threads);

	*answered = *refused = 0;
	for (guint i = 0; i < threads; i++) {
		w[i] = (Work){.kind = kind, .path = path, .n = n / threads + (i < n % threads), .timeout_ms = timeout_ms};
		t[i] = g_thread_new("concurrent", concurrent_thread, &w[i]);
	}
	for (guint i = 0; i < threads; i++) {
		g_thread_join(t[i]);
		*answered += w[i].answered;
		*refused += w[i].refused;
	}
}

int *
cvmt_load_stall(CvmtLoadKind kind, const char *path, guint n)
{
	g_autoptr(GBytes) req = cvmt_load_request(kind);
	int *fds = g_new(int, n);

	for (guint i = 0; i < n; i++) {
		fds[i] = connect_to(path, 2000);
		if (fds[i] >= 0)
			send_all(fds[i], g_bytes_get_data(req, NULL), 1);
	}
	return fds;
}

void
cvmt_load_close(int *fds, guint n)
{
	for (guint i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	g_free(fds);
}

gboolean
cvmt_load_closed_by_peer(int fd, guint timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	guint8 b;

	if (poll(&p, 1, (int)timeout_ms) <= 0)
		return FALSE;
	gssize n = recv(fd, &b, 1, MSG_DONTWAIT);
	return n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE));
}

gint64
cvmt_load_trickle(CvmtLoadKind kind, const char *path, guint every_ms, guint limit_ms)
{
	g_autoptr(GBytes) req = cvmt_load_request(kind);
	gsize len;
	const guint8 *p = g_bytes_get_data(req, &len);
	gint64 start = g_get_monotonic_time();
	int fd = connect_to(path, 2000);
	gint64 took = -1;

	if (fd < 0)
		return -1;
	/* Never the last byte: the request must stay incomplete. */
	for (gsize i = 0; g_get_monotonic_time() - start < (gint64)limit_ms * 1000; i++) {
		if ((i < len - 1 && !send_all(fd, p + i, 1)) || cvmt_load_closed_by_peer(fd, every_ms)) {
			took = (g_get_monotonic_time() - start) / 1000;
			break;
		}
	}
	close(fd);
	return took;
}

typedef struct {
	CvmtLoadKind kind;
	const char *path;
	guint first, n;
	guint32 seed;
	guint answered, closed, hung;
} MutateWork;

/* One mutation of @req, chosen by @rand: bit flips, overwritten bytes, a
 * bad length prefix, a cut, bytes appended, or a frame of random bytes. */
static GByteArray *
mutate(GRand *rand, GBytes *req)
{
	gsize len;
	const guint8 *p = g_bytes_get_data(req, &len);
	GByteArray *a = g_byte_array_sized_new((guint)len + 64);

	g_byte_array_append(a, p, (guint)len);
	switch (g_rand_int_range(rand, 0, 6)) {
	case 0:
		for (gint i = g_rand_int_range(rand, 1, 9); i > 0; i--)
			a->data[g_rand_int_range(rand, 0, (gint)a->len)] ^= (guint8)(1u << g_rand_int_range(rand, 0, 8));
		break;
	case 1:
		for (gint i = g_rand_int_range(rand, 1, 17); i > 0; i--)
			a->data[g_rand_int_range(rand, 0, (gint)a->len)] = (guint8)g_rand_int(rand);
		break;
	case 2: {
		/* The prefix (either byte order) is what a reader trusts first. */
		static const guint32 lens[] = {0, 1, 3, 0xffffffffu, 0x7fffffffu, 0x10000u, 0x100000u, 0x1000000u};
		guint32 v = lens[g_rand_int_range(rand, 0, G_N_ELEMENTS(lens))];
		memcpy(a->data, &v, 4);
		break;
	}
	case 3:
		g_byte_array_set_size(a, (guint)g_rand_int_range(rand, 0, (gint)len));
		break;
	case 4:
		for (gint i = g_rand_int_range(rand, 1, 64); i > 0; i--) {
			guint8 b = (guint8)g_rand_int(rand);
			g_byte_array_append(a, &b, 1);
		}
		break;
	default:
		g_byte_array_set_size(a, (guint)g_rand_int_range(rand, 1, 512));
		for (guint i = 0; i < a->len; i++)
			a->data[i] = (guint8)g_rand_int(rand);
		break;
	}
	return a;
}

static gpointer
mutate_thread(gpointer data)
{
	MutateWork *w = data;
	g_autoptr(GBytes) req = cvmt_load_request(w->kind);
	g_autoptr(GRand) rand = g_rand_new_with_seed(w->seed + w->first);
	guint8 buf[4096];

	for (guint i = 0; i < w->n; i++) {
		g_autoptr(GByteArray) f = mutate(rand, req);
		int fd = connect_to(w->path, 5000);
		gssize r;

		if (fd < 0) {
			w->closed++;
			continue;
		}
		/* Half-closed: the service sees the end of what will ever come,
		 * so a frame that claims more is ended by EOF, not the deadline. */
		send_all(fd, f->data, f->len);
		shutdown(fd, SHUT_WR);
		gboolean got = FALSE;
		while ((r = recv(fd, buf, sizeof buf, 0)) > 0)
			got = TRUE;
		if (r < 0 && errno != ECONNRESET && errno != EPIPE)
			w->hung++; /* nothing, and no close, within 5 s */
		else if (got)
			w->answered++;
		else
			w->closed++;
		close(fd);
	}
	return NULL;
}

void
cvmt_load_mutate(CvmtLoadKind kind, const char *path, guint n, guint threads, guint32 seed, guint *answered,
		 guint *closed, guint *hung)
{
	g_autofree GThread **t = g_new0(GThread *, threads);
	g_autofree MutateWork *w = g_new0(MutateWork, threads);
	guint first = 0;

	*answered = *closed = *hung = 0;
	for (guint i = 0; i < threads; i++) {
		w[i] = (MutateWork){.kind = kind, .path = path, .first = first, .n = n / threads + (i < n % threads),
				    .seed = seed};
		first += w[i].n;
		t[i] = g_thread_new("mutate", mutate_thread, &w[i]);
	}
	for (guint i = 0; i < threads; i++) {
		g_thread_join(t[i]);
		*answered += w[i].answered;
		*closed += w[i].closed;
		*hung += w[i].hung;
	}
}
