/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of the one platform vocabulary: names (libcvm/platform.c), IGVM wire
 * numbers (igvm/platform-wire.c) and who refuses what (measure, launch). */
#include "tests/lib/testlib.h"
#include <cvm/error.h>
#include <cvm/igvm.h>
#include <cvm/launch.h>
#include <cvm/measure.h>
#include <cvm/platform.h>
#include <string.h>

/* The names users see on the command line, in JSON and on D-Bus. */
static void
test_names_are_stable(void **state)
{
	static const struct {
		CvmPlatform p;
		const char *name;
	} want[] = {
		{ CVM_PLATFORM_AUTO, "auto" }, { CVM_PLATFORM_SEV_SNP, "sev-snp" }, { CVM_PLATFORM_SEV_ES, "sev-es" },
		{ CVM_PLATFORM_SEV, "sev" },   { CVM_PLATFORM_TDX, "tdx" },	    { CVM_PLATFORM_NATIVE, "native" },
		{ CVM_PLATFORM_VSM, "vsm" },   { CVM_PLATFORM_CCA, "cca" },
	};
	(void)state;
	assert_int_equal(G_N_ELEMENTS(want), CVM_PLATFORM_COUNT);
	for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
		CvmPlatform got = (CvmPlatform)99;
		assert_string_equal(cvm_platform_to_string(want[i].p), want[i].name);
		assert_true(cvm_platform_from_string(want[i].name, &got, NULL));
		assert_int_equal(got, want[i].p);
	}
	assert_string_equal(cvm_platform_to_string((CvmPlatform)99), "unknown");
	/* A zero-initialised launch request asks for auto. */
	assert_int_equal(CVM_PLATFORM_AUTO, 0);
}

static void
test_alias_and_case(void **state)
{
	CvmPlatform p = CVM_PLATFORM_AUTO;

	(void)state;
	assert_true(cvm_platform_from_string("snp", &p, NULL));
	assert_int_equal(p, CVM_PLATFORM_SEV_SNP);
	assert_true(cvm_platform_from_string("SEV-ES", &p, NULL));
	assert_int_equal(p, CVM_PLATFORM_SEV_ES);
}

static void
test_unknown_name_lists_the_names(void **state)
{
	g_autoptr(GError) error = NULL;
	CvmPlatform p;

	(void)state;
	assert_false(cvm_platform_from_string("sev-xyz", &p, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	assert_string_equal(error->message, "unknown platform 'sev-xyz' (expected sev-snp, sev-es, sev, tdx, native, "
					    "vsm, cca or auto)");
	g_clear_error(&error);
	assert_false(cvm_platform_from_string(NULL, &p, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
}

/* The IGVM numbers are the format's (igvm_defs IgvmPlatformType). */
static void
test_wire_numbers(void **state)
{
	static const struct {
		CvmPlatform p;
		guint8 wire;
	} want[] = {
		{ CVM_PLATFORM_NATIVE, 0 }, { CVM_PLATFORM_VSM, 1 }, { CVM_PLATFORM_SEV_SNP, 2 }, { CVM_PLATFORM_TDX, 3 },
		{ CVM_PLATFORM_SEV, 4 },    { CVM_PLATFORM_SEV_ES, 5 }, { CVM_PLATFORM_CCA, 6 },
	};
	CvmPlatform p;

	(void)state;
	for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
		assert_int_equal(cvm_igvm_platform_to_wire(want[i].p), want[i].wire);
		assert_true(cvm_igvm_platform_from_wire(want[i].wire, &p));
		assert_int_equal(p, want[i].p);
	}
	assert_int_equal(cvm_igvm_platform_to_wire(CVM_PLATFORM_AUTO), CVM_IGVM_PLATFORM_WIRE_NONE);
	assert_int_equal(cvm_igvm_platform_to_wire((CvmPlatform)99), CVM_IGVM_PLATFORM_WIRE_NONE);
	assert_false(cvm_igvm_platform_from_wire(7, &p));
	assert_false(cvm_igvm_platform_from_wire(CVM_IGVM_PLATFORM_WIRE_NONE, &p));
}

/* Auto is a request: what needs a concrete platform refuses it, naming what
 * it takes. */
static void
test_who_refuses_what(void **state)
{
	g_autoptr(GError) error = NULL;
	const CvmPlatform *l = cvm_launch_platforms();

	(void)state;
	for (CvmPlatform p = 0; p < CVM_PLATFORM_COUNT; p++)
		assert_int_equal(cvm_measure_platform_check(p, NULL), p >= CVM_PLATFORM_SEV_SNP && p <= CVM_PLATFORM_TDX);
	assert_false(cvm_measure_platform_check(CVM_PLATFORM_AUTO, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(error->message, "auto"));
	g_clear_error(&error);

	/* cvmctl host and HostInfo list the launchable platforms in this order. */
	assert_int_equal(l[0], CVM_PLATFORM_NATIVE);
	assert_int_equal(l[1], CVM_PLATFORM_SEV);
	assert_int_equal(l[2], CVM_PLATFORM_SEV_ES);
	assert_int_equal(l[3], CVM_PLATFORM_SEV_SNP);
	assert_int_equal(l[4], CVM_PLATFORM_TDX);
	assert_int_equal(l[5], CVM_PLATFORM_AUTO);
	assert_true(cvm_launch_platform_check(CVM_PLATFORM_AUTO, NULL));
	assert_false(cvm_launch_platform_check(CVM_PLATFORM_CCA, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	assert_string_equal(error->message, "a guest cannot be launched as cca (native, sev, sev-es, sev-snp, tdx, auto)");
}

/* A builder refuses a platform no file can declare. */
static void
test_builder_refuses_auto(void **state)
{
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);
	g_autoptr(GError) error = NULL;

	(void)state;
	assert_int_equal(cvm_igvm_builder_add_platform(b, CVM_PLATFORM_AUTO, 0, 0, 0, &error), 0);
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	assert_int_equal(cvm_igvm_builder_get_platform_mask(b, CVM_PLATFORM_AUTO), 0);
	assert_int_not_equal(cvm_igvm_builder_add_platform(b, CVM_PLATFORM_TDX, 0, 0, 0, NULL), 0);
	assert_int_not_equal(cvm_igvm_builder_get_platform_mask(b, CVM_PLATFORM_TDX), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_are_stable),
		cmocka_unit_test(test_alias_and_case),
		cmocka_unit_test(test_unknown_name_lists_the_names),
		cmocka_unit_test(test_wire_numbers),
		cmocka_unit_test(test_who_refuses_what),
		cmocka_unit_test(test_builder_refuses_auto),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
