/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvm_data_dir(): CVM_DATA_DIR first, then cvm-data beside the program, then DATADIR/cvm. */
#include <cvm/data.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void
test_data_dir_env_wins(void **state)
{
	g_setenv("CVM_DATA_DIR", "/some/where", TRUE);
	g_autofree gchar *dir = cvm_data_dir();
	g_unsetenv("CVM_DATA_DIR");
	assert_string_equal(dir, "/some/where");
}

static void
test_data_dir_empty_env_is_ignored(void **state)
{
	g_setenv("CVM_DATA_DIR", "", TRUE);
	g_autofree gchar *dir = cvm_data_dir();
	g_unsetenv("CVM_DATA_DIR");
	/* This program lives in BUILDDIR/tests, where make puts no cvm-data link. */
	assert_string_equal(dir, CVM_DATADIR);
}

static void
test_data_dir_installed_folder_without_build_tree(void **state)
{
	g_unsetenv("CVM_DATA_DIR");
	g_autofree gchar *dir = cvm_data_dir();
	assert_string_equal(dir, CVM_DATADIR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_dir_env_wins),
		cmocka_unit_test(test_data_dir_empty_env_is_ignored),
		cmocka_unit_test(test_data_dir_installed_folder_without_build_tree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
