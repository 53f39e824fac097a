/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TDX GetQuote against a stub Quote Generation Service (a thread here that
 * speaks the QGS message format): the quote lands in the guest's buffer;
 * 16 in flight then RETRY; the deadline gives ERROR; no QGS gives
 * SERVICE_UNAVAILABLE; a quote larger than the buffer is never written. */
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
	gboolean stop;
	CvmGuestMemory *mem;
} Fixture;

/* What one connection needs, copied: it may outlive the fixture. */
typedef struct {
	GSocket *conn;
	guint delay_ms;
	gsize quote_len;
} Conn;

static gpointer
answer(gpointer data)
{
	Conn *cn = data;
	g_autoptr(GSocket) c = cn->conn;
	guint delay_ms = cn->delay_ms;
	gsize quote_len = cn->quote_len;
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
	CvmQgsMessage resp = {.type = CVM_QGS_GET_QUOTE_RESP,
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
		Conn *cn = g_new0(Conn, 1);
		cn->conn = c;
		cn->delay_ms = f->delay_ms;
		cn->quote_len = f->quote_len;
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
	f->delay_ms = 400;
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_quote_is_written_into_the_guest_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seventeenth_quote_in_flight_gets_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deadline_gives_error_and_no_qgs_gives_service_unavailable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_quote_larger_than_the_buffer_is_not_written, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
