/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tests/lib/testlib.h"
#include <libvirt/virterror.h>
#include <cvm/error.h>
#include <cvm/lifecycle.h>

static void
quiet(void *data, virErrorPtr err)
{
}

static gchar *
test_xml(const char *name)
{
	return g_strdup_printf("<domain type='test'><name>%s</name><memory>65536</memory>"
			       "<os><type>hvm</type></os></domain>", name);
}

static virConnectPtr
open_test(void)
{
	virConnectPtr conn = virConnectOpen("test:///default");

	assert_non_null(conn);
	virConnSetErrorFunc(conn, NULL, quiet);
	return conn;
}

static void
test_define_start_runs_the_domain(void **state)
{
	virConnectPtr conn = open_test();
	g_autofree gchar *xml = test_xml("g1");
	g_autoptr(GError) error = NULL;
	virDomainPtr dom = cvm_lifecycle_define_start(conn, "g1", xml, &error);

	cvmt_assert_no_error(error);
	assert_non_null(dom);
	assert_int_equal(virDomainIsActive(dom), 1);
	assert_int_equal(virDomainIsPersistent(dom), 1);
	virDomainFree(dom);
	virConnectClose(conn);
}

static void
test_name_in_use_is_refused_and_leaves_the_other_alone(void **state)
{
	virConnectPtr conn = open_test();
	g_autofree gchar *xml = test_xml("test");
	g_autoptr(GError) error = NULL;
	virDomainPtr dom;

	assert_null(cvm_lifecycle_define_start(conn, "test", xml, &error));
	cvmt_assert_error(error, CVM_ERROR_EXISTS);
	dom = virDomainLookupByName(conn, "test");
	assert_non_null(dom);
	assert_int_equal(virDomainIsActive(dom), 1);
	virDomainFree(dom);
	virConnectClose(conn);
}

static void
test_invalid_xml_defines_nothing(void **state)
{
	virConnectPtr conn = open_test();
	g_autoptr(GError) error = NULL;
	int before = virConnectNumOfDefinedDomains(conn) + virConnectNumOfDomains(conn);

	assert_null(cvm_lifecycle_define_start(conn, "bad", "<domain type='test'><name>bad</name></domain", &error));
	cvmt_assert_error(error, CVM_ERROR_LIBVIRT);
	assert_int_equal(virConnectNumOfDefinedDomains(conn) + virConnectNumOfDomains(conn), before);
	virConnectClose(conn);
}

static void
test_stop_shuts_down_a_running_domain(void **state)
{
	virConnectPtr conn = open_test();
	g_autoptr(GError) error = NULL;
	virDomainPtr dom;

	assert_true(cvm_lifecycle_stop(conn, "test", 2000, &error));
	cvmt_assert_no_error(error);
	dom = virDomainLookupByName(conn, "test");
	assert_int_equal(virDomainIsActive(dom), 0);
	virDomainFree(dom);
	virConnectClose(conn);
}

static void
test_forced_stop_destroys_and_repeats_fine(void **state)
{
	virConnectPtr conn = open_test();
	g_autoptr(GError) error = NULL;

	assert_true(cvm_lifecycle_stop(conn, "test", 0, &error));
	assert_true(cvm_lifecycle_stop(conn, "test", 0, &error));
	cvmt_assert_no_error(error);
	virConnectClose(conn);
}

static void
test_stop_of_unknown_domain_is_not_found(void **state)
{
	virConnectPtr conn = open_test();
	g_autoptr(GError) error = NULL;

	assert_false(cvm_lifecycle_stop(conn, "nope", 100, &error));
	cvmt_assert_error(error, CVM_ERROR_NOT_FOUND);
	virConnectClose(conn);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_define_start_runs_the_domain),
		cmocka_unit_test(test_name_in_use_is_refused_and_leaves_the_other_alone),
		cmocka_unit_test(test_invalid_xml_defines_nothing),
		cmocka_unit_test(test_stop_shuts_down_a_running_domain),
		cmocka_unit_test(test_forced_stop_destroys_and_repeats_fine),
		cmocka_unit_test(test_stop_of_unknown_domain_is_not_found),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
