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
	guint64 firmware_size; /* what run_regions() puts in struct vmfwupdate */
} Fixture;

/* An image of one page at 4 GiB - 4 KiB for NATIVE (and SEV-SNP), with
 * @n_areas parameter areas of 4 GiB inserted (24 bytes of file each). */
static GBytes *
build(guint8 fill, gboolean snp, guint n_areas)
{
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);
	g_autoptr(GError) error = NULL;
	guint32 mask = cvm_igvm_builder_add_platform(b, CVM_PLATFORM_NATIVE, 0, 0, 0, &error);
	g_autoptr(GBytes) page = g_bytes_new_take(memset(g_malloc(4096), fill, 4096), 4096);

	if (snp) {
		guint32 s = cvm_igvm_builder_add_platform(b, CVM_PLATFORM_SEV_SNP, 0, 0, 0, &error);
		assert_true(cvm_igvm_builder_add_guest_policy(b, s, 0x30000, &error));
		mask |= s;
	}
	assert_true(cvm_igvm_builder_add_page_data(b, mask, FOUR_GIB - 4096, 0, CVM_IGVM_PAGE_DATA_NORMAL, page, &error));
	for (guint i = 0; i < n_areas; i++) {
		assert_true(cvm_igvm_builder_add_parameter_area(b, i, 0xfffff000u, NULL, &error));
		assert_true(cvm_igvm_builder_add_parameter_insert(b, mask, 0x100000000000ull * (i + 1), i, &error));
	}
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
	f->image = build(0x5a, TRUE, 0);
	assert_true(cvm_guest_memory_write(f->mem, IMAGE_GPA, g_bytes_get_data(f->image, NULL),
					   g_bytes_get_size(f->image), &error));
	f->guest = (CvmFwupdateGuest){.platform = CVM_PLATFORM_SEV_SNP, .vcpus = 1, .launched_with_igvm = TRUE};
	f->firmware_size = 2u << 20;
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
	f->guest.platform = CVM_PLATFORM_SEV_ES;
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
	CvmVmfwupdate dev = {.capabilities = CVM_VMFWUPDATE_CAP_IGVM_IMAGES, .firmware_size = f->firmware_size,
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
	f->guest.platform = CVM_PLATFORM_NATIVE;
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

	f->guest.platform = CVM_PLATFORM_NATIVE;
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

/* Issue 21 and issue 22 item 4: a guest's request bounds nothing the host
 * allocates or loops over. Requests whose sizes and counts would make the
 * engine allocate or work far beyond the image limit are refused with
 * LOAD_FAIL and a message naming the field and the limit, before anything is
 * read or built; requests at the limit still pass. The guest then has the
 * fuzz target's shape: a native guest with a 1 MiB image limit, so 4096
 * pages may be described (docs/fwupdate.md, "Bounds"). */
#define LIMIT (1u << 20)

static Fixture *
limited(Fixture *f)
{
	f->guest.platform = CVM_PLATFORM_NATIVE;
	f->guest.max_image = LIMIT;
	f->firmware_size = FOUR_GIB;
	return f;
}

static CvmFwupdatePlan *
run_list(Fixture *f, const CvmVmfwupdateRegion *r, guint n)
{
	put_regions(f, 0x300000, r, n);
	return run_regions(f, n, 0);
}

/* The probe's 94-byte request in the fuzz target's layout (56 request
 * bytes, then guest RAM from GPA 0): one ZERO region of 0x7ffffffff000
 * bytes, bounded before only by the guest's own firmware_size. The engine
 * used to build an IGVM page for each of its 2^35 pages (1.85 GB, 4 s before
 * the probe stopped it). tests/fuzz/corpus/fuzz-fwupdate-engine/zero-huge. */
static void
test_probe_zero_region_is_refused_before_building(void **state)
{
	Fixture *f = limited(*state);
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
		f->guest.platform = snp ? CVM_PLATFORM_SEV_SNP : CVM_PLATFORM_NATIVE;
		expect_refused(cvm_fwupdate_plan_vmfwupdate(&f->guest, request, 56, f->mem), CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL,
			       "region 0: size 0x7ffffffff000 takes the regions to 34359738367 pages, above the 4096 "
			       "an image may describe (16 x max-update-size)");
	}
}

/* Within firmware_size, but 16384 pages: the old engine built and returned
 * the image (its 512 KiB fit the limit), the pages counted by nobody. */
static void
test_zero_pages_are_bounded_by_the_image_limit(void **state)
{
	Fixture *f = limited(*state);
	CvmVmfwupdateRegion r[2] = {
		{.size = 64u << 20, .dst_addr = 0, .flags = CVM_VMFWUPDATE_REGION_ZERO},
	};

	expect_refused(run_list(f, r, 1), CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, "region 0: size 0x4000000 takes the regions to 16384 pages");
	/* Two regions under the limit each, over it together: the second is named. */
	r[0].size = r[1].size = 3000 * 4096;
	r[1].dst_addr = 0x10000000;
	r[1].flags = CVM_VMFWUPDATE_REGION_ZERO;
	expect_refused(run_list(f, r, 2), CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, "region 1: size 0xbb8000 takes the regions to 6000 pages");
}

/* Exactly the limit still makes an image. */
static void
test_regions_at_the_limit_pass(void **state)
{
	Fixture *f = limited(*state);
	CvmVmfwupdateRegion r = {.size = 4096 * 4096, .dst_addr = 0x1000000, .flags = CVM_VMFWUPDATE_REGION_ZERO};
	g_autoptr(CvmFwupdatePlan) plan = run_list(f, &r, 1);

	assert_int_equal(cvm_fwupdate_plan_get_action(plan), CVM_FWUPDATE_ACTION_REPLACE);
}

/* COPY regions read guest memory: what they read must fit the image limit
 * with the directives that describe it, checked before the read. */
static void
test_copy_bytes_are_bounded_before_the_read(void **state)
{
	Fixture *f = limited(*state);
	CvmVmfwupdateRegion r = {.size = LIMIT, .src_addr = 0, .dst_addr = 0x1000000, .flags = CVM_VMFWUPDATE_REGION_COPY};

	expect_refused(run_list(f, &r, 1), CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL,
		       "region 0: size 0x100000 makes the image at least 1056768 bytes, above the 1048576 allowed "
		       "(max-update-size)");
}

/* An IGVM_IMAGE region's size was allocated before it was compared with the
 * limit (g_malloc of whatever guest RAM holds). */
static void
test_igvm_image_region_size_is_checked_before_allocating(void **state)
{
	Fixture *f = limited(*state);
	CvmVmfwupdateRegion r = {.size = 2u << 20, .src_addr = 0, .flags = CVM_VMFWUPDATE_REGION_IGVM_IMAGE};

	expect_refused(run_list(f, &r, 1), CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL,
		       "region 0: IGVM_IMAGE size 2097152 is above the 1048576 allowed (max-update-size)");
}

static void
test_vm_launch_update_names_fw_image_size(void **state)
{
	Fixture *f = limited(*state);
	g_autoptr(GBytes) req = vlu(CVM_VMLAUNCHUPDATE_FORMAT_IGVM, 0, 2u << 20);

	expect_refused(run_vlu(f, req), CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL,
		       "fw_image_size 2097152 is above the 1048576 allowed (max-update-size)");
}

/* Only an image whose fixed header says it is one, of this size, is copied
 * whole: the guest's garbage, or a size that is not the file's, is refused
 * from the header's 24 bytes. */
static void
test_image_fixed_header_is_checked_before_the_copy(void **state)
{
	Fixture *f = limited(*state);
	g_autoptr(GBytes) req = vlu(CVM_VMLAUNCHUPDATE_FORMAT_IGVM, 0x200000, LIMIT);
	g_autoptr(GError) error = NULL;
	CvmIgvmFixedHeaderV1 fixed = {.magic = GUINT32_TO_LE(CVM_IGVM_MAGIC), .format_version = GUINT32_TO_LE(1),
				      .total_file_size = GUINT32_TO_LE(8192)};

	expect_refused(run_vlu(f, req), CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL,
		       "image is not a valid IGVM file: magic 0x00000000, total_file_size 0, fw_image_size 1048576");
	assert_true(cvm_guest_memory_write(f->mem, 0x200000, &fixed, sizeof(fixed), &error));
	expect_refused(run_vlu(f, req), CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL,
		       "image is not a valid IGVM file: magic 0x4d564749, total_file_size 8192, fw_image_size 1048576");
}

/* A parameter area (24 bytes of the file) describes 4 GiB: the measurement
 * listed, and a launch would place, a page for each 4 KiB of it. */
static void
test_image_describing_too_much_memory_is_refused_before_measuring(void **state)
{
	Fixture *f = limited(*state);
	g_autoptr(GBytes) image = build(0, TRUE, 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) req = vlu(CVM_VMLAUNCHUPDATE_FORMAT_IGVM, IMAGE_GPA, g_bytes_get_size(image));
	const char *needle = "image describes more than 4096 pages of guest memory (16 x max-update-size) by header 4 "
			     "(PARAMETER_AREA";

	f->guest.platform = CVM_PLATFORM_SEV_SNP;
	assert_true(cvm_guest_memory_write(f->mem, IMAGE_GPA, g_bytes_get_data(image, NULL), g_bytes_get_size(image),
					   &error));
	expect_refused(run_vlu(f, req), CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, needle);
	/* The host-staged path applies the same check. */
	expect_refused(cvm_fwupdate_plan_image(&f->guest, image), CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, needle);
	/* 64 such areas were 2^26 measured pages (2 GiB of list, minutes of hashing). */
	g_autoptr(GBytes) many = build(0, TRUE, 64);
	expect_refused(cvm_fwupdate_plan_image(&f->guest, many), CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, needle);
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
