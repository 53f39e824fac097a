/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of the bus names: error mapping both ways, guest object paths (libcvm/bus.c). */
#include "tests/lib/testlib.h"
#include <string.h>
#include <cvm/bus.h>

static void
test_every_error_code_has_a_distinct_dbus_name(void **state)
{
	for (int a = CVM_ERROR_FAILED; a <= CVM_ERROR_VALIDATION; a++) {
		assert_true(g_str_has_prefix(cvm_bus_error_name(a), "org.cvm.Cvmd1.Error."));
		for (int b = a + 1; b <= CVM_ERROR_VALIDATION; b++)
			assert_string_not_equal(cvm_bus_error_name(a), cvm_bus_error_name(b));
	}
	assert_string_equal(cvm_bus_error_name(CVM_ERROR_PERMISSION_DENIED),
			    "org.cvm.Cvmd1.Error.PermissionDenied");
	assert_string_equal(cvm_bus_error_name((CvmError)999), "org.cvm.Cvmd1.Error.Failed");
}

static void
test_dbus_error_name_maps_back_to_cvm_error(void **state)
{
	g_autoptr(GError) e = NULL;

	cvm_bus_errors_register();
	cvm_bus_errors_register(); /* idempotent */
	e = g_dbus_error_new_for_dbus_error("org.cvm.Cvmd1.Error.MeasurementMismatch", "digest x");
	assert_true(e->domain == CVM_ERROR);
	assert_int_equal(e->code, CVM_ERROR_MEASUREMENT_MISMATCH);
	assert_true(g_dbus_error_strip_remote_error(e));
	assert_string_equal(e->message, "digest x");
}

static void
test_guest_paths_escape_names(void **state)
{
	g_autofree gchar *p = cvm_bus_guest_path("web-1.a");

	assert_true(g_variant_is_object_path(p));
	assert_true(g_str_has_prefix(p, "/org/cvm/Cvmd1/guest/"));
	assert_null(strchr(p + strlen("/org/cvm/Cvmd1/guest/"), '-'));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_error_code_has_a_distinct_dbus_name),
		cmocka_unit_test(test_dbus_error_name_maps_back_to_cvm_error),
		cmocka_unit_test(test_guest_paths_escape_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
