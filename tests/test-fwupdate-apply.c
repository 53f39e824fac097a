/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Guest requests carried out against libvirt's test driver: the four
 * DISABLE x HOST_IGVM behaviours as vm-launch-update defines them, and a
 * refused request leaving the guest as it was. */
#include "tests/lib/testlib.h"

#include <cvm/error.h>
#include <cvm/fwupdate.h>
#include <cvm/igvm-builder.h>
#include <json-c/json.h>
#include <string.h>

#define FOUR_GIB G_GUINT64_CONSTANT(0x100000000)
#define IMAGE_GPA 0x10000u

typedef struct {
	gchar *dir;
	CvmState *state;
	virConnectPtr conn;
	CvmGuestMemory *mem;
	GBytes *b;
	gchar *sha_a, *sha_b;
} Fixture;

static GBytes *
image(guint8 fill)
{
	g_autoptr(CvmIgvmBuilder) bld = cvm_igvm_builder_new(1);
	g_autoptr(GError) error = NULL;
	guint32 mask = cvm_igvm_builder_add_platform(bld, CVM_PLATFORM_NATIVE, 0, 0, 0, &error);
	g_autoptr(GBytes) page = g_bytes_new_take(memset(g_malloc(4096), fill, 4096), 4096);
	assert_true(cvm_igvm_builder_add_page_data(bld, mask, FOUR_GIB - 4096, 0, 0, page, &error));
	return cvm_igvm_builder_write_bytes(bld, &error);
}

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) a = image(0xa);
	g_autofree gchar *a_path = NULL, *state_dir = NULL;

	f->dir = cvmt_mkdtemp();
	a_path = g_build_filename(f->dir, "a.igvm", NULL);
	assert_true(g_file_set_contents(a_path, g_bytes_get_data(a, NULL), g_bytes_get_size(a), NULL));
	f->sha_a = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, a);
	f->b = image(0xb);
	f->sha_b = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, f->b);
	state_dir = g_build_filename(f->dir, "state", NULL);
	f->state = cvm_state_open(state_dir, &error);
	f->conn = cvm_libvirt_open("test:///default", &error);
	cvmt_assert_no_error(error);
	CvmGuestSpec spec = {.name = "fw", .igvm_path = a_path, .memory_bytes = 64 << 20};
	virDomainPtr dom = cvm_launch_guest(f->conn, f->state, &spec, NULL, &error);
	cvmt_assert_no_error(error);
	virDomainFree(dom);
	f->mem = cvm_guest_memory_new_memfd(1 << 20, 0, &error);
	assert_true(cvm_guest_memory_write(f->mem, IMAGE_GPA, g_bytes_get_data(f->b, NULL), g_bytes_get_size(f->b),
					   &error));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;
	cvm_launch_forget(f->conn, f->state, "fw", NULL);
	cvm_libvirt_close(f->conn);
	cvm_state_free(f->state);
	cvm_guest_memory_free(f->mem);
	g_bytes_unref(f->b);
	cvmt_rm_rf(f->dir);
	g_free(f->dir);
	g_free(f->sha_a);
	g_free(f->sha_b);
	g_free(f);
	return 0;
}

/* The guest writes etc/vmlaunchupdate with @control; cvm plans and carries it out. */
static void
request(Fixture *f, guint64 control, gboolean with_image)
{
	g_autoptr(GError) error = NULL;
	CvmFwupdateGuest guest;
	CvmVmlaunchupdate r = {.version = 1, .control = control | CVM_VMLAUNCHUPDATE_FORMAT_IGVM,
			       .fw_image_addr = with_image ? IMAGE_GPA : 0,
			       .fw_image_size = with_image ? g_bytes_get_size(f->b) : 0};
	g_autoptr(GBytes) raw = cvm_vmlaunchupdate_encode(&r);

	assert_true(cvm_fwupdate_guest_from_record(f->state, "fw", &guest, &error));
	g_autoptr(CvmFwupdatePlan) plan =
		cvm_fwupdate_plan_vmlaunchupdate(&guest, g_bytes_get_data(raw, NULL), g_bytes_get_size(raw), f->mem);
	assert_true(cvm_fwupdate_submit(f->conn, f->state, "fw", plan, &error));
	cvmt_assert_no_error(error);
}

static gchar *
running_sha(Fixture *f)
{
	g_autoptr(CvmGuestRecord) rec = cvm_guest_record_load(f->state, "fw", NULL);

	return rec != NULL ? g_strdup(rec->image.igvm_sha256) : NULL;
}

static void
reset(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	assert_true(cvm_fwupdate_guest_reset(f->conn, f->state, "fw", &error));
	cvmt_assert_no_error(error);
}

static void
assert_sha(Fixture *f, const char *want)
{
	g_autofree gchar *sha = running_sha(f);
	assert_string_equal(sha, want);
}

static void
test_update_without_host_igvm_is_permanent_and_updatable(void **state)
{
	Fixture *f = *state;
	request(f, 0, TRUE);
	assert_sha(f, f->sha_b);
	reset(f);
	assert_sha(f, f->sha_b);
	CvmFwupdateGuest g;
	assert_true(cvm_fwupdate_guest_from_record(f->state, "fw", &g, NULL));
	assert_false(g.disabled);
}

static void
test_disable_makes_it_permanent_and_locked(void **state)
{
	Fixture *f = *state;
	request(f, 0, TRUE);
	request(f, CVM_VMLAUNCHUPDATE_CTL_DISABLE, FALSE);
	reset(f);
	assert_sha(f, f->sha_b);
	/* Locked: a later request does nothing. */
	request(f, CVM_VMLAUNCHUPDATE_CTL_HOST_IGVM, FALSE);
	reset(f);
	assert_sha(f, f->sha_b);
}

static void
test_host_igvm_lasts_one_reset_and_stays_updatable(void **state)
{
	Fixture *f = *state;
	request(f, CVM_VMLAUNCHUPDATE_CTL_HOST_IGVM, TRUE);
	assert_sha(f, f->sha_b);
	reset(f);
	assert_sha(f, f->sha_a);
	request(f, 0, TRUE);
	assert_sha(f, f->sha_b);
}

static void
test_host_igvm_and_disable_one_reset_then_host_image(void **state)
{
	Fixture *f = *state;
	CvmFwupdateGuest g;
	request(f, CVM_VMLAUNCHUPDATE_CTL_HOST_IGVM, TRUE);
	request(f, CVM_VMLAUNCHUPDATE_CTL_DISABLE, FALSE);
	assert_true(cvm_fwupdate_guest_from_record(f->state, "fw", &g, NULL));
	assert_true(g.disabled);
	reset(f);
	assert_sha(f, f->sha_a);
	/* Restoring the host image lifts the lock. */
	assert_true(cvm_fwupdate_guest_from_record(f->state, "fw", &g, NULL));
	assert_false(g.disabled);
}

static void
test_refused_request_leaves_the_guest_as_it_was(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	CvmFwupdateGuest guest;
	CvmVmlaunchupdate r = {.version = 1, .control = CVM_VMLAUNCHUPDATE_FORMAT_IGVM, .fw_image_addr = 0xff000,
			       .fw_image_size = 1 << 20};
	g_autoptr(GBytes) raw = cvm_vmlaunchupdate_encode(&r);

	assert_true(cvm_fwupdate_guest_from_record(f->state, "fw", &guest, &error));
	g_autoptr(CvmFwupdatePlan) plan =
		cvm_fwupdate_plan_vmlaunchupdate(&guest, g_bytes_get_data(raw, NULL), g_bytes_get_size(raw), f->mem);
	assert_int_equal(cvm_fwupdate_plan_get_status(plan), CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL);
	assert_true(cvm_fwupdate_submit(f->conn, f->state, "fw", plan, &error));
	assert_sha(f, f->sha_a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_update_without_host_igvm_is_permanent_and_updatable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable_makes_it_permanent_and_locked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_igvm_lasts_one_reset_and_stays_updatable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_igvm_and_disable_one_reset_then_host_image, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_request_leaves_the_guest_as_it_was, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
