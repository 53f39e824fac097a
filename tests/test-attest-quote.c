/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TDX GetQuote against a stub Quote Generation Service (a thread here that
 * speaks the QGS message format): the quote lands in the guest's buffer;
 * 16 in flight then RETRY; the deadline gives ERROR; no QGS gives
 * SERVICE_UNAVAILABLE; a quote larger than the buffer is never written.
 * The QGS front end, driven as QEMU's quote-generation-socket: forwarded,
 * the QGS's errors untouched, 17th in flight answered at once, deadline, no
 * QGS and malformed requests answered with QGS error codes. */
#include "tests/lib/testlib.h"

#include <cvm/attest-quote.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <string.h>

#define BUF_GPA 0x10000u
#define BUF_SIZE 8192u

typedef struct {
	gchar *dir, *sock;
	GSocket *listener;
	GThread *thread;
	guint delay_ms;
	gsize quote_len;
	guint32 qgs_error;
	gboolean stop;
	gint accepted; /* connections the stub QGS took */
	CvmGuestMemory *mem;
} Fixture;

/* What one connection needs, copied: it may outlive the fixture. */
typedef struct {
	GSocket *conn;
	guint delay_ms;
	gsize quote_len;
	guint32 qgs_error;
} Conn;

static gpointer
answer(gpointer data)
{
	Conn *cn = data;
	g_autoptr(GSocket) c = cn->conn;
	guint delay_ms = cn->delay_ms;
	gsize quote_len = cn->quote_len;
	guint32 qgs_error = cn->qgs_error;
	guint8 prefix[4];
	guint32 len;
	g_free(cn);
	if (g_socket_receive(c, (gchar *)prefix, 4, NULL, NULL) != 4 || !cvm_qgs_frame_length(prefix, &len, NULL))
		return NULL;
	g_autofree guint8 *body = g_malloc(len);
	gsize got = 0;
	while (got < len) {
		gssize n = g_socket_receive(c, (gchar *)body + got, len - got, NULL, NULL);
		if (n <= 0)
			return NULL;
		got += (gsize)n;
	}
	g_usleep(delay_ms * 1000);
	CvmQgsMessage resp = {.type = CVM_QGS_GET_QUOTE_RESP, .error_code = qgs_error,
			      .data = g_bytes_new_take(memset(g_malloc(quote_len), 0x51, quote_len), quote_len)};
	g_autoptr(GBytes) out = cvm_qgs_message_encode(&resp, NULL);
	cvm_qgs_message_clear(&resp);
	g_socket_send(c, g_bytes_get_data(out, NULL), g_bytes_get_size(out), NULL, NULL);
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
		cn->delay_ms = f->delay_ms;
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
	assert_true(g_socket_bind(f->listener, addr, TRUE, &error) && g_socket_listen(f->listener, &error));
	f->quote_len = 600;
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
	/* Long enough that none of the 16 is done before the 17th is asked,
	 * even on a loaded 2-core machine (400 ms was not, once). */
	f->delay_ms = 1500;
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
	cvm_tdx_quote_service_wait_idle(svc);
	assert_true(result(f, BUF_GPA).status == CVM_TDX_QUOTE_STATUS_SUCCESS);
}

static void
test_deadline_gives_error_and_no_qgs_gives_service_unavailable(void **state)
{
	Fixture *f = *state;
	f->delay_ms = 1500;
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
	g_main_loop_quit(fr->loop);
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

static GBytes *
quote_request(void)
{
	guint8 report[1024];
	memset(report, 0x7d, sizeof report);
	CvmQgsMessage req = {.type = CVM_QGS_GET_QUOTE_REQ, .data = g_bytes_new(report, sizeof report)};
	GBytes *raw = cvm_qgs_message_encode(&req, NULL);
	cvm_qgs_message_clear(&req);
	return raw;
}

/* The response QEMU reads: its type, error code and quote length. */
static void
qemu_receive(GSocket *s, guint32 *error_code, gsize *quote_len)
{
	guint8 prefix[4];
	guint32 len;
	g_socket_set_timeout(s, 10);
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
	g_autoptr(GBytes) req = quote_request();
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
	g_autoptr(GBytes) req = quote_request();
	guint32 code;
	gsize qlen;
	GSocket *held[16];

	/* Long enough for the 16 to stay in flight on a slow (sanitised,
	 * loaded) machine while the 17th is answered. */
	f->delay_ms = 3000;
	Front *fr = front_start(f, f->sock, 8000);
	for (guint i = 0; i < 16; i++)
		held[i] = qemu_send(fr, req);
	/* All 16 forwarded to the QGS before the 17th arrives. */
	for (guint i = 0; i < 500 && g_atomic_int_get(&f->accepted) < 16; i++)
		g_usleep(10 * 1000);
	assert_int_equal(g_atomic_int_get(&f->accepted), 16);
	g_autoptr(GSocket) extra = qemu_send(fr, req);
	gint64 t0 = g_get_monotonic_time();
	qemu_receive(extra, &code, &qlen);
	assert_int_equal(code, CVM_QGS_ERROR_UNEXPECTED);
	assert_true(g_get_monotonic_time() - t0 < 500 * 1000); /* answered, not queued behind the 16 */
	for (guint i = 0; i < 16; i++) {
		qemu_receive(held[i], &code, &qlen);
		assert_int_equal(code, 0);
		g_object_unref(held[i]);
	}
	front_stop(fr);

	/* A QGS slower than the deadline, and no QGS at all. */
	f->delay_ms = 1500;
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
