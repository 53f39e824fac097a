/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scripted IGVM-attest agent for the proxy tests.
 *   attest-agent SOCKET MODE   serve on a unix socket until killed
 *   attest-agent --stdio MODE  answer one request from stdin on stdout
 * MODE: ok (a response of the request's version with payload "key-material"),
 * v2-retry (OpenVMM's vector: error 1103, HTTP 403, retry), v2-noretry
 * (1103, HTTP 503, no retry), close (no answer), garbage (5 bytes that are no
 * response), slow (answers ok after 3 s). Every request is appended to
 * $ATTEST_AGENT_LOG when set. */
#include "attest/proxy-private.h"

#include <cvm/attest-igvm.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static GBytes *
answer(const char *mode, GBytes *request)
{
	CvmIgvmAttestRequest req = {0};
	CvmIgvmAttestResponse r = {.version = 2};
	const char *log = g_getenv("ATTEST_AGENT_LOG");

	if (log != NULL) {
		FILE *f = fopen(log, "a");
		if (f != NULL) {
			fprintf(f, "request %zu\n", g_bytes_get_size(request));
			fclose(f);
		}
	}
	if (strcmp(mode, "garbage") == 0)
		return g_bytes_new("xxxxx", 5);
	if (strcmp(mode, "slow") == 0)
		g_usleep(3 * G_USEC_PER_SEC);
	if (!cvm_igvm_attest_request_decode(g_bytes_get_data(request, NULL), g_bytes_get_size(request), &req, NULL))
		return g_bytes_new(NULL, 0);
	r.version = req.data_version == 2 ? 2 : 1;
	cvm_igvm_attest_request_clear(&req);
	if (strcmp(mode, "v2-retry") == 0 || strcmp(mode, "v2-noretry") == 0) {
		if (r.version == 1)
			return g_bytes_new(NULL, 0);
		r.error_code = 1103;
		r.http_status_code = strcmp(mode, "v2-retry") == 0 ? 403 : 503;
		r.igvm_signal = strcmp(mode, "v2-retry") == 0 ? CVM_IGVM_SIGNAL_RETRY : 0;
		return cvm_igvm_attest_response_encode(&r, NULL);
	}
	r.payload = g_bytes_new_static("key-material", 12);
	GBytes *out = cvm_igvm_attest_response_encode(&r, NULL);
	g_bytes_unref(r.payload);
	return out;
}

static int
stdio_once(const char *mode)
{
	guint32 le;
	if (fread(&le, 4, 1, stdin) != 1)
		return 1;
	gsize len = GUINT32_FROM_LE(le);
	g_autofree guint8 *buf = g_malloc(len + 1);
	if (len > CVM_IGVM_ATTEST_REQUEST_MAX || fread(buf, 1, len, stdin) != len)
		return 1;
	g_autoptr(GBytes) req = g_bytes_new(buf, len);
	if (strcmp(mode, "close") == 0)
		return 0;
	g_autoptr(GBytes) resp = answer(mode, req);
	gsize n;
	const guint8 *d = g_bytes_get_data(resp, &n);
	le = GUINT32_TO_LE((guint32)n);
	fwrite(&le, 4, 1, stdout);
	fwrite(d, 1, n, stdout);
	return 0;
}

typedef struct {
	GSocket *conn;
	const char *mode;
} Conn;

/* Any number of requests per connection, one after another; a thread per
 * connection, as a real agent serving several VMMs would. */
static gpointer
serve_conn(gpointer data)
{
	Conn *c = data;

	for (;;) {
		g_autoptr(GBytes) req = cvmi_attest_recv(c->conn, CVM_IGVM_ATTEST_REQUEST_MAX, NULL);
		if (req == NULL || strcmp(c->mode, "close") == 0)
			break;
		g_autoptr(GBytes) resp = answer(c->mode, req);
		if (!cvmi_attest_send(c->conn, resp, NULL))
			break;
	}
	g_object_unref(c->conn);
	g_free(c);
	return NULL;
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;

	if (argc != 3) {
		fprintf(stderr, "usage: %s SOCKET|--stdio MODE\n", argv[0]);
		return 2;
	}
	if (strcmp(argv[1], "--stdio") == 0)
		return stdio_once(argv[2]);
	g_autoptr(GSocket) l = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, &error);
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(argv[1]);
	unlink(argv[1]);
	if (l == NULL || !g_socket_bind(l, addr, TRUE, &error) || !g_socket_listen(l, &error)) {
		fprintf(stderr, "attest-agent: %s\n", error->message);
		return 1;
	}
	for (;;) {
		GSocket *s = g_socket_accept(l, NULL, NULL);
		if (s == NULL)
			continue;
		Conn *c = g_new0(Conn, 1);
		c->conn = s;
		c->mode = argv[2];
		g_thread_unref(g_thread_new("agent-conn", serve_conn, c));
	}
}
