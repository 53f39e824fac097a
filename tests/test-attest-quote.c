/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TDX GetQuote against a stub Quote Generation Service (a thread here that
 * speaks the QGS message format): the quote lands in the guest's buffer;
 * 16 in flight then RETRY; the deadline gives ERROR; no QGS gives
 * SERVICE_UNAVAILABLE; a quote larger than the buffer is never written.
 * The QGS front end, driven as QEMU's quote-generation-socket: forwarded,
 * the QGS's errors untouched, 17th in flight answered at once, deadline, no
 * QGS and malformed requests answered with QGS error codes. */
#include "tests/lib/attest-load.h"
#include "tests/lib/testlib.h"

#include <cvm/attest-quote.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <string.h>

#define BUF_GPA 0x10000u
#define BUF_SIZE 8192u
/* How long a test waits for a state before it fails: far beyond what a
 * loaded, sanitised machine needs, so only a real hang reaches it. */
#define STATE_WAIT_US (60 * G_USEC_PER_SEC)

/* While closed, the stub QGS holds every request it has read: a quote is
 * "in flight" for as long as the test says, not for a guessed delay.
 * Reference-counted: an answering thread may outlive the fixture. */
typedef struct {
	GMutex lock;
	GCond cond;
	gboolean closed;
} Gate;

typedef struct {
	gchar *dir, *sock;
	GSocket *listener;
	GThread *thread;
	Gate *gate;
	gsize quote_len;
	guint32 qgs_error;
	gboolean stop;
	gint accepted; /* connections the stub QGS took */
	gint holding; /* requests read and held at the closed gate */
	CvmGuestMemory *mem;
} Fixture;

/* What one connection needs: it may outlive the fixture (the counter is
 * only touched while the fixture waits for it at the gate). */
typedef struct {
	GSocket *conn;
	Gate *gate;
	gint *holding;
	gsize quote_len;
	guint32 qgs_error;
} Conn;

static void
gate_clear(Gate *g)
{
	g_mutex_clear(&g->lock);
	g_cond_clear(&g->cond);
}

static void
gate_set(Gate *g, gboolean closed)
{
	g_mutex_lock(&g->lock);
	g->closed = closed;
	g_cond_broadcast(&g->cond);
	g_mutex_unlock(&g->lock);
}

/* Waits until @counter reaches @want; fails the test after STATE_WAIT_US. */
static void
wait_count(gint *counter, gint want)
{
	gint64 end = g_get_monotonic_time() + STATE_WAIT_US;

	while (g_atomic_int_get(counter) < want && g_get_monotonic_time() < end)
		g_usleep(5 * 1000);
	assert_int_equal(g_atomic_int_get(counter), want);
}

static gpointer
answer(gpointer data)
{
	Conn *cn = data;
	g_autoptr(GSocket) c = cn->conn;
	Gate *gate = cn->gate;
	gint *holding = cn->holding;
	gsize quote_len = cn->quote_len;
	guint32 qgs_error = cn->qgs_error;
	g_autofree guint8 *body = NULL;
	g_autoptr(GBytes) out = NULL;
	CvmQgsMessage resp;
	guint8 prefix[4];
	guint32 len;
	gsize got = 0;
	g_free(cn);
	if (g_socket_receive(c, (gchar *)prefix, 4, NULL, NULL) != 4 || !cvm_qgs_frame_length(prefix, &len, NULL))
		goto done;
	body = g_malloc(len);
	while (got < len) {
		gssize n = g_socket_receive(c, (gchar *)body + got, len - got, NULL, NULL);
		if (n <= 0)
			goto done;
		got += (gsize)n;
	}
	g_mutex_lock(&gate->lock);
	if (gate->closed)
		g_atomic_int_inc(holding);
	while (gate->closed)
		g_cond_wait(&gate->cond, &gate->lock);
	g_mutex_unlock(&gate->lock);
	resp = (CvmQgsMessage){.type = CVM_QGS_GET_QUOTE_RESP, .error_code = qgs_error,
			       .data = g_bytes_new_take(memset(g_malloc(quote_len), 0x51, quote_len), quote_len)};
	out = cvm_qgs_message_encode(&resp, NULL);
	cvm_qgs_message_clear(&resp);
	g_socket_send(c, g_bytes_get_data(out, NULL), g_bytes_get_size(out), NULL, NULL);
done:
	g_atomic_rc_box_release_full(gate, (GDestroyNotify)gate_clear);
	return NULL;
}

static gpointer
qgs(gpointer data)
{
	Fixture *f = data;
	while (!f->stop) {
		if (!g_socket_condition_timed_wait(f->listener, G_IO_IN, 50000, NULL, NULL))
			continue;
		GSocket *c = g_socket_accept(f->listener, NULL, NULL);
		if (c == NULL)
			continue;
		g_atomic_int_inc(&f->accepted);
		Conn *cn = g_new0(Conn, 1);
		cn->conn = c;
		cn->gate = g_atomic_rc_box_acquire(f->gate);
		cn->holding = &f->holding;
		cn->quote_len = f->quote_len;
		cn->qgs_error = f->qgs_error;
		g_thread_unref(g_thread_new("qgs-conn", answer, cn));
	}
	return NULL;
}

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autoptr(GError) error = NULL;
	f->dir = cvmt_mkdtemp();
	f->sock = g_build_filename(f->dir, "qgs.sock", NULL);
	f->listener = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, &error);
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(f->sock);
	/* Room for every connection the tests make at once: with the default
	 * backlog (10) a loaded machine left the 16 racing the accept loop, and
	 * a refused connect ended a quote that should have been in flight. */
	g_socket_set_listen_backlog(f->listener, 64);
	assert_true(g_socket_bind(f->listener, addr, TRUE, &error) && g_socket_listen(f->listener, &error));
	f->quote_len = 600;
	f->gate = g_atomic_rc_box_new0(Gate);
	g_mutex_init(&f->gate->lock);
	g_cond_init(&f->gate->cond);
	f->thread = g_thread_new("qgs", qgs, f);
	f->mem = cvm_guest_memory_new_memfd(1 << 20, 0, &error);
	cvmt_assert_no_error(error);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;
	f->stop = TRUE;
	g_thread_join(f->thread);
	gate_set(f->gate, FALSE);
	g_atomic_rc_box_release_full(f->gate, (GDestroyNotify)gate_clear);
	g_object_unref(f->listener);
	cvm_guest_memory_free(f->mem);
	cvmt_rm_rf(f->dir);
	g_free(f->dir);
	g_free(f->sock);
	g_free(f);
	return 0;
}

/* A GetQuote buffer at @gpa: header and a 1024-byte TDREPORT. */
static void
put_request(Fixture *f, guint64 gpa)
{
	guint8 buf[24 + 1024] = {0};
	CvmTdxQuoteBufHeader h = {.version = GUINT64_TO_LE(1), .in_len = GUINT32_TO_LE(1024)};
	memcpy(buf, &h, sizeof h);
	memset(buf + 24, 0x7d, 1024);
	assert_true(cvm_guest_memory_write(f->mem, gpa, buf, sizeof buf, NULL));
}

static CvmTdxQuoteBufHeader
result(Fixture *f, guint64 gpa)
{
	CvmTdxQuoteBufHeader h;
	assert_true(cvm_guest_memory_read(f->mem, gpa, &h, sizeof h, NULL));
	h.status = GUINT64_FROM_LE(h.status);
	h.out_len = GUINT32_FROM_LE(h.out_len);
	return h;
}

static void
test_quote_is_written_into_the_guest_buffer(void **state)
{
	Fixture *f = *state;
	g_autoptr(CvmTdxQuoteService) svc = cvm_tdx_quote_service_new(f->sock, 5000);
	put_request(f, BUF_GPA);
	assert_true(cvm_tdx_quote_service_submit(svc, "g", f->mem, BUF_GPA, BUF_SIZE) == CVM_TDVMCALL_SUCCESS);
	cvm_tdx_quote_service_wait_idle(svc);
	CvmTdxQuoteBufHeader h = result(f, BUF_GPA);
	assert_true(h.status == CVM_TDX_QUOTE_STATUS_SUCCESS);
	assert_int_equal(h.out_len, 600);
	guint8 q[600];
	assert_true(cvm_guest_memory_read(f->mem, BUF_GPA + 24, q, sizeof q, NULL));
	assert_int_equal(q[0], 0x51);
	assert_int_equal(q[599], 0x51);
}

static void
test_seventeenth_quote_in_flight_gets_retry(void **state)
{
	Fixture *f = *state;
	/* None of the 16 is done before the 17th is asked: the QGS holds them. */
	gate_set(f->gate, TRUE);
	g_autoptr(CvmTdxQuoteService) svc = cvm_tdx_quote_service_new(f->sock, 5000);
	for (guint i = 0; i < 16; i++) {
		put_request(f, BUF_GPA + i * BUF_SIZE);
		assert_true(cvm_tdx_quote_service_submit(svc, "g", f->mem, BUF_GPA + i * BUF_SIZE, BUF_SIZE) ==
			    CVM_TDVMCALL_SUCCESS);
	}
	put_request(f, BUF_GPA + 16 * BUF_SIZE);
	assert_true(cvm_tdx_quote_service_submit(svc, "g", f->mem, BUF_GPA + 16 * BUF_SIZE, BUF_SIZE) ==
		    CVM_TDVMCALL_RETRY);
	/* Another guest has its own 16. */
	assert_true(cvm_tdx_quote_service_submit(svc, "h", f->mem, BUF_GPA + 16 * BUF_SIZE, BUF_SIZE) ==
		    CVM_TDVMCALL_SUCCESS);
	gate_set(f->gate, FALSE);
	cvm_tdx_quote_service_wait_idle(svc);
	assert_true(result(f, BUF_GPA).status == CVM_TDX_QUOTE_STATUS_SUCCESS);
}

static void
test_deadline_gives_error_and_no_qgs_gives_service_unavailable(void **state)
{
	Fixture *f = *state;
	gate_set(f->gate, TRUE); /* a QGS that never answers in time */
	g_autoptr(CvmTdxQuoteService) slow = cvm_tdx_quote_service_new(f->sock, 300);
	put_request(f, BUF_GPA);
	assert_true(cvm_tdx_quote_service_submit(slow, "g", f->mem, BUF_GPA, BUF_SIZE) == CVM_TDVMCALL_SUCCESS);
	cvm_tdx_quote_service_wait_idle(slow);
	assert_true(result(f, BUF_GPA).status == CVM_TDX_QUOTE_STATUS_ERROR);
	assert_int_equal(result(f, BUF_GPA).out_len, 0);
	g_autofree gchar *none = g_build_filename(f->dir, "none.sock", NULL);
	g_autoptr(CvmTdxQuoteService) down = cvm_tdx_quote_service_new(none, 300);
	put_request(f, BUF_GPA);
	assert_true(cvm_tdx_quote_service_submit(down, "g", f->mem, BUF_GPA, BUF_SIZE) == CVM_TDVMCALL_SUCCESS);
	cvm_tdx_quote_service_wait_idle(down);
	assert_true(result(f, BUF_GPA).status == CVM_TDX_QUOTE_STATUS_SERVICE_UNAVAILABLE);
}

static void
test_quote_larger_than_the_buffer_is_not_written(void **state)
{
	Fixture *f = *state;
	f->quote_len = 5000;
	g_autoptr(CvmTdxQuoteService) svc = cvm_tdx_quote_service_new(f->sock, 5000);
	put_request(f, BUF_GPA);
	assert_true(cvm_tdx_quote_service_submit(svc, "g", f->mem, BUF_GPA, 2048) == CVM_TDVMCALL_SUCCESS);
	cvm_tdx_quote_service_wait_idle(svc);
	CvmTdxQuoteBufHeader h = result(f, BUF_GPA);
	assert_true(h.status == CVM_TDX_QUOTE_STATUS_ERROR);
	assert_true(h.out_len <= 2048 - 24);
	/* Bad buffers are refused at once. */
	assert_true(cvm_tdx_quote_service_submit(svc, "g", f->mem, (1 << 20) - 100, 4096) ==
		    CVM_TDVMCALL_INVALID_OPERAND);
	assert_true(cvm_tdx_quote_service_submit(svc, "g", f->mem, BUF_GPA, 10) == CVM_TDVMCALL_INVALID_OPERAND);
}

/* ---- the QGS front end, as QEMU's quote-generation-socket sees it ---- */

typedef struct {
	CvmTdxQuoteService *svc;
	gchar *path;
	GMainContext *ctx;
	GMainLoop *loop;
	GThread *thread;
	GMutex lock;
	GCond cond;
	gboolean ready;
} Front;

/* The front end serves from its own main context, as it would in cvmd. */
static gpointer
front_thread(gpointer data)
{
	Front *fr = data;
	g_main_context_push_thread_default(fr->ctx);
	g_autoptr(CvmTdxQgsFront) front = cvm_tdx_qgs_front_new(fr->svc, "g", fr->path, NULL);
	g_mutex_lock(&fr->lock);
	fr->ready = TRUE;
	g_cond_signal(&fr->cond);
	g_mutex_unlock(&fr->lock);
	if (front != NULL)
		g_main_loop_run(fr->loop);
	g_clear_pointer(&front, cvm_tdx_qgs_front_free);
	g_main_context_pop_thread_default(fr->ctx);
	return NULL;
}

static Front *
front_start(Fixture *f, const char *qgs, guint deadline_ms)
{
	Front *fr = g_new0(Front, 1);
	fr->svc = cvm_tdx_quote_service_new(qgs, deadline_ms);
	fr->path = g_build_filename(f->dir, "front.sock", NULL);
	fr->ctx = g_main_context_new();
	fr->loop = g_main_loop_new(fr->ctx, FALSE);
	g_mutex_init(&fr->lock);
	g_cond_init(&fr->cond);
	fr->thread = g_thread_new("front", front_thread, fr);
	g_mutex_lock(&fr->lock);
	while (!fr->ready)
		g_cond_wait(&fr->cond, &fr->lock);
	g_mutex_unlock(&fr->lock);
	assert_true(g_file_test(fr->path, G_FILE_TEST_EXISTS));
	return fr;
}

static void
front_stop(Front *fr)
{
	cvmt_loop_quit(fr->loop);
	g_thread_join(fr->thread);
	cvm_tdx_quote_service_free(fr->svc);
	g_main_loop_unref(fr->loop);
	g_main_context_unref(fr->ctx);
	g_mutex_clear(&fr->lock);
	g_cond_clear(&fr->cond);
	g_free(fr->path);
	g_free(fr);
}

/* Connect and send @raw (a framed message), as QEMU does. */
static GSocket *
qemu_send(Front *fr, GBytes *raw)
{
	GSocket *s = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, NULL);
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(fr->path);
	assert_true(g_socket_connect(s, addr, NULL, NULL));
	assert_true(g_socket_send(s, g_bytes_get_data(raw, NULL), g_bytes_get_size(raw), NULL, NULL) ==
		    (gssize)g_bytes_get_size(raw));
	return s;
}

/* The response QEMU reads: its type, error code and quote length. */
static void
qemu_receive(GSocket *s, guint32 *error_code, gsize *quote_len)
{
	guint8 prefix[4];
	guint32 len;
	g_socket_set_timeout(s, 60); /* a bound on a state, not a timing check */
	assert_int_equal(g_socket_receive(s, (gchar *)prefix, 4, NULL, NULL), 4);
	assert_true(cvm_qgs_frame_length(prefix, &len, NULL));
	g_autofree guint8 *body = g_malloc(len);
	for (gsize got = 0; got < len;) {
		gssize n = g_socket_receive(s, (gchar *)body + got, len - got, NULL, NULL);
		assert_true(n > 0);
		got += (gsize)n;
	}
	CvmQgsMessage resp = {0};
	assert_true(cvm_qgs_message_decode(body, len, &resp, NULL));
	assert_int_equal(resp.type, CVM_QGS_GET_QUOTE_RESP);
	*error_code = resp.error_code;
	*quote_len = g_bytes_get_size(resp.data);
	cvm_qgs_message_clear(&resp);
}

static void
test_qgs_front_forwards_and_passes_qgs_errors_through(void **state)
{
	Fixture *f = *state;
	Front *fr = front_start(f, f->sock, 5000);
	g_autoptr(GBytes) req = cvmt_load_request(CVMT_LOAD_QGS);
	guint32 code;
	gsize qlen;

	g_autoptr(GSocket) a = qemu_send(fr, req);
	qemu_receive(a, &code, &qlen);
	assert_int_equal(code, 0);
	assert_int_equal(qlen, 600);
	/* The QGS's own error code reaches QEMU untouched. */
	f->qgs_error = 0x00012005;
	g_autoptr(GSocket) b = qemu_send(fr, req);
	qemu_receive(b, &code, &qlen);
	assert_int_equal(code, 0x00012005);
	front_stop(fr);
}

static void
test_qgs_front_bounds_in_flight_and_answers_failures(void **state)
{
	Fixture *f = *state;
	g_autoptr(GBytes) req = cvmt_load_request(CVMT_LOAD_QGS);
	guint32 code;
	gsize qlen;
	GSocket *held[16];

	/* The stub QGS holds the 16 until the 17th has had its answer: were
	 * the 17th queued behind them, it would never be answered. The front
	 * end's deadline is far away, so only the bound can answer it. */
	gate_set(f->gate, TRUE);
	Front *fr = front_start(f, f->sock, 120000);
	for (guint i = 0; i < 16; i++)
		held[i] = qemu_send(fr, req);
	wait_count(&f->holding, 16);
	g_autoptr(GSocket) extra = qemu_send(fr, req);
	qemu_receive(extra, &code, &qlen);
	assert_int_equal(code, CVM_QGS_ERROR_UNEXPECTED);
	assert_int_equal(g_atomic_int_get(&f->accepted), 16); /* not forwarded */
	gate_set(f->gate, FALSE);
	for (guint i = 0; i < 16; i++) {
		qemu_receive(held[i], &code, &qlen);
		assert_int_equal(code, 0);
		g_object_unref(held[i]);
	}
	front_stop(fr);

	/* A QGS that does not answer before the deadline, and no QGS at all. */
	gate_set(f->gate, TRUE);
	fr = front_start(f, f->sock, 300);
	g_autoptr(GSocket) slow = qemu_send(fr, req);
	qemu_receive(slow, &code, &qlen);
	assert_int_equal(code, CVM_QGS_ERROR_UNEXPECTED);
	front_stop(fr);
	g_autofree gchar *none = g_build_filename(f->dir, "none.sock", NULL);
	fr = front_start(f, none, 300);
	g_autoptr(GSocket) down = qemu_send(fr, req);
	qemu_receive(down, &code, &qlen);
	assert_int_equal(code, CVM_QGS_ERROR_UNEXPECTED);
	front_stop(fr);
}

static void
test_qgs_front_answers_malformed_requests(void **state)
{
	Fixture *f = *state;
	Front *fr = front_start(f, f->sock, 5000);
	guint32 code;
	gsize qlen;
	const guint8 tiny[] = {0, 0, 0, 3, 1, 2, 3};
	g_autoptr(GBytes) bad_len = g_bytes_new_static(tiny, sizeof tiny);
	g_autoptr(GSocket) a = qemu_send(fr, bad_len);
	qemu_receive(a, &code, &qlen);
	assert_int_equal(code, CVM_QGS_ERROR_INVALID_PARAMETER);
	/* A response where a request belongs. */
	CvmQgsMessage wrong = {.type = CVM_QGS_GET_QUOTE_RESP, .data = g_bytes_new(NULL, 0)};
	g_autoptr(GBytes) raw = cvm_qgs_message_encode(&wrong, NULL);
	cvm_qgs_message_clear(&wrong);
	g_autoptr(GSocket) b = qemu_send(fr, raw);
	qemu_receive(b, &code, &qlen);
	assert_int_equal(code, CVM_QGS_ERROR_INVALID_PARAMETER);
	front_stop(fr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_quote_is_written_into_the_guest_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seventeenth_quote_in_flight_gets_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deadline_gives_error_and_no_qgs_gives_service_unavailable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_quote_larger_than_the_buffer_is_not_written, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qgs_front_forwards_and_passes_qgs_errors_through, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qgs_front_bounds_in_flight_and_answers_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qgs_front_answers_malformed_requests, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
