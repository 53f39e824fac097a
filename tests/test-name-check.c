/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One name rule, one message: the state folder, a guest record, a launch
 * plan, forget, a migration job and a host policy refuse a bad guest name
 * with cvm_name_check()'s words. */
#include "tests/lib/testlib.h"

#include <cvm/error.h>
#include <cvm/launch.h>
#include <cvm/guest-record.h>
#include <cvm/migrate-job.h>
#include <cvm/policy.h>
#include <cvm/state.h>
#include <string.h>

#define RULE "a name is 1 to 64 of [A-Za-z0-9_.-], not \".\" or \"..\""

static void
test_name_check_says_the_rule_once(void **state)
{
	g_autoptr(GError) error = NULL;

	assert_true(cvm_name_check("guest name", "web-1.prod_a", &error));
	cvmt_assert_no_error(error);
	assert_false(cvm_name_check("guest name", "..", &error));
	assert_true(g_error_matches(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT));
	assert_string_equal(error->message, "invalid guest name \"..\": " RULE);
	g_clear_error(&error);
	assert_false(cvm_name_check("network name", NULL, &error));
	assert_string_equal(error->message, "invalid network name \"\": " RULE);
}

static void
test_every_entry_point_gives_the_same_message(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autofree gchar *guest_dir = g_build_filename(dir, "guests", NULL);
	CvmState *st = cvm_state_open(dir, &error);
	cvmt_assert_no_error(error);
	json_object *rec = json_object_new_object();
	const char *want = "invalid guest name \"a/b\": " RULE;

	assert_false(cvm_state_write(st, "guests", "a/b", rec, &error));
	assert_string_equal(error->message, "invalid state record name \"a/b\": " RULE);
	g_clear_error(&error);

	CvmGuestSpec spec = {.name = "a/b", .igvm_path = "/nonexistent.igvm"};
	CvmHostInfo host = {0};
	assert_null(cvm_launch_plan_new(&spec, &host, guest_dir, &error));
	assert_string_equal(error->message, want);
	g_clear_error(&error);

	assert_false(cvm_launch_forget(NULL, st, "a/b", &error));
	assert_string_equal(error->message, want);
	g_clear_error(&error);

	CvmMigrateJobOptions opts;
	cvm_migrate_job_options_init(&opts);
	opts.guest = "a/b";
	opts.to = "unix:/nonexistent";
	assert_null(cvm_migrate_job_new(&opts, &error));
	g_autofree gchar *migration = g_strconcat("migration: ", want, NULL);
	assert_string_equal(error->message, migration);
	g_clear_error(&error);

	/* The rule in the message, not "invalid record kind". */
	assert_null(cvm_state_load_all_full(st, "a/b", NULL, NULL, &error));
	assert_string_equal(error->message, "invalid state record kind \"a/b\": " RULE);
	g_clear_error(&error);

	/* Not "guest record without a valid name". */
	CvmGuestRecord grec = {.name = (gchar *)"a/b"};
	assert_false(cvm_guest_record_save(st, &grec, &error));
	assert_string_equal(error->message, want);
	g_clear_error(&error);

	json_object_put(rec);
	cvm_state_free(st);
	cvmt_rm_rf(dir);
}

/* A policy's guests.<name> says the rule, not only "invalid guest name". */
static void
test_policy_gives_the_same_message(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autofree gchar *file = g_build_filename(dir, "p.json", NULL);

	assert_true(g_file_set_contents(file, "{\"guests\": {\"a/b\": {}}}", -1, NULL));
	assert_null(cvm_policy_load_dir(dir, &error));
	assert_non_null(error);
	assert_non_null(strstr(error->message, "guests.a/b: invalid guest name \"a/b\": " RULE));
	cvmt_rm_rf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_check_says_the_rule_once),
		cmocka_unit_test(test_every_entry_point_gives_the_same_message),
		cmocka_unit_test(test_policy_gives_the_same_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
