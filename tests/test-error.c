/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of the CVM_ERROR code names (libcvm/error.c). */
#include "tests/lib/testlib.h"
#include <cvm/error.h>

static void
test_error_names_are_stable(void **state)
{
	assert_string_equal(cvm_error_to_string(CVM_ERROR_INVALID_DATA), "invalid-data");
	assert_string_equal(cvm_error_to_string(CVM_ERROR_VALIDATION), "validation");
	assert_string_equal(cvm_error_to_string((CvmError)9999), "unknown");
	assert_true(CVM_ERROR != 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_names_are_stable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
