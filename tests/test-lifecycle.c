/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of define/start/stop/lookup against libvirt's test driver (launch/lifecycle.c). */
#include "tests/lib/testlib.h"
#include <libvirt/virterror.h>
#include <cvm/error.h>
#include <cvm/client.h>
#include <cvm/launch.h>
#include <cvm/lifecycle.h>
#include <cvm/state.h>

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

/* g1 launched by cvm (the guest's UUID is @ours), then replaced behind
 * cvm's back by @stranger, another domain named g1 (UUID @theirs), running. */
typedef struct {
	virConnectPtr conn;
	virDomainPtr stranger;
	char ours[VIR_UUID_STRING_BUFLEN], theirs[VIR_UUID_STRING_BUFLEN];
} Replaced;

static int
replaced_setup(void **state)
{
	Replaced *f = g_new0(Replaced, 1);
	g_autofree gchar *xml = test_xml("g1");
	g_autoptr(GError) error = NULL;
	virDomainPtr dom;

	f->conn = open_test();
	dom = cvm_lifecycle_define_start(f->conn, "g1", xml, &error);
	cvmt_assert_no_error(error);
	assert_int_equal(virDomainGetUUIDString(dom, f->ours), 0);
	assert_int_equal(virDomainDestroy(dom), 0);
	assert_int_equal(virDomainUndefine(dom), 0);
	virDomainFree(dom);
	f->stranger = cvm_lifecycle_define_start(f->conn, "g1", xml, &error);
	cvmt_assert_no_error(error);
	assert_int_equal(virDomainGetUUIDString(f->stranger, f->theirs), 0);
	*state = f;
	return 0;
}

static int
replaced_teardown(void **state)
{
	Replaced *f = *state;

	virDomainDestroy(f->stranger);
	virDomainUndefine(f->stranger);
	virDomainFree(f->stranger);
	virConnectClose(f->conn);
	g_free(f);
	return 0;
}

static void
test_replaced_domain_is_not_found_by_the_guest_uuid(void **state)
{
	Replaced *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmGuestRecord) rec = cvm_guest_record_new("g1");

	assert_null(cvm_lifecycle_lookup(f->conn, "g1", f->ours, &error));
	cvmt_assert_error(error, CVM_ERROR_STATE);
	assert_non_null(strstr(error->message, f->ours));
	assert_non_null(strstr(error->message, f->theirs));
	g_clear_error(&error);
	/* no UUID recorded: never by name */
	assert_null(cvm_lifecycle_lookup(f->conn, "g1", NULL, &error));
	cvmt_assert_error(error, CVM_ERROR_NOT_FOUND);
	cvm_guest_record_set(&rec->uuid, f->ours);
	assert_string_equal(cvm_lifecycle_guest_state(f->conn, "g1", rec, NULL), "replaced");
	assert_int_equal(virDomainIsActive(f->stranger), 1);
}

/* cvmctl without cvmd: stop --force (destroy) and forget of the guest leave
 * the stranger running; the error names both UUIDs. */
static void
test_in_process_actions_leave_a_replacing_domain_alone(void **state)
{
	Replaced *f = *state;
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autoptr(CvmState) st = cvm_state_open(dir, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmGuestRecord) rec = cvm_guest_record_new("g1");

	cvm_guest_record_set(&rec->uuid, f->ours);
	cvm_guest_record_set(&rec->state, "running");
	assert_true(cvm_guest_record_save(st, rec, NULL));
	for (const char *const *a = (const char *const[]){ "destroy", "stop", "start", NULL }; *a; a++) {
		assert_false(cvm_local_guest_action(dir, "test:///default", "g1", *a, &error));
		cvmt_assert_error(error, CVM_ERROR_STATE);
		assert_non_null(strstr(error->message, f->theirs));
		g_clear_error(&error);
		assert_int_equal(virDomainIsActive(f->stranger), 1);
	}
	assert_true(cvm_local_guest_action(dir, "test:///default", "g1", "forget", &error));
	cvmt_assert_no_error(error);
	assert_int_equal(virDomainIsActive(f->stranger), 1);
	assert_int_equal(virDomainIsPersistent(f->stranger), 1);
	cvmt_rm_rf(dir);
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
		cmocka_unit_test_setup_teardown(test_replaced_domain_is_not_found_by_the_guest_uuid, replaced_setup,
						replaced_teardown),
		cmocka_unit_test_setup_teardown(test_in_process_actions_leave_a_replacing_domain_alone, replaced_setup,
						replaced_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
