/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of the vmfwupdate and vm-launch-update wire codecs (fwupdate/codec.c). */
#include "tests/lib/testlib.h"
#include <cvm/error.h>
#include <cvm/fwupdate-wire.h>
#include <string.h>

static guint64
le64_at(const guint8 *b, gsize off)
{
	guint64 v;

	memcpy(&v, b + off, 8);
	return GUINT64_FROM_LE(v);
}

static guint16
le16_at(const guint8 *b, gsize off)
{
	guint16 v;

	memcpy(&v, b + off, 2);
	return GUINT16_FROM_LE(v);
}

static void
test_vmfwupdate_layout_is_byte_exact(void **state)
{
	CvmVmfwupdate in = { .capabilities = CVM_VMFWUPDATE_CAP_IGVM_IMAGES,
			     .firmware_size = 0x400000, .opaque_addr = 0x1000,
			     .regions_addr = 0x200000, .regions_count = 3,
			     .control = CVM_VMFWUPDATE_CTL_DISABLE };
	g_autoptr(GBytes) blob = cvm_vmfwupdate_encode(&in);
	gsize len;
	const guint8 *b = g_bytes_get_data(blob, &len);

	(void)state;
	assert_int_equal(len, 0x28);
	assert_int_equal(le64_at(b, 0x00), 0x2);
	assert_int_equal(le64_at(b, 0x08), 0x400000);
	assert_int_equal(le64_at(b, 0x10), 0x1000);
	assert_int_equal(le64_at(b, 0x18), 0x200000);
	assert_int_equal(le16_at(b, 0x20), 3);
	assert_int_equal(le16_at(b, 0x22), 1);
	assert_int_equal(le16_at(b, 0x24) | le16_at(b, 0x26), 0);
}

static void
test_vmfwupdate_roundtrips(void **state)
{
	CvmVmfwupdate in = { 0x3, 0xffc00000, 0x7000, 0x8000, 2, 0 }, out;
	g_autoptr(GBytes) blob = cvm_vmfwupdate_encode(&in);
	g_autoptr(GError) error = NULL;

	(void)state;
	assert_true(cvm_vmfwupdate_decode(g_bytes_get_data(blob, NULL), 0x28, &out, &error));
	assert_int_equal(out.capabilities, in.capabilities);
	assert_int_equal(out.firmware_size, in.firmware_size);
	assert_int_equal(out.opaque_addr, in.opaque_addr);
	assert_int_equal(out.regions_addr, in.regions_addr);
	assert_int_equal(out.regions_count, in.regions_count);
	assert_int_equal(out.control, in.control);
}

static void
test_vmfwupdate_short_struct_is_truncated(void **state)
{
	guint8 b[0x27] = { 0 };
	CvmVmfwupdate out;
	g_autoptr(GError) error = NULL;

	(void)state;
	assert_false(cvm_vmfwupdate_decode(b, sizeof(b), &out, &error));
	assert_true(g_error_matches(error, CVM_ERROR, CVM_ERROR_TRUNCATED));
}

static void
test_region_entries_are_32_bytes_in_field_order(void **state)
{
	CvmVmfwupdateRegion r[2] = {
		{ 0x10000, 0x100000, 0xffff0000, CVM_VMFWUPDATE_REGION_COPY |
						 CVM_VMFWUPDATE_REGION_MEASURE },
		{ 0x2000, 0, 0x800000, CVM_VMFWUPDATE_REGION_ZERO },
	};
	g_autoptr(GBytes) blob = cvm_vmfwupdate_regions_encode(r, 2);
	g_autofree CvmVmfwupdateRegion *back = NULL;
	g_autoptr(GError) error = NULL;
	gsize len;
	const guint8 *b = g_bytes_get_data(blob, &len);

	(void)state;
	assert_int_equal(len, 64);
	assert_int_equal(le64_at(b, 0x00), 0x10000);
	assert_int_equal(le64_at(b, 0x08), 0x100000);
	assert_int_equal(le64_at(b, 0x10), 0xffff0000);
	assert_int_equal(le64_at(b, 0x18), 0x5);
	assert_int_equal(le64_at(b, 0x38), 0x2);
	assert_true(cvm_vmfwupdate_regions_decode(b, len, 2, &back, &error));
	assert_memory_equal(back, r, sizeof(r));
}

static void
test_region_array_shorter_than_count_is_truncated(void **state)
{
	CvmVmfwupdateRegion r[1] = { { 0x1000, 0x1000, 0x2000, CVM_VMFWUPDATE_REGION_COPY } };
	g_autoptr(GBytes) blob = cvm_vmfwupdate_regions_encode(r, 1);
	g_autofree CvmVmfwupdateRegion *back = NULL;
	g_autoptr(GError) error = NULL;

	(void)state;
	assert_false(cvm_vmfwupdate_regions_decode(g_bytes_get_data(blob, NULL), 32, 2, &back,
						   &error));
	assert_true(g_error_matches(error, CVM_ERROR, CVM_ERROR_TRUNCATED));
	assert_non_null(strstr(error->message, "0x20"));
	assert_null(back);
}

static void
test_region_with_unknown_flag_is_rejected(void **state)
{
	CvmVmfwupdateRegion r[1] = { { 0x1000, 0x1000, 0x2000, 0x40000 } };
	g_autoptr(GBytes) blob = cvm_vmfwupdate_regions_encode(r, 1);
	g_autofree CvmVmfwupdateRegion *back = NULL;
	g_autoptr(GError) error = NULL;

	(void)state;
	assert_false(cvm_vmfwupdate_regions_decode(g_bytes_get_data(blob, NULL), 32, 1, &back,
						   &error));
	assert_true(g_error_matches(error, CVM_ERROR, CVM_ERROR_INVALID_DATA));
	assert_non_null(strstr(error->message, "0x18"));
}

static void
test_region_count_above_limit_is_rejected(void **state)
{
	g_autofree CvmVmfwupdateRegion *back = NULL;
	g_autoptr(GError) error = NULL;
	static guint8 big[(CVM_VMFWUPDATE_MAX_REGIONS + 1) * 32];

	(void)state;
	assert_false(cvm_vmfwupdate_regions_decode(big, sizeof(big), CVM_VMFWUPDATE_MAX_REGIONS + 1,
						   &back, &error));
	assert_true(g_error_matches(error, CVM_ERROR, CVM_ERROR_INVALID_DATA));
}

static void
test_vmlaunchupdate_layout_is_byte_exact(void **state)
{
	CvmVmlaunchupdate in = { .version = 1, .status = CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL,
				 .capabilities = CVM_VMLAUNCHUPDATE_FORMAT_IGVM,
				 .control = CVM_VMLAUNCHUPDATE_FORMAT_IGVM |
					    CVM_VMLAUNCHUPDATE_CTL_HOST_IGVM,
				 .fw_image_addr = 0x1000000, .fw_image_size = 0x3000,
				 .opaque_addr = 0x9000, .opaque_size = 0x1000 };
	g_autoptr(GBytes) blob = cvm_vmlaunchupdate_encode(&in);
	gsize len;
	const guint8 *b = g_bytes_get_data(blob, &len);

	(void)state;
	assert_int_equal(len, 56);
	assert_int_equal(le16_at(b, 0x00), 1);
	assert_int_equal(le16_at(b, 0x02), 1);
	assert_int_equal(le16_at(b, 0x04) | le16_at(b, 0x06), 0);
	assert_int_equal(le64_at(b, 0x08), 0x100000000ull);
	assert_int_equal(le64_at(b, 0x10), 0x100000002ull);
	assert_int_equal(le64_at(b, 0x18), 0x1000000);
	assert_int_equal(le64_at(b, 0x20), 0x3000);
	assert_int_equal(le64_at(b, 0x28), 0x9000);
	assert_int_equal(le64_at(b, 0x30), 0x1000);
}

static void
test_vmlaunchupdate_roundtrips_and_ignores_padding(void **state)
{
	CvmVmlaunchupdate in = { 1, 0, CVM_VMLAUNCHUPDATE_FORMAT_IGVM,
				 CVM_VMLAUNCHUPDATE_CTL_DISABLE, 0, 0, 0x5000, 0x1000 }, out;
	g_autoptr(GBytes) blob = cvm_vmlaunchupdate_encode(&in);
	g_autoptr(GError) error = NULL;
	guint8 b[56];

	(void)state;
	memcpy(b, g_bytes_get_data(blob, NULL), 56);
	b[5] = 0xaa;
	assert_true(cvm_vmlaunchupdate_decode(b, 56, &out, &error));
	assert_int_equal(out.version, in.version);
	assert_int_equal(out.status, in.status);
	assert_int_equal(out.capabilities, in.capabilities);
	assert_int_equal(out.control, in.control);
	assert_int_equal(out.fw_image_addr, in.fw_image_addr);
	assert_int_equal(out.fw_image_size, in.fw_image_size);
	assert_int_equal(out.opaque_addr, in.opaque_addr);
	assert_int_equal(out.opaque_size, in.opaque_size);
}

static void
test_vmlaunchupdate_short_file_is_truncated(void **state)
{
	guint8 b[55] = { 1 };
	CvmVmlaunchupdate out;
	g_autoptr(GError) error = NULL;

	(void)state;
	assert_false(cvm_vmlaunchupdate_decode(b, sizeof(b), &out, &error));
	assert_true(g_error_matches(error, CVM_ERROR, CVM_ERROR_TRUNCATED));
}

static void
test_vmlaunchupdate_version_2_is_rejected(void **state)
{
	CvmVmlaunchupdate in = { .version = 2 }, out;
	g_autoptr(GBytes) blob = cvm_vmlaunchupdate_encode(&in);
	g_autoptr(GError) error = NULL;

	(void)state;
	assert_false(cvm_vmlaunchupdate_decode(g_bytes_get_data(blob, NULL), 56, &out, &error));
	assert_true(g_error_matches(error, CVM_ERROR, CVM_ERROR_INVALID_DATA));
}

static void
test_vmlaunchupdate_unknown_control_bit_is_rejected(void **state)
{
	CvmVmlaunchupdate in = { .version = 1, .control = 1ull << 5 }, out;
	g_autoptr(GBytes) blob = cvm_vmlaunchupdate_encode(&in);
	g_autoptr(GError) error = NULL;

	(void)state;
	assert_false(cvm_vmlaunchupdate_decode(g_bytes_get_data(blob, NULL), 56, &out, &error));
	assert_true(g_error_matches(error, CVM_ERROR, CVM_ERROR_INVALID_DATA));
	assert_non_null(strstr(error->message, "0x10"));
}

static void
test_vmlaunchupdate_status_names(void **state)
{
	(void)state;
	assert_string_equal(cvm_vmlaunchupdate_status_name(0), "success");
	assert_string_equal(cvm_vmlaunchupdate_status_name(1), "load-fail");
	assert_string_equal(cvm_vmlaunchupdate_status_name(2), "not-igvm-init");
	assert_null(cvm_vmlaunchupdate_status_name(3));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmfwupdate_layout_is_byte_exact),
		cmocka_unit_test(test_vmfwupdate_roundtrips),
		cmocka_unit_test(test_vmfwupdate_short_struct_is_truncated),
		cmocka_unit_test(test_region_entries_are_32_bytes_in_field_order),
		cmocka_unit_test(test_region_array_shorter_than_count_is_truncated),
		cmocka_unit_test(test_region_with_unknown_flag_is_rejected),
		cmocka_unit_test(test_region_count_above_limit_is_rejected),
		cmocka_unit_test(test_vmlaunchupdate_layout_is_byte_exact),
		cmocka_unit_test(test_vmlaunchupdate_roundtrips_and_ignores_padding),
		cmocka_unit_test(test_vmlaunchupdate_short_file_is_truncated),
		cmocka_unit_test(test_vmlaunchupdate_version_2_is_rejected),
		cmocka_unit_test(test_vmlaunchupdate_unknown_control_bit_is_rejected),
		cmocka_unit_test(test_vmlaunchupdate_status_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
