/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Migration jobs without a host: the fork's monitor commands (the GPA
 * survives its MiB scaling), the SVSM's page line in a serial log, the
 * D-Bus options both ways, and option checks. The job end to end runs in
 * tests/integration/test-cvmd-migrate.sh. */
#include "tests/lib/testlib.h"
#include <string.h>
#include <cvm/error.h>
#include <cvm/migrate-job.h>

static void
test_hmp_command_carries_the_real_gpa(void **state)
{
	g_autoptr(GError) error = NULL;
	(void)state;
	g_autofree gchar *in = cvm_migrate_hmp_command(TRUE, "tcp:10.0.0.2:4444", 0x7ff00000, &error);
	cvmt_assert_no_error(error);
	assert_string_equal(in, "snp_migrate_incoming tcp:10.0.0.2:4444 2146435072");
	g_autofree gchar *out = cvm_migrate_hmp_command(FALSE, "unix:/run/m.sock", 0x1000, &error);
	assert_string_equal(out, "snp_migrate unix:/run/m.sock 4096");
	/* What the fork does with the number: size in MiB, then >> 20. */
	guint64 n = g_ascii_strtoull(strrchr(in, ' ') + 1, NULL, 10);
	assert_true(((n << 20) >> 20) == 0x7ff00000);
}

static void
test_hmp_command_refuses_what_the_fork_would_mangle(void **state)
{
	(void)state;
	const guint64 bad[] = {0, 0x1001, G_GUINT64_CONSTANT(1) << 44, G_MAXUINT64 & ~0xfffULL};
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		assert_null(cvm_migrate_hmp_command(FALSE, "tcp:h:1", bad[i], &error));
		assert_true(g_error_matches(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT));
	}
	g_autoptr(GError) error = NULL;
	assert_null(cvm_migrate_hmp_command(FALSE, "tcp:h:1 ; quit", 0x1000, &error));
	assert_true(g_error_matches(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT));
	g_autofree gchar *top = cvm_migrate_hmp_command(FALSE, "tcp:h:1", (G_GUINT64_CONSTANT(1) << 44) - 0x1000, NULL);
	assert_non_null(top);
}

static void
test_page_line_found_last_one_wins(void **state)
{
	const char *log = "boot\nSVSM: Migration page is at address: 0x7ffe0000\nreboot\n"
			  "SVSM: Migration page is at address:   0x10000\r\nmore";
	guint64 gpa = 0;
	(void)state;
	assert_true(cvm_migrate_find_page_gpa(log, strlen(log), &gpa));
	assert_int_equal(gpa, 0x10000);
	/* Cut inside the second line: the first one stands. */
	gsize cut = (gsize)(strstr(log, "   0x10000") - log) + 4;
	assert_true(cvm_migrate_find_page_gpa(log, cut, &gpa));
	assert_int_equal(gpa, 0x7ffe0000);
}

static void
test_page_line_rejects_garbage(void **state)
{
	const char *logs[] = {
		"", "Migration page is at address:", "Migration page is at address: 0x",
		"Migration page is at address: 0x10001", "Migration page is at address: 65536",
		"Migration page is at address: 0xffffffffffffffffff000",
	};
	(void)state;
	for (guint i = 0; i < G_N_ELEMENTS(logs); i++) {
		guint64 gpa = 42;
		assert_false(cvm_migrate_find_page_gpa(logs[i], strlen(logs[i]), &gpa));
		assert_int_equal(gpa, 42);
	}
}

static void
test_options_round_trip_through_variant(void **state)
{
	CvmMigrateJobOptions o, back;
	g_autoptr(GError) error = NULL;
	(void)state;
	cvm_migrate_job_options_init(&o);
	o.dest_connect = "qemu+ssh://b/system";
	o.dest_name = "g-b";
	o.page_gpa = 0x10000;
	o.dest_page_gpa = 0x20000;
	o.source_memory = "/dev/shm/a";
	o.dest_memory = "/dev/shm/b";
	o.dest_memory_base = 0x100000;
	o.mode = CVM_MIGRATE_MODE_HMP;
	o.keep_source = TRUE;
	o.timeout_ms = 1234;
	g_autoptr(GVariant) v = g_variant_ref_sink(cvm_migrate_job_options_to_variant(&o));
	cvm_migrate_job_options_init(&back);
	assert_true(cvm_migrate_job_options_from_variant(v, &back, &error));
	cvmt_assert_no_error(error);
	assert_string_equal(back.dest_connect, o.dest_connect);
	assert_string_equal(back.dest_name, o.dest_name);
	assert_string_equal(back.source_memory, o.source_memory);
	assert_string_equal(back.dest_memory, o.dest_memory);
	assert_int_equal(back.page_gpa, o.page_gpa);
	assert_int_equal(back.dest_page_gpa, o.dest_page_gpa);
	assert_int_equal(back.dest_memory_base, o.dest_memory_base);
	assert_int_equal(back.source_memory_base, 0);
	assert_int_equal(back.mode, CVM_MIGRATE_MODE_HMP);
	assert_true(back.keep_source);
	assert_int_equal(back.timeout_ms, 1234);
	/* Defaults are left out. */
	cvm_migrate_job_options_init(&o);
	g_autoptr(GVariant) empty = g_variant_ref_sink(cvm_migrate_job_options_to_variant(&o));
	assert_int_equal(g_variant_n_children(empty), 0);
}

static void
test_options_bad_keys_and_types(void **state)
{
	const char *bad[] = {"{'nope': <1>}", "{'page-gpa': <'x'>}", "{'mode': <'fast'>}", "{'timeout-ms': <uint64 5>}"};
	(void)state;
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		CvmMigrateJobOptions o;
		cvm_migrate_job_options_init(&o);
		g_autoptr(GVariant) v = g_variant_parse(G_VARIANT_TYPE_VARDICT, bad[i], NULL, NULL, NULL);
		assert_non_null(v);
		assert_false(cvm_migrate_job_options_from_variant(v, &o, &error));
		assert_true(g_error_matches(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT));
	}
}

static void
test_job_new_checks_names_uri_and_alignment(void **state)
{
	CvmMigrateJobOptions o;
	(void)state;
	cvm_migrate_job_options_init(&o);
	o.guest = "g";
	o.to = "tcp:127.0.0.1:0";
	g_autoptr(CvmMigrateJob) ok = cvm_migrate_job_new(&o, NULL);
	assert_non_null(ok);
	assert_string_equal(cvm_migrate_job_get_dest_name(ok), "g-incoming");
	CvmMigrateJobProgress p;
	cvm_migrate_job_get_progress(ok, &p);
	assert_int_equal(p.phase, CVM_MIGRATE_JOB_NEW);

	struct { const char *guest, *dest, *to, *connect; guint64 page; } bad[] = {
		{"../x", NULL, "tcp:h:1", NULL, 0}, {"g", "a b", "tcp:h:1", NULL, 0},
		{"g", "g", "tcp:h:1", NULL, 0},	    {"g", NULL, NULL, NULL, 0},
		{"g", NULL, "tcp:h:1", NULL, 0x10}, {NULL, NULL, "tcp:h:1", NULL, 0},
		{"g", NULL, "", NULL, 0},	    {"g", NULL, "nope", NULL, 0},
		{"g", NULL, "tcp:h", NULL, 0},	    {"g", NULL, "tcp:h:1", "", 0},
	};
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		o.guest = bad[i].guest;
		o.dest_name = bad[i].dest;
		o.to = bad[i].to;
		o.dest_connect = bad[i].connect;
		o.page_gpa = bad[i].page;
		assert_null(cvm_migrate_job_new(&o, &error));
		assert_true(g_error_matches(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT));
	}
	/* memory files are named for cvmd, whose working directory means nothing */
	o.guest = "g";
	o.dest_name = NULL;
	o.to = "tcp:h:1";
	o.dest_connect = NULL;
	o.page_gpa = 0;
	o.source_memory = "relative.mem";
	g_autoptr(GError) rel = NULL;
	assert_null(cvm_migrate_job_new(&o, &rel));
	assert_true(g_error_matches(rel, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT));
	o.source_memory = NULL;
	/* The same name is fine on another connection. */
	o.guest = o.dest_name = "g";
	o.to = "tcp:h:1";
	o.dest_connect = "test:///default";
	o.page_gpa = 0;
	g_autoptr(CvmMigrateJob) other = cvm_migrate_job_new(&o, NULL);
	assert_non_null(other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmp_command_carries_the_real_gpa),
		cmocka_unit_test(test_hmp_command_refuses_what_the_fork_would_mangle),
		cmocka_unit_test(test_page_line_found_last_one_wins),
		cmocka_unit_test(test_page_line_rejects_garbage),
		cmocka_unit_test(test_options_round_trip_through_variant),
		cmocka_unit_test(test_options_bad_keys_and_types),
		cmocka_unit_test(test_job_new_checks_names_uri_and_alignment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
