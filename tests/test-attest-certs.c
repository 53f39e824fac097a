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
#include <sys/stat.h>

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
	cvmt_loop_quit(loop);
	g_thread_join(t);
}

/* Ask until the answer is not BUSY (the fill runs in the background). */
static void
answer_after_fill(Fixture *f, guint64 tcb, CvmSnpCertAnswer *a, guint *busy)
{
	*busy = 0;
	for (guint i = 0; i < 500; i++) {
		cvm_snp_cert_store_answer(f->store, f->chip, tcb, 4, a);
		if (a->ret != EAGAIN)
			return;
		(*busy)++;
		g_usleep(10 * 1000);
	}
	fail_msg("still BUSY after 5 s");
}

/* The fill command: run once per missing chip and TCB with both in hex,
 * BUSY meanwhile, its table stored and served; one that fails or hangs is
 * not run again for a while and the empty table is answered meanwhile. */
static void
test_fill_command_fetches_missing_tables_busy_meanwhile(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *src = g_build_filename(f->dir, "fetched.table", NULL);
	g_autofree gchar *log = g_build_filename(f->dir, "fill.log", NULL);
	g_autofree gchar *script = g_strdup_printf("echo \"$1 $2\" >>'%s'; sleep 0.1; "
						   "case $2 in 00000000000000f1) exit 3;; 00000000000000f2) sleep 30;; esac; "
						   "cat '%s'", log, src);
	const char *argv[] = {"/bin/sh", "-c", script, "fill", NULL};
	CvmSnpCertAnswer a;
	guint busy;

	assert_true(g_file_set_contents(src, g_bytes_get_data(f->table, NULL), (gssize)g_bytes_get_size(f->table), NULL));
	cvm_snp_cert_store_set_fill_command(f->store, argv, 2000);

	answer_after_fill(f, 0x2100000000000007ull, &a, &busy);
	assert_true(busy >= 1);
	assert_int_equal(a.ret, 0);
	assert_true(g_bytes_equal(a.table, f->table));
	cvm_snp_cert_answer_clear(&a);
	g_autofree gchar *chip = g_strnfill(128, '4');
	for (guint i = 0; i < 128; i += 2)
		chip[i + 1] = '2';
	g_autofree gchar *want = g_strdup_printf("%s 2100000000000007\n", chip);
	g_autofree gchar *ran = NULL;
	assert_true(g_file_get_contents(log, &ran, NULL, NULL));
	assert_string_equal(ran, want); /* once, with chip and TCB */
	/* Stored: asked again with the command gone, the table is there. */
	cvm_snp_cert_store_set_fill_command(f->store, NULL, 0);
	cvm_snp_cert_store_answer(f->store, f->chip, 0x2100000000000007ull, 4, &a);
	assert_int_equal(a.ret, 0);
	assert_true(g_bytes_equal(a.table, f->table));
	cvm_snp_cert_answer_clear(&a);

	/* Failing (exit 3) and hanging (killed at 2 s) commands. */
	cvm_snp_cert_store_set_fill_command(f->store, argv, 2000);
	for (guint64 tcb = 0xf1; tcb <= 0xf2; tcb++) {
		answer_after_fill(f, tcb, &a, &busy);
		assert_true(busy >= 1);
		assert_int_equal(a.ret, 0);
		assert_int_equal(g_bytes_get_size(a.table), 24); /* the empty table */
		cvm_snp_cert_answer_clear(&a);
		cvm_snp_cert_store_answer(f->store, f->chip, tcb, 4, &a); /* not run again */
		assert_int_equal(a.ret, 0);
		assert_int_equal(g_bytes_get_size(a.table), 24);
		cvm_snp_cert_answer_clear(&a);
	}
	g_clear_pointer(&ran, g_free);
	assert_true(g_file_get_contents(log, &ran, NULL, NULL));
	g_auto(GStrv) lines = g_strsplit(ran, "\n", -1);
	assert_int_equal(g_strv_length(lines), 4); /* three runs and the empty tail */
}

/* Issue 22: every distinct chip ID and TCB a guest names started a fill
 * process and a thread of its own. Now two run at once and sixteen wait
 * (BUSY meanwhile); beyond them the guest gets the empty table at once. */
static void
test_fills_are_bounded_and_queued(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *log = g_build_filename(f->dir, "started.log", NULL);
	g_autofree gchar *go = g_build_filename(f->dir, "go", NULL);
	/* Each fill notes its start, then waits (bounded) for the test's go. */
	g_autofree gchar *script = g_strdup_printf("echo \"$2\" >>'%s'; i=0; "
						   "while [ ! -e '%s' ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; exit 1",
						   log, go);
	const char *argv[] = {"/bin/sh", "-c", script, "fill", NULL};
	CvmSnpCertAnswer a;
	guint busy = 0, empty = 0;

	cvm_snp_cert_store_set_fill_command(f->store, argv, 20000);
	for (guint64 tcb = 1; tcb <= 40; tcb++) {
		cvm_snp_cert_store_answer(f->store, f->chip, tcb, 4, &a);
		if (a.ret == EAGAIN)
			busy++;
		else if (a.ret == 0 && a.table != NULL && g_bytes_get_size(a.table) == 24)
			empty++;
		cvm_snp_cert_answer_clear(&a);
	}
	assert_int_equal(busy, 18);
	assert_int_equal(empty, 22);
	/* A queued one is still BUSY when asked again, not refused. */
	cvm_snp_cert_store_answer(f->store, f->chip, 18, 4, &a);
	assert_int_equal(a.ret, EAGAIN);
	cvm_snp_cert_answer_clear(&a);
	/* Two processes start, and no more while they run. */
	g_autofree gchar *ran = NULL;
	for (guint i = 0; i < 500; i++) {
		g_clear_pointer(&ran, g_free);
		if (g_file_get_contents(log, &ran, NULL, NULL) && strchr(ran, '\n') != strrchr(ran, '\n'))
			break;
		g_usleep(10 * 1000);
	}
	g_usleep(300 * 1000);
	g_clear_pointer(&ran, g_free);
	assert_true(g_file_get_contents(log, &ran, NULL, NULL));
	g_auto(GStrv) lines = g_strsplit(ran, "\n", -1);
	assert_int_equal(g_strv_length(lines), 3); /* two runs and the empty tail */
	/* Freeing the store drops the queued fills and waits for the two. */
	assert_true(g_file_set_contents(go, "", 0, NULL));
	g_clear_pointer(&f->store, cvm_snp_cert_store_free);
	g_clear_pointer(&ran, g_free);
	assert_true(g_file_get_contents(log, &ran, NULL, NULL));
	g_auto(GStrv) after = g_strsplit(ran, "\n", -1);
	assert_true(g_strv_length(after) <= 5);
	f->store = cvm_snp_cert_store_open(f->dir, NULL);
}

/* Issue 22: the store's folder was created 0755. */
static void
test_store_folder_is_private(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *dir = g_build_filename(f->dir, "new", "snp-certs", NULL);
	GStatBuf st;

	g_autoptr(CvmSnpCertStore) s = cvm_snp_cert_store_open(dir, NULL);
	assert_non_null(s);
	assert_int_equal(g_stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
}

/* The update marker, like every non-public file cvm writes, is 0600 whatever
 * the umask (docs/attest.md; test-cvmd-modes checks the whole tree). */
static void
test_update_marker_is_private_whatever_the_umask(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *p = g_build_filename(f->dir, "update-in-progress", NULL);
	g_autoptr(GError) error = NULL;
	GStatBuf st;
	mode_t old = umask(0);

	gboolean ok = cvm_snp_cert_store_begin_update(f->store, &error);
	umask(old);
	cvmt_assert_no_error(error);
	assert_true(ok);
	assert_int_equal(g_stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	cvm_snp_cert_store_end_update(f->store);
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
		cmocka_unit_test_setup_teardown(test_fill_command_fetches_missing_tables_busy_meanwhile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fills_are_bounded_and_queued, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_folder_is_private, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_marker_is_private_whatever_the_umask, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
