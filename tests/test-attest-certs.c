/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SNP certificate store and its endpoint: each ret value a VMM can pass
 * to KVM (0 with the table for the chip and TCB in force, ENOSPC with the
 * pages needed, EAGAIN while an update runs, EIO when the store cannot be
 * read), the empty table when none is stored, and refused imports. */
#include "tests/lib/testlib.h"
#include "attest/proxy-private.h"

#include <cvm/attest-certs.h>
#include <cvm/error.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

typedef struct {
	gchar *dir;
	CvmSnpCertStore *store;
	guint8 chip[64];
	GBytes *table; /* ARK + VCEK, 5000 bytes of certificate data: 2 pages */
} Fixture;

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) certs = g_ptr_array_new_with_free_func((GDestroyNotify)cvm_snp_cert_free);
	g_autoptr(GBytes) ark = g_bytes_new_take(memset(g_malloc(2000), 0xa, 2000), 2000);
	g_autoptr(GBytes) vcek = g_bytes_new_take(memset(g_malloc(3000), 0xc, 3000), 3000);

	f->dir = cvmt_mkdtemp();
	f->store = cvm_snp_cert_store_open(f->dir, &error);
	memset(f->chip, 0x42, sizeof f->chip);
	g_ptr_array_add(certs, cvm_snp_cert_new(CVM_SNP_CERT_GUID_ARK, ark, &error));
	g_ptr_array_add(certs, cvm_snp_cert_new(CVM_SNP_CERT_GUID_VCEK, vcek, &error));
	f->table = cvm_snp_cert_table_encode(certs, &error);
	cvmt_assert_no_error(error);
	assert_true(cvm_snp_cert_store_import(f->store, f->chip, 0x1300000000000004ull, f->table, &error));
	cvmt_assert_no_error(error);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;
	cvm_snp_cert_store_free(f->store);
	g_bytes_unref(f->table);
	cvmt_rm_rf(f->dir);
	g_free(f->dir);
	g_free(f);
	return 0;
}

static void
test_the_table_for_the_tcb_in_force_is_returned(void **state)
{
	Fixture *f = *state;
	CvmSnpCertAnswer a;
	cvm_snp_cert_store_answer(f->store, f->chip, 0x1300000000000004ull, 4, &a);
	assert_int_equal(a.ret, 0);
	assert_true(g_bytes_equal(a.table, f->table));
	cvm_snp_cert_answer_clear(&a);
	/* Another TCB (after a firmware update): not this table; the empty one. */
	cvm_snp_cert_store_answer(f->store, f->chip, 0x1400000000000004ull, 4, &a);
	assert_int_equal(a.ret, 0);
	assert_int_equal(g_bytes_get_size(a.table), 24);
	cvm_snp_cert_answer_clear(&a);
}

static void
test_small_buffer_gets_enospc_with_the_pages_needed(void **state)
{
	Fixture *f = *state;
	CvmSnpCertAnswer a;
	cvm_snp_cert_store_answer(f->store, f->chip, 0x1300000000000004ull, 1, &a);
	assert_int_equal(a.ret, ENOSPC);
	assert_int_equal(a.npages, (g_bytes_get_size(f->table) + 4095) / 4096);
	assert_null(a.table);
}

static void
test_an_update_in_progress_is_busy_never_generic(void **state)
{
	Fixture *f = *state;
	CvmSnpCertAnswer a;
	g_autoptr(GError) error = NULL;
	assert_true(cvm_snp_cert_store_begin_update(f->store, &error));
	cvm_snp_cert_store_answer(f->store, f->chip, 0x1300000000000004ull, 4, &a);
	assert_int_equal(a.ret, EAGAIN);
	cvm_snp_cert_store_end_update(f->store);
	cvm_snp_cert_store_answer(f->store, f->chip, 0x1300000000000004ull, 4, &a);
	assert_int_equal(a.ret, 0);
	cvm_snp_cert_answer_clear(&a);
}

static void
test_unreadable_store_is_eio_and_bad_tables_are_refused(void **state)
{
	Fixture *f = *state;
	CvmSnpCertAnswer a;
	g_autoptr(GError) error = NULL;
	guint8 other[64];
	memset(other, 0x43, sizeof other);
	g_autoptr(GBytes) junk = g_bytes_new_static("not a table", 11);
	assert_false(cvm_snp_cert_store_import(f->store, other, 1, junk, &error));
	assert_non_null(error);
	/* A directory where the table should be: the store cannot read it. */
	g_autofree gchar *hex = g_malloc0(129);
	for (guint i = 0; i < 64; i++)
		g_snprintf(hex + 2 * i, 3, "%02x", other[i]);
	g_autofree gchar *name = g_strdup_printf("%s-%016x.certs", hex, 7);
	g_autofree gchar *path = g_build_filename(f->dir, name, NULL);
	assert_int_equal(g_mkdir(path, 0700), 0);
	cvm_snp_cert_store_answer(f->store, other, 7, 4, &a);
	assert_int_equal(a.ret, EIO);
}

static gpointer
run_context(gpointer loop)
{
	g_main_loop_run(loop);
	return NULL;
}

static void
test_endpoint_answers_over_its_socket(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *sock = g_build_filename(f->dir, "certs.sock", NULL);
	g_autoptr(GMainContext) ctx = g_main_context_new();
	g_autoptr(GMainLoop) loop = g_main_loop_new(ctx, FALSE);

	g_main_context_push_thread_default(ctx);
	g_autoptr(CvmSnpCertEndpoint) e = cvm_snp_cert_endpoint_new(f->store, sock, &error);
	g_main_context_pop_thread_default(ctx);
	cvmt_assert_no_error(error);
	GThread *t = g_thread_new("endpoint", run_context, loop);
	g_autoptr(GSocket) s = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, &error);
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(sock);
	assert_true(g_socket_connect(s, addr, NULL, &error));
	guint8 req[CVM_SNP_CERT_REQUEST_SIZE] = {0};
	guint64 v;
	memcpy(req, f->chip, 64);
	v = GUINT64_TO_LE(0x1300000000000004ull), memcpy(req + 64, &v, 8);
	v = GUINT64_TO_LE(0x7000), memcpy(req + 72, &v, 8);
	for (guint64 pages = 4; pages >= 1; pages -= 3) {
		v = GUINT64_TO_LE(pages), memcpy(req + 80, &v, 8);
		g_autoptr(GBytes) rq = g_bytes_new(req, sizeof req);
		assert_true(cvmi_attest_send(s, rq, &error));
		g_autoptr(GBytes) resp = cvmi_attest_recv(s, 1 << 20, &error);
		cvmt_assert_no_error(error);
		const guint8 *d = g_bytes_get_data(resp, NULL);
		guint64 ret, np;
		memcpy(&ret, d, 8), memcpy(&np, d + 8, 8);
		if (pages == 4) {
			assert_int_equal(GUINT64_FROM_LE(ret), 0);
			assert_int_equal(g_bytes_get_size(resp) - 16, g_bytes_get_size(f->table));
			assert_memory_equal(d + 16, g_bytes_get_data(f->table, NULL), g_bytes_get_size(f->table));
		} else {
			assert_int_equal(GUINT64_FROM_LE(ret), ENOSPC);
			assert_int_equal(GUINT64_FROM_LE(np), 2);
			break;
		}
	}
	g_main_loop_quit(loop);
	g_thread_join(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_the_table_for_the_tcb_in_force_is_returned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_buffer_gets_enospc_with_the_pages_needed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_update_in_progress_is_busy_never_generic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_store_is_eio_and_bad_tables_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_endpoint_answers_over_its_socket, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
