/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of the NATIVE IGVM translation into what QEMU loads (launch/native-load.c). */
#include "tests/lib/testlib.h"

#include <cvm/igvm-defs.h>
#include <cvm/error.h>
#include <cvm/igvm-builder.h>
#include <cvm/igvm.h>
#include <cvm/native-load.h>
#include <string.h>

#define MiB (G_GUINT64_CONSTANT(1) << 20)
#define FOUR_GIB G_GUINT64_CONSTANT(0x100000000)

typedef struct {
	CvmIgvmBuilder *b;
	guint32 mask;
} Fixture;

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autoptr(GError) error = NULL;

	f->b = cvm_igvm_builder_new(1);
	f->mask = cvm_igvm_builder_add_platform(f->b, CVM_PLATFORM_NATIVE, 0, 0, 0, &error);
	cvmt_assert_no_error(error);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;
	cvm_igvm_builder_free(f->b);
	g_free(f);
	return 0;
}

static GBytes *
pattern(gsize len, guint8 seed)
{
	guint8 *buf = g_malloc(len);
	for (gsize i = 0; i < len; i++)
		buf[i] = (guint8)(seed + i * 7);
	return g_bytes_new_take(buf, len);
}

static void
add_pages(Fixture *f, guint64 gpa, GBytes *data)
{
	g_autoptr(GError) error = NULL;
	assert_true(cvm_igvm_builder_add_page_data(f->b, f->mask, gpa, 0, CVM_IGVM_PAGE_DATA_NORMAL, data, &error));
	cvmt_assert_no_error(error);
}

/* A reset vector page, as every loadable file needs. */
static void
add_reset_page(Fixture *f)
{
	g_autoptr(GBytes) top = pattern(4096, 0x40);
	add_pages(f, FOUR_GIB - 4096, top);
}

static CvmIgvm *
finish(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes = cvm_igvm_builder_write_bytes(f->b, &error);
	cvmt_assert_no_error(error);
	CvmIgvm *igvm = cvm_igvm_new_from_bytes(bytes, CVM_IGVM_NONE, &error);
	cvmt_assert_no_error(error);
	return igvm;
}

static CvmNativePlan *
plan_for(Fixture *f, guint64 memory, GError **error)
{
	g_autoptr(CvmIgvm) igvm = finish(f);
	CvmNativeOptions opts = {memory, 2, "console=ttyS0"};
	return cvm_native_plan_new(igvm, &opts, error);
}

static void
test_rom_is_padded_to_64k_and_ends_at_4g(void **state)
{
	Fixture *f = *state;
	g_autoptr(GBytes) fw = pattern(3 * 4096, 1);
	g_autoptr(GError) error = NULL;

	add_pages(f, FOUR_GIB - 3 * 4096, fw);
	g_autoptr(CvmNativePlan) plan = plan_for(f, 256 * MiB, &error);
	cvmt_assert_no_error(error);
	const CvmNativeBlob *rom = cvm_native_plan_get_rom(plan);
	gsize size;
	const guint8 *data = g_bytes_get_data(rom->data, &size);
	assert_int_equal(size, 64 * 1024);
	assert_true(rom->gpa == FOUR_GIB - 64 * 1024);
	assert_memory_equal(data + size - 3 * 4096, g_bytes_get_data(fw, NULL), 3 * 4096);
	for (gsize i = 0; i < size - 3 * 4096; i++)
		assert_int_equal(data[i], 0);
	assert_int_equal(cvm_native_plan_get_blobs(plan)->len, 0);
}

static void
test_ram_pages_are_coalesced_into_blobs(void **state)
{
	Fixture *f = *state;
	g_autoptr(GBytes) a = pattern(2 * 4096, 3);
	g_autoptr(GBytes) b = pattern(4096, 9);
	g_autoptr(GError) error = NULL;

	add_reset_page(f);
	add_pages(f, 0x200000, a);
	assert_true(cvm_igvm_builder_add_zero_pages(f->b, f->mask, 0x202000, 1, 0, CVM_IGVM_PAGE_DATA_NORMAL,
						    &error));
	add_pages(f, 0x300000, b);
	g_autoptr(CvmNativePlan) plan = plan_for(f, 256 * MiB, &error);
	cvmt_assert_no_error(error);
	GPtrArray *blobs = cvm_native_plan_get_blobs(plan);
	assert_int_equal(blobs->len, 2);
	const CvmNativeBlob *first = g_ptr_array_index(blobs, 0), *second = g_ptr_array_index(blobs, 1);
	gsize size;
	const guint8 *data = g_bytes_get_data(first->data, &size);
	assert_true(first->gpa == 0x200000);
	assert_int_equal(size, 3 * 4096);
	assert_memory_equal(data, g_bytes_get_data(a, NULL), 2 * 4096);
	for (gsize i = 2 * 4096; i < size; i++)
		assert_int_equal(data[i], 0);
	assert_true(second->gpa == 0x300000);
	assert_memory_equal(g_bytes_get_data(second->data, NULL), g_bytes_get_data(b, NULL), 4096);
}

/* The NATIVE platform has no private memory: unmeasured and shared pages
 * are guest memory like any other and their contents are loaded. */
static void
test_unmeasured_and_shared_pages_are_loaded(void **state)
{
	Fixture *f = *state;
	g_autoptr(GBytes) a = pattern(4096, 5);
	g_autoptr(GBytes) b = pattern(4096, 11);
	g_autoptr(GError) error = NULL;
	gsize size;

	add_reset_page(f);
	assert_true(cvm_igvm_builder_add_page_data(f->b, f->mask, 0x200000, CVM_IGVM_PAGE_FLAG_UNMEASURED,
						   CVM_IGVM_PAGE_DATA_NORMAL, a, &error));
	assert_true(cvm_igvm_builder_add_page_data(f->b, f->mask, 0x201000, CVM_IGVM_PAGE_FLAG_SHARED,
						   CVM_IGVM_PAGE_DATA_NORMAL, b, &error));
	g_autoptr(CvmNativePlan) plan = plan_for(f, 256 * MiB, &error);
	cvmt_assert_no_error(error);
	GPtrArray *blobs = cvm_native_plan_get_blobs(plan);
	assert_int_equal(blobs->len, 1);
	const CvmNativeBlob *blob = g_ptr_array_index(blobs, 0);
	const guint8 *data = g_bytes_get_data(blob->data, &size);
	assert_int_equal(size, 2 * 4096);
	assert_memory_equal(data, g_bytes_get_data(a, NULL), 4096);
	assert_memory_equal(data + 4096, g_bytes_get_data(b, NULL), 4096);
}

static void
test_parameter_areas_are_filled_like_a_loader(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;

	add_reset_page(f);
	assert_true(cvm_igvm_builder_add_parameter_area(f->b, 0, 4096, NULL, &error));
	assert_true(cvm_igvm_builder_add_parameter(f->b, CVM_IGVM_VHT_MEMORY_MAP, 0, 0, &error));
	assert_true(cvm_igvm_builder_add_parameter(f->b, CVM_IGVM_VHT_VP_COUNT_PARAMETER, 0, 0x800, &error));
	assert_true(cvm_igvm_builder_add_parameter(f->b, CVM_IGVM_VHT_COMMAND_LINE, 0, 0x900, &error));
	assert_true(cvm_igvm_builder_add_parameter(f->b, CVM_IGVM_VHT_ENVIRONMENT_INFO_PARAMETER, 0, 0x804, &error));
	assert_true(cvm_igvm_builder_add_parameter_insert(f->b, f->mask, 0x10000, 0, &error));
	cvmt_assert_no_error(error);
	/* 3 GiB: q35 puts 2 GiB below 4 GiB and the rest above. */
	g_autoptr(CvmNativePlan) plan = plan_for(f, 3072 * MiB, &error);
	cvmt_assert_no_error(error);
	GPtrArray *blobs = cvm_native_plan_get_blobs(plan);
	assert_int_equal(blobs->len, 1);
	const CvmNativeBlob *area = g_ptr_array_index(blobs, 0);
	const guint8 *d = g_bytes_get_data(area->data, NULL);
	assert_true(area->gpa == 0x10000);
	assert_true(cvm_read_le64(d + 0) == 0 && cvm_read_le64(d + 8) == 0x80000000 / 4096);
	assert_true(cvm_read_le64(d + 24) == FOUR_GIB / 4096 && cvm_read_le64(d + 32) == 0x40000000 / 4096);
	assert_true(cvm_read_le64(d + 56) == 0); /* terminator */
	assert_int_equal(cvm_read_le32(d + 0x800), 2);
	assert_int_equal(cvm_read_le32(d + 0x804), 1);
	assert_string_equal((const char *)d + 0x900, "console=ttyS0");
	assert_true(cvm_native_plan_get_low_memory(plan) == 0x80000000);
}

static void
expect_failure(Fixture *f, guint64 memory, gint code, const char *needle)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmNativePlan) plan = plan_for(f, memory, &error);
	assert_null(plan);
	cvmt_assert_error(error, code);
	if (strstr(error->message, needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", error->message, needle);
}

static void
test_page_outside_ram_is_rejected(void **state)
{
	Fixture *f = *state;
	g_autoptr(GBytes) p = pattern(4096, 5);
	add_reset_page(f);
	add_pages(f, FOUR_GIB + 512 * MiB, p);
	expect_failure(f, 256 * MiB, CVM_ERROR_INVALID_DATA, "outside guest RAM");
}

static void
test_page_in_mmio_hole_is_rejected(void **state)
{
	Fixture *f = *state;
	g_autoptr(GBytes) p = pattern(4096, 5);
	add_reset_page(f);
	add_pages(f, 0xFEC00000, p);
	expect_failure(f, 256 * MiB, CVM_ERROR_INVALID_DATA, "MMIO hole");
}

static void
test_page_above_small_ram_is_rejected(void **state)
{
	Fixture *f = *state;
	g_autoptr(GBytes) p = pattern(4096, 5);
	add_reset_page(f);
	add_pages(f, 300 * MiB, p);
	expect_failure(f, 256 * MiB, CVM_ERROR_INVALID_DATA, "MMIO hole");
}

static void
test_page_in_legacy_range_is_rejected(void **state)
{
	Fixture *f = *state;
	g_autoptr(GBytes) p = pattern(4096, 5);
	add_reset_page(f);
	add_pages(f, 0xB8000, p);
	expect_failure(f, 256 * MiB, CVM_ERROR_INVALID_DATA, "legacy VGA/BIOS");
}

static void
test_file_without_reset_vector_is_rejected(void **state)
{
	Fixture *f = *state;
	g_autoptr(GBytes) p = pattern(4096, 5);
	add_pages(f, 0x100000, p);
	expect_failure(f, 256 * MiB, CVM_ERROR_INVALID_DATA, "reset vector");
}

static void
test_rom_larger_than_16m_is_rejected(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	assert_true(cvm_igvm_builder_add_zero_pages(f->b, f->mask, FOUR_GIB - 17 * MiB, 17 * MiB / 4096, 0,
						    CVM_IGVM_PAGE_DATA_NORMAL, &error));
	expect_failure(f, 256 * MiB, CVM_ERROR_INVALID_DATA, "-bios ROM");
}

static void
test_parameter_past_its_area_is_rejected(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	add_reset_page(f);
	assert_true(cvm_igvm_builder_add_parameter_area(f->b, 0, 4096, NULL, &error));
	assert_true(cvm_igvm_builder_add_parameter(f->b, CVM_IGVM_VHT_MEMORY_MAP, 0, 4088, &error));
	assert_true(cvm_igvm_builder_add_parameter_insert(f->b, f->mask, 0x10000, 0, &error));
	cvmt_assert_no_error(error);
	expect_failure(f, 256 * MiB, CVM_ERROR_INVALID_DATA, "do not fit");
}

static void
test_acpi_parameter_is_not_supported(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	add_reset_page(f);
	assert_true(cvm_igvm_builder_add_parameter_area(f->b, 0, 4096, NULL, &error));
	assert_true(cvm_igvm_builder_add_parameter(f->b, CVM_IGVM_VHT_MADT, 0, 0, &error));
	assert_true(cvm_igvm_builder_add_parameter_insert(f->b, f->mask, 0x10000, 0, &error));
	cvmt_assert_no_error(error);
	expect_failure(f, 256 * MiB, CVM_ERROR_NOT_SUPPORTED, "MADT");
}

static void
test_vp_context_gives_a_warning(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	CvmIgvmNativeVpContextX64 ctx = {.rip = 0xFFFFFFF0, .cr0 = 0x60000010};
	add_reset_page(f);
	assert_true(cvm_igvm_builder_add_vp_context_native(f->b, f->mask, 0, &ctx, &error));
	cvmt_assert_no_error(error);
	g_autoptr(CvmNativePlan) plan = plan_for(f, 256 * MiB, &error);
	cvmt_assert_no_error(error);
	const char *const *warnings = cvm_native_plan_get_warnings(plan);
	assert_non_null(warnings[0]);
	assert_non_null(strstr(warnings[0], "reset state"));
	assert_null(warnings[1]);
}

static void
test_bad_options_are_rejected(void **state)
{
	Fixture *f = *state;
	add_reset_page(f);
	expect_failure(f, 1 * MiB, CVM_ERROR_INVALID_ARGUMENT, "16 MiB");
}

static void
test_file_without_native_platform_is_rejected(void **state)
{
	(void)state;
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);
	g_autoptr(GError) error = NULL;
	guint32 mask = cvm_igvm_builder_add_platform(b, CVM_PLATFORM_SEV_SNP, 0, 0, 0, &error);
	g_autoptr(GBytes) page = pattern(4096, 1);
	assert_true(cvm_igvm_builder_add_guest_policy(b, mask, 0x30000, &error));
	assert_true(cvm_igvm_builder_add_page_data(b, mask, FOUR_GIB - 4096, 0, CVM_IGVM_PAGE_DATA_NORMAL, page,
						   &error));
	g_autoptr(GBytes) bytes = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(bytes, CVM_IGVM_NONE, &error);
	CvmNativeOptions opts = {256 * MiB, 1, NULL};
	g_autoptr(CvmNativePlan) plan = cvm_native_plan_new(igvm, &opts, &error);
	assert_null(plan);
	cvmt_assert_error(error, CVM_ERROR_NOT_FOUND);
}

static void
test_write_creates_files_and_qemu_args(void **state)
{
	Fixture *f = *state;
	g_autoptr(GBytes) p = pattern(4096, 5);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *tmp = cvmt_mkdtemp();
	g_autofree gchar *dir = g_build_filename(tmp, "a,b", NULL);

	add_reset_page(f);
	add_pages(f, 0x100000, p);
	g_autoptr(CvmNativePlan) plan = plan_for(f, 256 * MiB, &error);
	cvmt_assert_no_error(error);
	assert_true(cvm_native_plan_write(plan, dir, &error));
	cvmt_assert_no_error(error);
	g_autofree gchar *rom = g_build_filename(dir, "bios.rom", NULL);
	g_autoptr(GBytes) rom_bytes = cvmt_read_file(rom);
	assert_int_equal(g_bytes_get_size(rom_bytes), 64 * 1024);
	g_auto(GStrv) args = cvm_native_plan_qemu_args(plan, TRUE);
	assert_int_equal(g_strv_length(args), 4);
	assert_string_equal(args[0], "-bios");
	assert_string_equal(args[1], rom);
	assert_string_equal(args[2], "-device");
	g_autofree gchar *expect = g_strdup_printf("loader,file=%s/a,,b/blob-0000100000.bin,addr=0x100000,force-raw=on",
						   tmp);
	assert_string_equal(args[3], expect);
	/* A second write refuses to replace the first. */
	assert_false(cvm_native_plan_write(plan, dir, &error));
	cvmt_assert_error(error, CVM_ERROR_EXISTS);
	cvmt_rm_rf(tmp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rom_is_padded_to_64k_and_ends_at_4g, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ram_pages_are_coalesced_into_blobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmeasured_and_shared_pages_are_loaded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parameter_areas_are_filled_like_a_loader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_outside_ram_is_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_in_mmio_hole_is_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_above_small_ram_is_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_in_legacy_range_is_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_without_reset_vector_is_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rom_larger_than_16m_is_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parameter_past_its_area_is_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acpi_parameter_is_not_supported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vp_context_gives_a_warning, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_options_are_rejected, setup, teardown),
		cmocka_unit_test(test_file_without_native_platform_is_rejected),
		cmocka_unit_test_setup_teardown(test_write_creates_files_and_qemu_args, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
