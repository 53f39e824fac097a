/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of the state folder: names, atomic writes, reads and removal (libcvm/state.c). */
#include "tests/lib/testlib.h"
#include <string.h>
#include <cvm/state.h>

static json_object *
record(const char *uuid)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "uuid", json_object_new_string(uuid));
	return o;
}

static void
test_names_follow_the_allowed_pattern(void **state)
{
	assert_true(cvm_name_is_valid("web-1.prod_a"));
	assert_true(cvm_name_is_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	assert_false(cvm_name_is_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	assert_false(cvm_name_is_valid(""));
	assert_false(cvm_name_is_valid(".."));
	assert_false(cvm_name_is_valid("a/b"));
	assert_false(cvm_name_is_valid("a b"));
	assert_false(cvm_name_is_valid(NULL));
}

static void
test_write_then_read_returns_record(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autoptr(CvmState) st = cvm_state_open(dir, NULL);
	g_autoptr(GError) error = NULL;
	json_object *r = record("u1"), *back;

	assert_true(cvm_state_write(st, "guests", "web1", r, &error));
	cvmt_assert_no_error(error);
	json_object_put(r);
	r = record("u2");
	assert_true(cvm_state_write(st, "guests", "web1", r, &error));
	json_object_put(r);
	back = cvm_state_read(st, "guests", "web1", &error);
	cvmt_assert_no_error(error);
	assert_string_equal(json_object_get_string(json_object_object_get(back, "uuid")), "u2");
	json_object_put(back);
	cvmt_rm_rf(dir);
}

static void
test_write_leaves_no_temporary_files(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autoptr(CvmState) st = cvm_state_open(dir, NULL);
	g_autofree gchar *kdir = g_build_filename(dir, "guests", NULL);
	json_object *r = record("u");
	GDir *d;
	int n = 0;

	assert_true(cvm_state_write(st, "guests", "a", r, NULL));
	assert_true(cvm_state_write(st, "guests", "a", r, NULL));
	json_object_put(r);
	d = g_dir_open(kdir, 0, NULL);
	assert_non_null(d);
	while (g_dir_read_name(d) != NULL)
		n++;
	g_dir_close(d);
	assert_int_equal(n, 1);
	cvmt_rm_rf(dir);
}

static void
test_missing_record_is_not_found(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autoptr(CvmState) st = cvm_state_open(dir, NULL);
	g_autoptr(GError) error = NULL;

	assert_null(cvm_state_read(st, "guests", "nope", &error));
	cvmt_assert_error(error, CVM_ERROR_NOT_FOUND);
	assert_true(cvm_state_remove(st, "guests", "nope", NULL));
	cvmt_rm_rf(dir);
}

static void
test_corrupt_record_is_set_aside_and_others_load(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autoptr(CvmState) st = cvm_state_open(dir, NULL);
	g_autofree gchar *bad = g_build_filename(dir, "guests", "bad.json", NULL);
	g_autoptr(GPtrArray) problems = NULL;
	g_autoptr(GHashTable) all = NULL;
	g_autoptr(GError) error = NULL;
	json_object *r = record("good");

	assert_true(cvm_state_write(st, "guests", "good", r, NULL));
	json_object_put(r);
	assert_true(g_file_set_contents(bad, "{\"uuid\": \"tor", -1, NULL));
	all = cvm_state_load_all(st, "guests", &problems, &error);
	cvmt_assert_no_error(error);
	assert_int_equal(g_hash_table_size(all), 1);
	assert_non_null(g_hash_table_lookup(all, "good"));
	assert_int_equal(problems->len, 1);
	assert_non_null(strstr(problems->pdata[0], "set aside as"));
	assert_false(g_file_test(bad, G_FILE_TEST_EXISTS));
	/* a second load no longer sees it */
	g_clear_pointer(&all, g_hash_table_unref);
	g_clear_pointer(&problems, g_ptr_array_unref);
	all = cvm_state_load_all(st, "guests", &problems, NULL);
	assert_int_equal(problems->len, 0);
	assert_int_equal(g_hash_table_size(all), 1);
	cvmt_rm_rf(dir);
}

static void
test_load_removes_stale_temporary_files(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autoptr(CvmState) st = cvm_state_open(dir, NULL);
	g_autofree gchar *tmp = g_build_filename(dir, "guests", "a.json.tmp-Ab12Cd", NULL);
	g_autoptr(GHashTable) all = NULL;
	g_autoptr(GPtrArray) problems = NULL;
	json_object *r = record("u");

	assert_true(cvm_state_write(st, "guests", "a", r, NULL));
	json_object_put(r);
	assert_true(g_file_set_contents(tmp, "{\"uuid\": \"half-writ", -1, NULL));
	all = cvm_state_load_all(st, "guests", &problems, NULL);
	assert_int_equal(g_hash_table_size(all), 1);
	assert_int_equal(problems->len, 0);
	assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
	cvmt_rm_rf(dir);
}

static void
test_non_object_record_is_corrupt(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autoptr(CvmState) st = cvm_state_open(dir, NULL);
	g_autofree gchar *kdir = g_build_filename(dir, "guests", NULL);
	g_autofree gchar *bad = g_build_filename(kdir, "x.json", NULL);
	g_autoptr(GError) error = NULL;

	g_mkdir_with_parents(kdir, 0700);
	assert_true(g_file_set_contents(bad, "[1,2]", -1, NULL));
	assert_null(cvm_state_read(st, "guests", "x", &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_DATA);
	assert_false(g_file_test(bad, G_FILE_TEST_EXISTS));
	cvmt_rm_rf(dir);
}

static void
test_remove_deletes_record(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autoptr(CvmState) st = cvm_state_open(dir, NULL);
	json_object *r = record("u");
	g_autoptr(GError) error = NULL;

	assert_true(cvm_state_write(st, "guests", "a", r, NULL));
	json_object_put(r);
	assert_true(cvm_state_remove(st, "guests", "a", &error));
	assert_null(cvm_state_read(st, "guests", "a", &error));
	cvmt_assert_error(error, CVM_ERROR_NOT_FOUND);
	cvmt_rm_rf(dir);
}

static void
test_invalid_names_are_refused(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autoptr(CvmState) st = cvm_state_open(dir, NULL);
	json_object *r = record("u");
	g_autoptr(GError) error = NULL;

	assert_false(cvm_state_write(st, "guests", "../escape", r, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	json_object_put(r);
	cvmt_rm_rf(dir);
}

static void
test_default_dir_honours_override(void **state)
{
	g_autofree gchar *sys = NULL, *ovr = NULL;

	g_unsetenv("CVM_STATE_DIR");
	sys = cvm_state_default_dir(TRUE);
	assert_string_equal(sys, "/var/lib/cvm");
	g_setenv("CVM_STATE_DIR", "/tmp/x", TRUE);
	ovr = cvm_state_default_dir(FALSE);
	assert_string_equal(ovr, "/tmp/x");
	g_unsetenv("CVM_STATE_DIR");
}

static void
test_relative_dir_is_refused(void **state)
{
	g_autoptr(GError) error = NULL;

	assert_null(cvm_state_open("relative/dir", &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
}

/* What the writer stores, the reader takes back: one limit for both. */
static void
test_record_over_the_read_limit_is_not_written(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autoptr(CvmState) st = cvm_state_open(dir, NULL);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *big = g_strnfill(CVM_STATE_RECORD_MAX, 'x');
	json_object *r = record("u1"), *back;

	assert_true(cvm_state_write(st, "guests", "g", r, NULL));
	json_object_object_add(r, "command-line", json_object_new_string(big));
	assert_false(cvm_state_write(st, "guests", "g", r, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	json_object_put(r);
	back = cvm_state_read(st, "guests", "g", &error);
	assert_non_null(back); /* the old record stays */
	json_object_put(back);
	cvmt_rm_rf(dir);
}

static void
test_guest_record_with_wrong_types_is_set_aside(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autoptr(CvmState) st = cvm_state_open(dir, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) problems = NULL, aside = NULL;
	g_autoptr(GHashTable) all = NULL;
	json_object *ok = record("u1"), *bad = json_object_new_object();

	json_object_object_add(bad, "uuid", json_object_new_int(7));
	assert_false(cvm_guest_record_check(bad, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_DATA);
	assert_non_null(strstr(error->message, "\"uuid\" is int, not string"));
	g_clear_error(&error);
	assert_true(cvm_state_write(st, "guests", "bad", bad, NULL));
	assert_true(cvm_state_write(st, "guests", "ok", ok, NULL));
	/* other kinds keep their own shapes */
	assert_true(cvm_state_write(st, "attest", "bad", bad, NULL));
	all = cvm_state_load_all_full(st, "guests", &problems, &aside, &error);
	cvmt_assert_no_error(error);
	assert_int_equal(g_hash_table_size(all), 1);
	assert_true(g_hash_table_contains(all, "ok"));
	assert_int_equal(aside->len, 1);
	assert_string_equal(aside->pdata[0], "bad");
	assert_int_equal(problems->len, 1);
	assert_non_null(strstr(problems->pdata[0], "set aside"));
	assert_null(cvm_state_read(st, "guests", "bad", &error));
	cvmt_assert_error(error, CVM_ERROR_NOT_FOUND); /* it was renamed */
	g_clear_error(&error);
	json_object_put(cvm_state_read(st, "attest", "bad", &error));
	cvmt_assert_no_error(error);
	json_object_put(ok);
	json_object_put(bad);
	cvmt_rm_rf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_follow_the_allowed_pattern),
		cmocka_unit_test(test_write_then_read_returns_record),
		cmocka_unit_test(test_write_leaves_no_temporary_files),
		cmocka_unit_test(test_missing_record_is_not_found),
		cmocka_unit_test(test_corrupt_record_is_set_aside_and_others_load),
		cmocka_unit_test(test_load_removes_stale_temporary_files),
		cmocka_unit_test(test_non_object_record_is_corrupt),
		cmocka_unit_test(test_remove_deletes_record),
		cmocka_unit_test(test_invalid_names_are_refused),
		cmocka_unit_test(test_default_dir_honours_override),
		cmocka_unit_test(test_relative_dir_is_refused),
		cmocka_unit_test(test_record_over_the_read_limit_is_not_written),
		cmocka_unit_test(test_guest_record_with_wrong_types_is_set_aside),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
