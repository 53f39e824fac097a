/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvm_launch_guest() and cvm_launch_forget() against libvirt's test driver:
 * records, files and domains appear together and vanish together. */
#include "tests/lib/testlib.h"

#include <cvm/error.h>
#include <cvm/host.h>
#include <cvm/launch.h>
#include <cvm/state.h>
#include <json-c/json.h>
#include <glib/gstdio.h>
#include <string.h>

typedef struct {
	gchar *dir;
	gchar *igvm;
	CvmState *state;
	virConnectPtr conn;
} Fixture;

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *manifest = cvmt_src_path("examples/hello/manifest.json");
	g_autofree gchar *cvmctl = g_build_filename(g_getenv("BUILDDIR") ? g_getenv("BUILDDIR") : "build", "cvmctl",
						    NULL);
	g_autofree gchar *state_dir = NULL;

	f->dir = cvmt_mkdtemp();
	f->igvm = g_build_filename(f->dir, "hello.igvm", NULL);
	const char *argv[] = {cvmctl, "igvm", "build", manifest, "-o", f->igvm, NULL};
	gint status = -1;
	assert_true(g_spawn_sync(NULL, (gchar **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
				 &status, &error));
	assert_int_equal(status, 0);
	state_dir = g_build_filename(f->dir, "state", NULL);
	f->state = cvm_state_open(state_dir, &error);
	cvmt_assert_no_error(error);
	f->conn = cvm_libvirt_open("test:///default", &error);
	cvmt_assert_no_error(error);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;
	cvm_launch_forget(f->conn, f->state, "g1", NULL);
	cvm_libvirt_close(f->conn);
	cvm_state_free(f->state);
	cvmt_rm_rf(f->dir);
	g_free(f->dir);
	g_free(f->igvm);
	g_free(f);
	return 0;
}

static gboolean
domain_exists(Fixture *f, const char *name)
{
	virDomainPtr dom = virDomainLookupByName(f->conn, name);
	if (dom != NULL)
		virDomainFree(dom);
	return dom != NULL;
}

static gchar *
guest_file(Fixture *f, const char *name, const char *rel)
{
	g_autofree gchar *dir = cvm_launch_guest_dir(cvm_state_get_dir(f->state), name);
	return g_build_filename(dir, rel, NULL);
}

static void
test_launch_records_the_guest_and_writes_its_firmware(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	CvmGuestSpec spec = {.name = "g1", .igvm_path = f->igvm, .memory_bytes = 128 << 20};
	virDomainPtr dom = cvm_launch_guest(f->conn, f->state, &spec, NULL, &error);
	cvmt_assert_no_error(error);
	assert_non_null(dom);
	assert_int_equal(virDomainIsActive(dom), 1);
	virDomainFree(dom);

	g_autoptr(CvmGuestRecord) rec = cvm_guest_record_load(f->state, "g1", &error);
	cvmt_assert_no_error(error);
	assert_non_null(rec);
	assert_string_equal(rec->state, "running");
	assert_string_equal(rec->platform, "native");
	assert_int_equal(strlen(rec->uuid), 36);
	assert_int_equal(strlen(rec->image.igvm_sha256), 64);
	g_autofree gchar *rom = guest_file(f, "g1", "firmware/bios.rom");
	assert_true(g_file_test(rom, G_FILE_TEST_IS_REGULAR));

	/* The domain's metadata says the same. */
	char *xml = virDomainGetXMLDesc(virDomainLookupByName(f->conn, "g1"), 0);
	CvmLaunchMetadata md = {0};
	assert_true(cvm_launch_metadata_from_domain_xml(xml, &md, &error));
	assert_string_equal(md.igvm_path, f->igvm);
	assert_string_equal(md.platform, "native");
	cvm_launch_metadata_clear(&md);
	free(xml);
}

static void
test_name_in_use_is_refused_and_changes_nothing(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	CvmGuestSpec spec = {.name = "g1", .igvm_path = f->igvm};
	virDomainPtr dom = cvm_launch_guest(f->conn, f->state, &spec, NULL, &error);
	cvmt_assert_no_error(error);
	virDomainFree(dom);

	assert_null(cvm_launch_guest(f->conn, f->state, &spec, NULL, &error));
	cvmt_assert_error(error, CVM_ERROR_EXISTS);
	g_clear_error(&error);
	/* "test" is the test driver's own domain: taken in libvirt, unknown to cvm. */
	spec.name = "test";
	assert_null(cvm_launch_guest(f->conn, f->state, &spec, NULL, &error));
	cvmt_assert_error(error, CVM_ERROR_EXISTS);
	json_object *rec = cvm_state_read(f->state, "guests", "test", NULL);
	assert_null(rec);
	g_autofree gchar *dir = guest_file(f, "test", "");
	assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
}

static void
test_failure_after_the_record_leaves_nothing_behind(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *blocker = g_build_filename(cvm_state_get_dir(f->state), "guests.d", NULL);
	CvmGuestSpec spec = {.name = "g2", .igvm_path = f->igvm};

	/* The guest directory cannot be made: the step after the record fails. */
	assert_true(g_file_set_contents(blocker, "", 0, NULL));
	assert_null(cvm_launch_guest(f->conn, f->state, &spec, NULL, &error));
	cvmt_assert_error(error, CVM_ERROR_IO);
	assert_false(domain_exists(f, "g2"));
	assert_null(cvm_state_read(f->state, "guests", "g2", NULL));
	g_unlink(blocker);
}

static void
test_invalid_igvm_fails_before_libvirt_is_touched(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *junk = g_build_filename(f->dir, "junk.igvm", NULL);
	int before = virConnectNumOfDefinedDomains(f->conn) + virConnectNumOfDomains(f->conn);
	CvmGuestSpec spec = {.name = "g3", .igvm_path = junk};

	assert_true(g_file_set_contents(junk, "IGVM", 4, NULL));
	assert_null(cvm_launch_guest(f->conn, f->state, &spec, NULL, &error));
	cvmt_assert_error(error, CVM_ERROR_VALIDATION);
	assert_int_equal(virConnectNumOfDefinedDomains(f->conn) + virConnectNumOfDomains(f->conn), before);
	assert_null(cvm_state_read(f->state, "guests", "g3", NULL));
}

static void
test_forget_removes_domain_record_and_files(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	CvmGuestSpec spec = {.name = "g1", .igvm_path = f->igvm};
	virDomainPtr dom = cvm_launch_guest(f->conn, f->state, &spec, NULL, &error);
	cvmt_assert_no_error(error);
	virDomainFree(dom);

	assert_true(cvm_launch_forget(f->conn, f->state, "g1", &error));
	cvmt_assert_no_error(error);
	assert_false(domain_exists(f, "g1"));
	assert_null(cvm_state_read(f->state, "guests", "g1", NULL));
	g_autofree gchar *dir = guest_file(f, "g1", "");
	assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
	/* Forgetting again is not an error. */
	assert_true(cvm_launch_forget(f->conn, f->state, "g1", &error));
}

/* The host facts a caller already has (cvmd's, probed at its start) are
 * what the launch plans for: no second probe decides otherwise. */
static void
test_launch_on_a_known_host_plans_for_that_host(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	CvmHostInfo host;
	assert_true(cvm_host_probe(f->conn, &host, &error));
	host.qemu_igvm = !host.qemu_igvm; /* what a fresh probe would not say */
	const char *want = host.qemu_igvm ? "igvm-cfg" : "native-translate";
	CvmGuestSpec spec = {.name = "g1", .igvm_path = f->igvm, .memory_bytes = 128 << 20};
	virDomainPtr dom = cvm_launch_guest_on_host(f->conn, f->state, &spec, &host, NULL, &error);
	cvmt_assert_no_error(error);
	assert_non_null(dom);
	virDomainFree(dom);

	json_object *rec = cvm_state_read(f->state, "guests", "g1", &error), *v;
	cvmt_assert_no_error(error);
	assert_true(json_object_object_get_ex(rec, "strategy", &v));
	assert_string_equal(json_object_get_string(v), want);
	json_object_put(rec);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_launch_records_the_guest_and_writes_its_firmware, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_in_use_is_refused_and_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_launch_on_a_known_host_plans_for_that_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_after_the_record_leaves_nothing_behind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_igvm_fails_before_libvirt_is_touched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forget_removes_domain_record_and_files, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
