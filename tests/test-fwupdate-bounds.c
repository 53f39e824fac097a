/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Issue 21: a guest's request bounds nothing the host allocates or loops
 * over. Requests whose sizes and counts would make the engine allocate or
 * work far beyond the image limit are refused with LOAD_FAIL and a message
 * naming the field and the limit, before anything is read or built; requests
 * at the limit still pass. The guest has the fuzz target's shape (1 MiB
 * image limit, so 4096 pages may be described). */
#include "tests/lib/testlib.h"

#include <cvm/error.h>
#include <cvm/fwupdate.h>
#include <cvm/igvm-builder.h>
#include <string.h>

#define RAM (4u << 20)
#define LIMIT (1u << 20)
#define REGIONS_GPA 0x300000u
#define FOUR_GIB G_GUINT64_CONSTANT(0x100000000)

typedef struct {
	CvmGuestMemory *mem;
	CvmFwupdateGuest guest;
} Fixture;

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autoptr(GError) error = NULL;

	f->mem = cvm_guest_memory_new_memfd(RAM, 0, &error);
	cvmt_assert_no_error(error);
	f->guest = (CvmFwupdateGuest){.platform = CVM_LAUNCH_PLATFORM_NATIVE, .vcpus = 1, .launched_with_igvm = TRUE,
				      .max_image = LIMIT};
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;
	cvm_guest_memory_free(f->mem);
	g_free(f);
	return 0;
}

static void
expect_refused(CvmFwupdatePlan *plan, const char *needle)
{
	assert_int_equal(cvm_fwupdate_plan_get_action(plan), CVM_FWUPDATE_ACTION_NONE);
	assert_int_equal(cvm_fwupdate_plan_get_status(plan), CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL);
	assert_null(cvm_fwupdate_plan_get_image(plan));
	if (strstr(cvm_fwupdate_plan_get_message(plan), needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", cvm_fwupdate_plan_get_message(plan), needle);
	cvm_fwupdate_plan_free(plan);
}

static CvmFwupdatePlan *
run_regions(Fixture *f, guint64 firmware_size, const CvmVmfwupdateRegion *r, guint n)
{
	CvmVmfwupdate dev = {.firmware_size = firmware_size, .regions_addr = REGIONS_GPA, .regions_count = n};
	g_autoptr(GBytes) list = cvm_vmfwupdate_regions_encode(r, n);
	g_autoptr(GBytes) raw = cvm_vmfwupdate_encode(&dev);
	g_autoptr(GError) error = NULL;

	assert_true(cvm_guest_memory_write(f->mem, REGIONS_GPA, g_bytes_get_data(list, NULL), g_bytes_get_size(list),
					   &error));
	return cvm_fwupdate_plan_vmfwupdate(&f->guest, g_bytes_get_data(raw, NULL), g_bytes_get_size(raw), f->mem);
}

/* The probe's 94-byte request in the fuzz target's layout (56 request
 * bytes, then guest RAM from GPA 0): one ZERO region of 0x7ffffffff000
 * bytes, bounded before only by the guest's own firmware_size. The engine
 * used to build an IGVM page for each of its 2^35 pages (1.85 GB, 4 s before
 * the probe stopped it). tests/fuzz/corpus/fuzz-fwupdate-engine/zero-huge. */
static void
test_probe_zero_region_is_refused_before_building(void **state)
{
	Fixture *f = *state;
	CvmVmfwupdate dev = {.firmware_size = G_MAXUINT64 & ~G_GUINT64_CONSTANT(0xfff), .regions_count = 1};
	CvmVmfwupdateRegion zero = {.size = G_GUINT64_CONSTANT(0x7ffffffff000), .flags = CVM_VMFWUPDATE_REGION_ZERO};
	g_autoptr(GBytes) head = cvm_vmfwupdate_encode(&dev);
	g_autoptr(GBytes) list = cvm_vmfwupdate_regions_encode(&zero, 1);
	g_autoptr(GError) error = NULL;
	guint8 request[94] = {0};

	memcpy(request, g_bytes_get_data(head, NULL), 0x28);
	memcpy(request + 56, g_bytes_get_data(list, NULL), 32);
	assert_true(cvm_guest_memory_write(f->mem, 0, request + 56, sizeof(request) - 56, &error));
	for (guint snp = 0; snp < 2; snp++) {
		f->guest.platform = snp ? CVM_LAUNCH_PLATFORM_SEV_SNP : CVM_LAUNCH_PLATFORM_NATIVE;
		expect_refused(cvm_fwupdate_plan_vmfwupdate(&f->guest, request, 56, f->mem),
			       "region 0: size 0x7ffffffff000 takes the regions to 34359738367 pages, above the 4096 "
			       "an image may describe (16 x max-update-size)");
	}
}

/* Within firmware_size, but 16384 pages: the old engine built and returned
 * the image (its 512 KiB fit the limit), the pages counted by nobody. */
static void
test_zero_pages_are_bounded_by_the_image_limit(void **state)
{
	Fixture *f = *state;
	CvmVmfwupdateRegion r[2] = {
		{.size = 64u << 20, .dst_addr = 0, .flags = CVM_VMFWUPDATE_REGION_ZERO},
	};

	expect_refused(run_regions(f, FOUR_GIB, r, 1), "region 0: size 0x4000000 takes the regions to 16384 pages");
	/* Two regions under the limit each, over it together: the second is named. */
	r[0].size = r[1].size = 3000 * 4096;
	r[1].dst_addr = 0x10000000;
	r[1].flags = CVM_VMFWUPDATE_REGION_ZERO;
	expect_refused(run_regions(f, FOUR_GIB, r, 2), "region 1: size 0xbb8000 takes the regions to 6000 pages");
}

/* Exactly the limit still makes an image. */
static void
test_regions_at_the_limit_pass(void **state)
{
	Fixture *f = *state;
	CvmVmfwupdateRegion r = {.size = 4096 * 4096, .dst_addr = 0x1000000, .flags = CVM_VMFWUPDATE_REGION_ZERO};
	g_autoptr(CvmFwupdatePlan) plan = run_regions(f, FOUR_GIB, &r, 1);

	assert_int_equal(cvm_fwupdate_plan_get_action(plan), CVM_FWUPDATE_ACTION_REPLACE);
}

/* COPY regions read guest memory: what they read must fit the image limit
 * with the directives that describe it, checked before the read. */
static void
test_copy_bytes_are_bounded_before_the_read(void **state)
{
	Fixture *f = *state;
	CvmVmfwupdateRegion r = {.size = LIMIT, .src_addr = 0, .dst_addr = 0x1000000, .flags = CVM_VMFWUPDATE_REGION_COPY};

	expect_refused(run_regions(f, FOUR_GIB, &r, 1),
		       "region 0: size 0x100000 makes the image at least 1056768 bytes, above the 1048576 allowed "
		       "(max-update-size)");
}

/* An IGVM_IMAGE region's size was allocated before it was compared with the
 * limit (g_malloc of whatever guest RAM holds). */
static void
test_igvm_image_region_size_is_checked_before_allocating(void **state)
{
	Fixture *f = *state;
	CvmVmfwupdateRegion r = {.size = 2u << 20, .src_addr = 0, .flags = CVM_VMFWUPDATE_REGION_IGVM_IMAGE};

	expect_refused(run_regions(f, FOUR_GIB, &r, 1),
		       "region 0: IGVM_IMAGE size 2097152 is above the 1048576 allowed (max-update-size)");
}

static void
test_vm_launch_update_names_fw_image_size(void **state)
{
	Fixture *f = *state;
	CvmVmlaunchupdate req = {.version = 1, .control = CVM_VMLAUNCHUPDATE_FORMAT_IGVM, .fw_image_addr = 0,
				 .fw_image_size = 2u << 20};
	g_autoptr(GBytes) raw = cvm_vmlaunchupdate_encode(&req);

	expect_refused(cvm_fwupdate_plan_vmlaunchupdate(&f->guest, g_bytes_get_data(raw, NULL), g_bytes_get_size(raw),
							f->mem),
		       "fw_image_size 2097152 is above the 1048576 allowed (max-update-size)");
}

/* Only an image whose fixed header says it is one, of this size, is copied
 * whole: the guest's garbage, or a size that is not the file's, is refused
 * from the header's 24 bytes. */
static void
test_image_fixed_header_is_checked_before_the_copy(void **state)
{
	Fixture *f = *state;
	CvmVmlaunchupdate req = {.version = 1, .control = CVM_VMLAUNCHUPDATE_FORMAT_IGVM, .fw_image_addr = 0x100000,
				 .fw_image_size = LIMIT};
	g_autoptr(GBytes) raw = cvm_vmlaunchupdate_encode(&req);
	g_autoptr(GError) error = NULL;
	CvmIgvmFixedHeaderV1 fixed = {.magic = GUINT32_TO_LE(CVM_IGVM_MAGIC), .format_version = GUINT32_TO_LE(1),
				      .total_file_size = GUINT32_TO_LE(8192)};

	expect_refused(cvm_fwupdate_plan_vmlaunchupdate(&f->guest, g_bytes_get_data(raw, NULL), g_bytes_get_size(raw),
							f->mem),
		       "image is not a valid IGVM file: magic 0x00000000, total_file_size 0, fw_image_size 1048576");
	assert_true(cvm_guest_memory_write(f->mem, 0x100000, &fixed, sizeof(fixed), &error));
	expect_refused(cvm_fwupdate_plan_vmlaunchupdate(&f->guest, g_bytes_get_data(raw, NULL), g_bytes_get_size(raw),
							f->mem),
		       "image is not a valid IGVM file: magic 0x4d564749, total_file_size 8192, fw_image_size 1048576");
}

/* A 4 KiB image whose parameter area (24 bytes of it) describes 4 GiB: the
 * measurement listed, and the launch would place, a page for each 4 KiB. */
static GBytes *
image_with_area(guint n_areas)
{
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);
	g_autoptr(GError) error = NULL;
	guint32 mask = cvm_igvm_builder_add_platform(b, CVM_IGVM_PLATFORM_SEV_SNP, 0, 0, 0, &error);
	g_autoptr(GBytes) page = g_bytes_new_take(g_malloc0(4096), 4096);

	assert_true(cvm_igvm_builder_add_guest_policy(b, mask, 0x30000, &error));
	assert_true(cvm_igvm_builder_add_page_data(b, mask, FOUR_GIB - 4096, 0, CVM_IGVM_PAGE_DATA_NORMAL, page, &error));
	for (guint i = 0; i < n_areas; i++) {
		assert_true(cvm_igvm_builder_add_parameter_area(b, i, 0xfffff000u, NULL, &error));
		assert_true(cvm_igvm_builder_add_parameter_insert(b, mask, 0x100000000000ull * (i + 1), i, &error));
	}
	GBytes *out = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	return out;
}

static void
test_image_describing_too_much_memory_is_refused_before_measuring(void **state)
{
	Fixture *f = *state;
	g_autoptr(GBytes) image = image_with_area(1);
	g_autoptr(GError) error = NULL;
	CvmVmlaunchupdate req = {.version = 1, .control = CVM_VMLAUNCHUPDATE_FORMAT_IGVM, .fw_image_addr = 0x100000,
				 .fw_image_size = g_bytes_get_size(image)};
	g_autoptr(GBytes) raw = cvm_vmlaunchupdate_encode(&req);
	const char *needle = "image describes more than 4096 pages of guest memory (16 x max-update-size) by header 3 "
			     "(PARAMETER_AREA";

	f->guest.platform = CVM_LAUNCH_PLATFORM_SEV_SNP;
	assert_true(cvm_guest_memory_write(f->mem, 0x100000, g_bytes_get_data(image, NULL), g_bytes_get_size(image),
					   &error));
	expect_refused(cvm_fwupdate_plan_vmlaunchupdate(&f->guest, g_bytes_get_data(raw, NULL), g_bytes_get_size(raw),
							f->mem),
		       needle);
	/* The host-staged path applies the same check. */
	expect_refused(cvm_fwupdate_plan_image(&f->guest, image), needle);
	/* 64 such areas were 2^26 measured pages (2 GiB of list, minutes of hashing). */
	g_autoptr(GBytes) many = image_with_area(64);
	expect_refused(cvm_fwupdate_plan_image(&f->guest, many), needle);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_probe_zero_region_is_refused_before_building, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_pages_are_bounded_by_the_image_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_regions_at_the_limit_pass, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_bytes_are_bounded_before_the_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_igvm_image_region_size_is_checked_before_allocating, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vm_launch_update_names_fw_image_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_image_fixed_header_is_checked_before_the_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_image_describing_too_much_memory_is_refused_before_measuring, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
