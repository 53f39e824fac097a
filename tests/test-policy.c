/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of host policy: digest lists, per-guest rules, ID keys, update sizes (launch/policy.c). */
#include "tests/lib/testlib.h"
#include <string.h>
#include <cvm/policy.h>

#define D48A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define D48B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static guint8 da[48], db[48], dc[48];

static int
setup(void **state)
{
	memset(da, 0xaa, sizeof da);
	memset(db, 0xbb, sizeof db);
	memset(dc, 0xcc, sizeof dc);
	return 0;
}

static CvmPolicy *
parse(const char *json)
{
	g_autoptr(GError) error = NULL;
	CvmPolicy *p = cvm_policy_new();

	cvm_policy_merge_json(p, json, strlen(json), "test", &error);
	cvmt_assert_no_error(error);
	return p;
}

static void
test_empty_policy_allows_any_digest(void **state)
{
	g_autoptr(CvmPolicy) p = cvm_policy_new();
	g_autoptr(GError) error = NULL;

	assert_true(cvm_policy_check_launch_digest(p, "web1", dc, 48, &error));
	assert_false(cvm_policy_has_launch_rules(p, "web1"));
	assert_int_equal(cvm_policy_max_update_size(p, NULL), CVM_POLICY_DEFAULT_MAX_UPDATE_SIZE);
}

static void
test_global_digest_list_refuses_unknown_digest(void **state)
{
	g_autoptr(CvmPolicy) p = parse("{\"version\":1,\"launch-digests\":[\"" D48A "\"]}");
	g_autoptr(GError) error = NULL;

	assert_true(cvm_policy_check_launch_digest(p, "web1", da, 48, &error));
	assert_false(cvm_policy_check_launch_digest(p, "web1", dc, 48, &error));
	cvmt_assert_error(error, CVM_ERROR_MEASUREMENT_MISMATCH);
	assert_non_null(strstr(error->message, "cccccccc"));
}

static void
test_guest_list_replaces_global_list(void **state)
{
	g_autoptr(CvmPolicy) p = parse("{\"launch-digests\":[\"" D48A "\"],"
				       "\"guests\":{\"web1\":{\"launch-digests\":[\"" D48B "\"]}}}");
	g_autoptr(GError) error = NULL;

	assert_true(cvm_policy_check_launch_digest(p, "web1", db, 48, NULL));
	assert_false(cvm_policy_check_launch_digest(p, "web1", da, 48, NULL));
	assert_true(cvm_policy_check_launch_digest(p, "other", da, 48, NULL));
	assert_false(cvm_policy_check_launch_digest(p, "other", db, 48, &error));
	cvmt_assert_error(error, CVM_ERROR_MEASUREMENT_MISMATCH);
}

static void
test_upper_case_hex_is_accepted(void **state)
{
	g_autofree gchar *up = g_ascii_strup(D48A, -1);
	g_autofree gchar *json = g_strdup_printf("{\"launch-digests\":[\"%s\"]}", up);
	g_autoptr(CvmPolicy) p = parse(json);

	assert_true(cvm_policy_check_launch_digest(p, NULL, da, 48, NULL));
}

static void
test_id_key_not_listed_is_denied(void **state)
{
	g_autoptr(CvmPolicy) p = parse("{\"guests\":{\"g\":{\"id-block-keys\":[\"" D48A "\"]}}}");
	g_autoptr(GError) error = NULL;

	assert_true(cvm_policy_check_id_key(p, "g", da, 48, NULL));
	assert_false(cvm_policy_check_id_key(p, "g", db, 48, &error));
	cvmt_assert_error(error, CVM_ERROR_POLICY_DENIED);
	assert_true(cvm_policy_check_id_key(p, "h", db, 48, NULL));
}

static void
test_require_without_rule_is_denied(void **state)
{
	g_autoptr(CvmPolicy) p = parse("{\"require\":true}");
	g_autoptr(GError) error = NULL;

	assert_false(cvm_policy_check_launch_digest(p, "g", da, 48, &error));
	cvmt_assert_error(error, CVM_ERROR_POLICY_DENIED);
}

static void
test_max_update_size_guest_overrides_global(void **state)
{
	g_autoptr(CvmPolicy) p = parse("{\"max-update-size\":1000,"
				       "\"guests\":{\"g\":{\"max-update-size\":10}}}");
	g_autoptr(GError) error = NULL;

	assert_int_equal(cvm_policy_max_update_size(p, "g"), 10);
	assert_int_equal(cvm_policy_max_update_size(p, "x"), 1000);
	assert_true(cvm_policy_check_update_size(p, "x", 1000, NULL));
	assert_false(cvm_policy_check_update_size(p, "x", 1001, &error));
	cvmt_assert_error(error, CVM_ERROR_POLICY_DENIED);
}

static void
assert_rejected(const char *json, const char *needle)
{
	g_autoptr(CvmPolicy) p = cvm_policy_new();
	g_autoptr(GError) error = NULL;

	assert_false(cvm_policy_merge_json(p, json, strlen(json), "f.json", &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_DATA);
	if (strstr(error->message, needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", error->message, needle);
	/* nothing half-merged */
	assert_false(cvm_policy_has_launch_rules(p, "g"));
}

static void
test_malformed_documents_are_rejected_with_path(void **state)
{
	assert_rejected("{\"launch-digests\":[\"abcd\"]}", "launch-digests[0]");
	assert_rejected("{\"launch-digests\":[\"" D48A "\"],\"bogus\":1}", "bogus");
	assert_rejected("{\"version\":2}", "version");
	assert_rejected("{\"guests\":{\"bad/name\":{}}}", "guests.bad/name");
	assert_rejected("{\"max-update-size\":-1}", "max-update-size");
	assert_rejected("{\"launch-digests\":[\"" D48A "\"]", "not valid JSON");
	assert_rejected("[1]", "(root)");
	assert_rejected("{\"guests\":{\"g\":{\"launch-digests\":[\"zz" D48A "\"]}}}", "guests.g");
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	g_autofree gchar *path = g_build_filename(dir, name, NULL);

	assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void
test_directory_files_merge_in_lexical_order(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autoptr(CvmPolicy) p = NULL;
	g_autoptr(GError) error = NULL;

	write_file(dir, "20-b.json", "{\"launch-digests\":[\"" D48B "\"],\"max-update-size\":2}");
	write_file(dir, "10-a.json", "{\"launch-digests\":[\"" D48A "\"],\"max-update-size\":1}");
	write_file(dir, "README", "not json");
	p = cvm_policy_load_dir(dir, &error);
	cvmt_assert_no_error(error);
	assert_true(cvm_policy_check_launch_digest(p, "g", da, 48, NULL));
	assert_true(cvm_policy_check_launch_digest(p, "g", db, 48, NULL));
	assert_int_equal(cvm_policy_max_update_size(p, "g"), 2);
	cvmt_rm_rf(dir);
}

static void
test_one_bad_file_fails_the_whole_load(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autoptr(CvmPolicy) p = NULL;
	g_autoptr(GError) error = NULL;

	write_file(dir, "10-a.json", "{\"launch-digests\":[\"" D48A "\"]}");
	write_file(dir, "20-b.json", "{\"launch-digests\":");
	p = cvm_policy_load_dir(dir, &error);
	assert_null(p);
	cvmt_assert_error(error, CVM_ERROR_INVALID_DATA);
	assert_non_null(strstr(error->message, "20-b.json"));
	cvmt_rm_rf(dir);
}

static void
test_missing_directory_is_empty_policy(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmPolicy) p = cvm_policy_load_dir("/nonexistent/cvm/policy.d", &error);

	cvmt_assert_no_error(error);
	assert_non_null(p);
	assert_false(cvm_policy_has_launch_rules(p, NULL));
}

static void
test_wrong_digest_length_is_invalid_argument(void **state)
{
	g_autoptr(CvmPolicy) p = cvm_policy_new();
	g_autoptr(GError) error = NULL;

	assert_false(cvm_policy_check_launch_digest(p, NULL, da, 20, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_policy_allows_any_digest),
		cmocka_unit_test(test_global_digest_list_refuses_unknown_digest),
		cmocka_unit_test(test_guest_list_replaces_global_list),
		cmocka_unit_test(test_upper_case_hex_is_accepted),
		cmocka_unit_test(test_id_key_not_listed_is_denied),
		cmocka_unit_test(test_require_without_rule_is_denied),
		cmocka_unit_test(test_max_update_size_guest_overrides_global),
		cmocka_unit_test(test_malformed_documents_are_rejected_with_path),
		cmocka_unit_test(test_directory_files_merge_in_lexical_order),
		cmocka_unit_test(test_one_bad_file_fails_the_whole_load),
		cmocka_unit_test(test_missing_directory_is_empty_policy),
		cmocka_unit_test(test_wrong_digest_length_is_invalid_argument),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
