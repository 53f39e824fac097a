/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The firmware-update engine over simulated guest memory: valid requests of
 * both interfaces, every invalid kind with its status, the DISABLE and
 * HOST_IGVM behaviours, and the reported digest against the measurement
 * library. */
#include "tests/lib/testlib.h"

#include <cvm/error.h>
#include <cvm/fwupdate.h>
#include <cvm/igvm-builder.h>
#include <cvm/igvm.h>
#include <cvm/measure.h>
#include <string.h>

#define RAM (4u << 20)
#define IMAGE_GPA 0x100000u
#define FOUR_GIB G_GUINT64_CONSTANT(0x100000000)

typedef struct {
	CvmGuestMemory *mem;
	GBytes *image; /* SEV-SNP + native, in guest memory at IMAGE_GPA */
	CvmFwupdateGuest guest;
} Fixture;

static GBytes *
build(guint8 fill, gboolean snp)
{
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);
	g_autoptr(GError) error = NULL;
	guint32 mask = cvm_igvm_builder_add_platform(b, CVM_IGVM_PLATFORM_NATIVE, 0, 0, 0, &error);
	g_autoptr(GBytes) page = g_bytes_new_take(memset(g_malloc(4096), fill, 4096), 4096);

	if (snp) {
		guint32 s = cvm_igvm_builder_add_platform(b, CVM_IGVM_PLATFORM_SEV_SNP, 0, 0, 0, &error);
		assert_true(cvm_igvm_builder_add_guest_policy(b, s, 0x30000, &error));
		mask |= s;
	}
	assert_true(cvm_igvm_builder_add_page_data(b, mask, FOUR_GIB - 4096, 0, CVM_IGVM_PAGE_DATA_NORMAL, page, &error));
	GBytes *out = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	return out;
}

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autoptr(GError) error = NULL;

	f->mem = cvm_guest_memory_new_memfd(RAM, 0, &error);
	cvmt_assert_no_error(error);
	f->image = build(0x5a, TRUE);
	assert_true(cvm_guest_memory_write(f->mem, IMAGE_GPA, g_bytes_get_data(f->image, NULL),
					   g_bytes_get_size(f->image), &error));
	f->guest = (CvmFwupdateGuest){.platform = CVM_LAUNCH_PLATFORM_SEV_SNP, .vcpus = 1, .launched_with_igvm = TRUE};
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;
	cvm_guest_memory_free(f->mem);
	g_bytes_unref(f->image);
	g_free(f);
	return 0;
}

static GBytes *
vlu(guint64 control, guint64 addr, guint64 size)
{
	CvmVmlaunchupdate r = {.version = 1, .control = control, .fw_image_addr = addr, .fw_image_size = size};
	return cvm_vmlaunchupdate_encode(&r);
}

static CvmFwupdatePlan *
run_vlu(Fixture *f, GBytes *req)
{
	return cvm_fwupdate_plan_vmlaunchupdate(&f->guest, g_bytes_get_data(req, NULL), g_bytes_get_size(req), f->mem);
}

static void
expect_refused(CvmFwupdatePlan *plan, guint16 status, const char *needle)
{
	assert_int_equal(cvm_fwupdate_plan_get_action(plan), CVM_FWUPDATE_ACTION_NONE);
	assert_int_equal(cvm_fwupdate_plan_get_status(plan), status);
	assert_null(cvm_fwupdate_plan_get_image(plan));
	if (strstr(cvm_fwupdate_plan_get_message(plan), needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", cvm_fwupdate_plan_get_message(plan), needle);
	cvm_fwupdate_plan_free(plan);
}

static void
test_vm_launch_update_replaces_with_the_measured_image(void **state)
{
	Fixture *f = *state;
	g_autoptr(GBytes) req = vlu(CVM_VMLAUNCHUPDATE_FORMAT_IGVM, IMAGE_GPA, g_bytes_get_size(f->image));
	g_autoptr(CvmFwupdatePlan) plan = run_vlu(f, req);
	CvmMeasureOptions o;
	CvmDigest d;
	g_autoptr(GError) error = NULL;

	assert_int_equal(cvm_fwupdate_plan_get_action(plan), CVM_FWUPDATE_ACTION_REPLACE);
	assert_int_equal(cvm_fwupdate_plan_get_status(plan), CVM_VMLAUNCHUPDATE_STATUS_SUCCESS);
	assert_true(g_bytes_equal(cvm_fwupdate_plan_get_image(plan), f->image));
	assert_false(cvm_fwupdate_plan_get_one_reset(plan));
	g_autofree gchar *sha = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, f->image);
	assert_string_equal(cvm_fwupdate_plan_get_sha256(plan), sha);
	/* The digest reported is what the measurement library says of the image. */
	cvm_measure_options_init(&o);
	assert_true(cvm_measure_igvm(g_bytes_get_data(f->image, NULL), g_bytes_get_size(f->image), &o, &d, NULL, &error));
	g_autofree gchar *hex = cvm_digest_to_hex(&d);
	assert_string_equal(cvm_fwupdate_plan_get_digest(plan), hex);
}

static void
test_host_igvm_makes_the_replacement_last_one_reset(void **state)
{
	Fixture *f = *state;
	g_autoptr(GBytes) req = vlu(CVM_VMLAUNCHUPDATE_FORMAT_IGVM | CVM_VMLAUNCHUPDATE_CTL_HOST_IGVM, IMAGE_GPA,
				    g_bytes_get_size(f->image));
	g_autoptr(CvmFwupdatePlan) plan = run_vlu(f, req);

	assert_int_equal(cvm_fwupdate_plan_get_action(plan), CVM_FWUPDATE_ACTION_REPLACE);
	assert_true(cvm_fwupdate_plan_get_one_reset(plan));
	assert_false(cvm_fwupdate_plan_get_locks(plan));
	/* No image and HOST_IGVM: back to the host's image. */
	g_autoptr(GBytes) restore = vlu(CVM_VMLAUNCHUPDATE_CTL_HOST_IGVM, 0, 0);
	g_autoptr(CvmFwupdatePlan) back = run_vlu(f, restore);
	assert_int_equal(cvm_fwupdate_plan_get_action(back), CVM_FWUPDATE_ACTION_RESTORE_HOST);
}

static void
test_disable_locks_and_ignores_the_image(void **state)
{
	Fixture *f = *state;
	/* DISABLE with and without HOST_IGVM: locks, the image is not looked at. */
	for (guint host = 0; host < 2; host++) {
		g_autoptr(GBytes) req = vlu(CVM_VMLAUNCHUPDATE_FORMAT_IGVM | CVM_VMLAUNCHUPDATE_CTL_DISABLE |
						    (host ? CVM_VMLAUNCHUPDATE_CTL_HOST_IGVM : 0),
					    IMAGE_GPA, g_bytes_get_size(f->image));
		CvmFwupdatePlan *plan = run_vlu(f, req);
		assert_true(cvm_fwupdate_plan_get_locks(plan));
		expect_refused(plan, CVM_VMLAUNCHUPDATE_STATUS_SUCCESS, "disabled");
	}
	/* Once disabled, every later write is ignored. */
	f->guest.disabled = TRUE;
	g_autoptr(GBytes) req = vlu(CVM_VMLAUNCHUPDATE_FORMAT_IGVM, IMAGE_GPA, g_bytes_get_size(f->image));
	expect_refused(run_vlu(f, req), CVM_VMLAUNCHUPDATE_STATUS_SUCCESS, "ignored");
}

static void
test_invalid_vm_launch_update_requests_get_their_status(void **state)
{
	Fixture *f = *state;
	gsize size = g_bytes_get_size(f->image);
	g_autoptr(GBytes) no_format = vlu(0, IMAGE_GPA, size);
	g_autoptr(GBytes) outside = vlu(CVM_VMLAUNCHUPDATE_FORMAT_IGVM, RAM - 4096, size);
	g_autoptr(GBytes) wraps = vlu(CVM_VMLAUNCHUPDATE_FORMAT_IGVM, G_MAXUINT64 - 10, size);
	g_autoptr(GBytes) huge = vlu(CVM_VMLAUNCHUPDATE_FORMAT_IGVM, IMAGE_GPA, G_GUINT64_CONSTANT(1) << 40);
	g_autoptr(GBytes) truncated = vlu(CVM_VMLAUNCHUPDATE_FORMAT_IGVM, IMAGE_GPA, size - 100);
	g_autoptr(GBytes) garbage = vlu(CVM_VMLAUNCHUPDATE_FORMAT_IGVM, 0x1000, 4096);

	expect_refused(run_vlu(f, no_format), CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, "FORMAT_IGVM");
	expect_refused(run_vlu(f, outside), CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, "not inside guest RAM");
	expect_refused(run_vlu(f, wraps), CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, "not inside guest RAM");
	expect_refused(run_vlu(f, huge), CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, "allowed");
	expect_refused(run_vlu(f, truncated), CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, "not a valid IGVM");
	expect_refused(run_vlu(f, garbage), CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, "not a valid IGVM");
	expect_refused(cvm_fwupdate_plan_vmlaunchupdate(&f->guest, (const guint8 *)"short", 5, f->mem),
		       CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, "");
	f->guest.launched_with_igvm = FALSE;
	g_autoptr(GBytes) ok = vlu(CVM_VMLAUNCHUPDATE_FORMAT_IGVM, IMAGE_GPA, size);
	expect_refused(run_vlu(f, ok), CVM_VMLAUNCHUPDATE_STATUS_NOT_IGVM_INIT, "not started from an IGVM");
	/* An image without the guest's platform. */
	f->guest.launched_with_igvm = TRUE;
	f->guest.platform = CVM_LAUNCH_PLATFORM_SEV_ES;
	expect_refused(run_vlu(f, ok), CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, "no sev-es platform");
}

static void
put_regions(Fixture *f, guint64 gpa, const CvmVmfwupdateRegion *r, guint n)
{
	g_autoptr(GBytes) raw = cvm_vmfwupdate_regions_encode(r, n);
	g_autoptr(GError) error = NULL;
	assert_true(cvm_guest_memory_write(f->mem, gpa, g_bytes_get_data(raw, NULL), g_bytes_get_size(raw), &error));
}

static CvmFwupdatePlan *
run_regions(Fixture *f, guint16 count, guint16 control)
{
	CvmVmfwupdate dev = {.capabilities = CVM_VMFWUPDATE_CAP_IGVM_IMAGES, .firmware_size = 2u << 20,
			     .regions_addr = 0x300000, .regions_count = count, .control = control};
	g_autoptr(GBytes) raw = cvm_vmfwupdate_encode(&dev);
	return cvm_fwupdate_plan_vmfwupdate(&f->guest, g_bytes_get_data(raw, NULL), g_bytes_get_size(raw), f->mem);
}

static void
test_region_list_builds_an_image_from_copy_and_zero(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	guint8 code[8192];
	memset(code, 0xc3, sizeof(code));
	assert_true(cvm_guest_memory_write(f->mem, 0x200000, code, sizeof(code), &error));
	f->guest.platform = CVM_LAUNCH_PLATFORM_NATIVE;
	CvmVmfwupdateRegion r[] = {
		{.size = 8192, .src_addr = 0x200000, .dst_addr = FOUR_GIB - 8192,
		 .flags = CVM_VMFWUPDATE_REGION_COPY | CVM_VMFWUPDATE_REGION_MEASURE},
		{.size = 4096, .dst_addr = 0x10000, .flags = CVM_VMFWUPDATE_REGION_ZERO},
	};
	put_regions(f, 0x300000, r, 2);
	g_autoptr(CvmFwupdatePlan) plan = run_regions(f, 2, 0);
	assert_int_equal(cvm_fwupdate_plan_get_action(plan), CVM_FWUPDATE_ACTION_REPLACE);
	/* The built image, read back: three pages, the copied ones with their bytes. */
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(cvm_fwupdate_plan_get_image(plan), CVM_IGVM_NONE, &error);
	cvmt_assert_no_error(error);
	guint pages = 0;
	CvmIgvmHeader h;
	for (guint i = 0; cvm_igvm_get_header(igvm, i, &h); i++) {
		const CvmIgvmPageData *pd = cvm_igvm_header_page_data(&h);
		if (pd == NULL)
			continue;
		pages++;
		if (cvm_le64(pd->gpa) >= FOUR_GIB - 8192) {
			const guint8 *data;
			assert_true(cvm_igvm_get_file_data(igvm, cvm_le32(pd->file_offset), 4096, &data, &error));
			assert_int_equal(data[0], 0xc3);
		} else {
			assert_int_equal(cvm_le32(pd->file_offset), 0);
			assert_true(cvm_le32(pd->flags) & CVM_IGVM_PAGE_FLAG_UNMEASURED);
		}
	}
	assert_int_equal(pages, 3);
}

static void
test_region_list_igvm_image_region(void **state)
{
	Fixture *f = *state;
	CvmVmfwupdateRegion r = {.size = g_bytes_get_size(f->image), .src_addr = IMAGE_GPA,
				 .flags = CVM_VMFWUPDATE_REGION_IGVM_IMAGE};
	put_regions(f, 0x300000, &r, 1);
	g_autoptr(CvmFwupdatePlan) plan = run_regions(f, 1, 0);
	assert_int_equal(cvm_fwupdate_plan_get_action(plan), CVM_FWUPDATE_ACTION_REPLACE);
	assert_true(g_bytes_equal(cvm_fwupdate_plan_get_image(plan), f->image));
}

static void
expect_bad_region(Fixture *f, CvmVmfwupdateRegion *r, guint n, const char *needle)
{
	put_regions(f, 0x300000, r, n);
	expect_refused(run_regions(f, n, 0), CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, needle);
}

static void
test_invalid_region_lists_are_refused(void **state)
{
	Fixture *f = *state;
	CvmVmfwupdateRegion copy = {.size = 4096, .src_addr = 0x200000, .dst_addr = 0x10000,
				    .flags = CVM_VMFWUPDATE_REGION_COPY};
	CvmVmfwupdateRegion r[2];

	f->guest.platform = CVM_LAUNCH_PLATFORM_NATIVE;
	r[0] = copy, r[0].src_addr = RAM;
	expect_bad_region(f, r, 1, "source is not inside guest RAM");
	r[0] = copy, r[1] = copy, r[1].dst_addr = 0x10000;
	expect_bad_region(f, r, 2, "overlaps");
	r[0] = copy, r[0].size = 4u << 20, r[0].src_addr = 0;
	expect_bad_region(f, r, 1, "firmware_size");
	r[0] = copy, r[0].flags |= CVM_VMFWUPDATE_REGION_ZERO;
	expect_bad_region(f, r, 1, "exactly one of");
	r[0] = copy, r[0].flags = CVM_VMFWUPDATE_REGION_ZERO;
	expect_bad_region(f, r, 1, "ZERO takes no source");
	r[0] = copy, r[0].flags |= CVM_VMFWUPDATE_REGION_IGVM_PARAM;
	expect_bad_region(f, r, 1, "IGVM_PARAM");
	r[0] = copy, r[0].flags |= CVM_VMFWUPDATE_REGION_SEV_CPUID;
	expect_bad_region(f, r, 1, "SEV-SNP");
	r[0] = copy, r[0].size = 100;
	expect_bad_region(f, r, 1, "multiples of 4 KiB");
	r[0] = copy, r[0].flags = CVM_VMFWUPDATE_REGION_IGVM_IMAGE, r[1] = copy;
	expect_bad_region(f, r, 2, "only region");
	/* Unknown flag bits are refused by the decoder. */
	r[0] = copy, r[0].flags |= 0x40;
	expect_bad_region(f, r, 1, "region list");
	expect_refused(run_regions(f, 300, 0), CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, "at most 256");
	CvmFwupdatePlan *locked = run_regions(f, 1, CVM_VMFWUPDATE_CTL_DISABLE);
	assert_true(cvm_fwupdate_plan_get_locks(locked));
	expect_refused(locked, CVM_VMLAUNCHUPDATE_STATUS_SUCCESS, "disabled");
}

static void
test_policy_refuses_an_unlisted_digest(void **state)
{
	Fixture *f = *state;
	g_autoptr(GBytes) req = vlu(CVM_VMLAUNCHUPDATE_FORMAT_IGVM, IMAGE_GPA, g_bytes_get_size(f->image));
	g_autoptr(CvmFwupdatePlan) plan = run_vlu(f, req);
	g_autoptr(CvmPolicy) policy = cvm_policy_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *json = g_strdup_printf("{\"version\": 1, \"launch-digests\": [\"%s\"], "
						 "\"max-update-size\": 100000}", cvm_fwupdate_plan_get_digest(plan));

	assert_true(cvm_policy_merge_json(policy, json, strlen(json), "t.json", &error));
	assert_true(cvm_fwupdate_plan_check_policy(plan, policy, "g", &error));
	cvmt_assert_no_error(error);
	g_autoptr(CvmPolicy) other = cvm_policy_new();
	const char *zeros = "{\"version\": 1, \"max-update-size\": 100}";
	assert_true(cvm_policy_merge_json(other, zeros, strlen(zeros), "t.json", &error));
	assert_false(cvm_fwupdate_plan_check_policy(plan, other, "g", &error));
	cvmt_assert_error(error, CVM_ERROR_POLICY_DENIED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vm_launch_update_replaces_with_the_measured_image, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_igvm_makes_the_replacement_last_one_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable_locks_and_ignores_the_image, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_vm_launch_update_requests_get_their_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_region_list_builds_an_image_from_copy_and_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_region_list_igvm_image_region, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_region_lists_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_refuses_an_unlisted_digest, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
