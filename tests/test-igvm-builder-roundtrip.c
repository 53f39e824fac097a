/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Writing what we read: files this writer made come back byte for byte
 * through cvm_igvm_builder_new_from_bytes(); broken files are refused. */
#include "tests/lib/testlib.h"

#include <cvm/error.h>
#include <cvm/igvm-manifest.h>
#include <string.h>

static GBytes *
build_manifest(const char *relative, guint32 version)
{
	g_autofree gchar *path = cvmt_src_path(relative);
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_manifest_load(path, version, &error);
	GBytes *file;

	cvmt_assert_no_error(error);
	file = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	return file;
}

static void
assert_round_trip(GBytes *file)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvmBuilder) again = cvm_igvm_builder_new_from_bytes(file, &error);
	g_autoptr(GBytes) rewritten = NULL;

	cvmt_assert_no_error(error);
	rewritten = cvm_igvm_builder_write_bytes(again, &error);
	cvmt_assert_no_error(error);
	assert_int_equal(g_bytes_get_size(rewritten), g_bytes_get_size(file));
	assert_memory_equal(g_bytes_get_data(rewritten, NULL), g_bytes_get_data(file, NULL),
			    g_bytes_get_size(file));
}

static void
test_examples_round_trip_byte_identical(void **state)
{
	static const char *const manifests[] = {
		"examples/hello/manifest.json",
		"examples/snp-hello/manifest.json",
		"tests/fuzz/corpus/fuzz-igvm-manifest/all-directives.json",
	};

	for (guint i = 0; i < G_N_ELEMENTS(manifests); i++) {
		for (guint32 v = 1; v <= 2; v++) {
			g_autoptr(GBytes) file = build_manifest(manifests[i], v);
			assert_round_trip(file);
		}
	}
}

static void
test_shared_pages_and_zero_only_files_round_trip(void **state)
{
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);
	g_autoptr(CvmIgvmBuilder) z = cvm_igvm_builder_new(1);
	guint8 page[4096];
	g_autoptr(GBytes) data = NULL;
	g_autoptr(GBytes) file = NULL;
	g_autoptr(GBytes) zero_file = NULL;
	g_autoptr(GError) error = NULL;

	memset(page, 0x5A, sizeof(page));
	data = g_bytes_new(page, sizeof(page));
	assert_int_equal(cvm_igvm_builder_add_platform(b, CVM_PLATFORM_TDX, 0, 0, 0, &error), 1);
	for (guint i = 0; i < 16; i++)
		assert_true(cvm_igvm_builder_add_page_data(b, 1, i * 4096ull, 0, 0, data, &error));
	file = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	/* 16 identical pages, one blob */
	assert_true(g_bytes_get_size(file) < 2 * 4096);
	assert_round_trip(file);

	assert_int_equal(cvm_igvm_builder_add_platform(z, CVM_PLATFORM_NATIVE, 0, 0, 0, &error),
			 1);
	assert_true(cvm_igvm_builder_add_zero_pages(z, 1, 0, 2, 0, 0, &error));
	zero_file = cvm_igvm_builder_write_bytes(z, &error);
	cvmt_assert_no_error(error);
	assert_round_trip(zero_file);
}

static GBytes *
patched(GBytes *file, gsize offset, guint8 value)
{
	gsize size;
	guint8 *copy = g_memdup2(g_bytes_get_data(file, &size), g_bytes_get_size(file));

	copy[offset] = value;
	return g_bytes_new_take(copy, size);
}

static void
test_import_refuses_a_bad_checksum(void **state)
{
	g_autoptr(GBytes) file = build_manifest("examples/hello/manifest.json", 1);
	g_autoptr(GBytes) bad = patched(file, 24 + 8 + 8, 0x77); /* page data GPA byte */
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new_from_bytes(bad, &error);

	assert_null(b);
	cvmt_assert_error(error, CVM_ERROR_CHECKSUM);
	assert_non_null(strstr(error->message, "byte 20"));
}

static void
test_import_never_reads_outside_the_file(void **state)
{
	g_autoptr(GBytes) file = build_manifest("examples/snp-hello/manifest.json", 2);
	gsize size = g_bytes_get_size(file);
	guint refused = 0;

	/* Every truncation must fail cleanly (ASan checks the reads). */
	for (gsize len = 0; len < size; len += 8) {
		g_autoptr(GBytes) part = g_bytes_new_from_bytes(file, 0, len);
		g_autoptr(GError) error = NULL;
		g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new_from_bytes(part, &error);

		if (b == NULL) {
			assert_non_null(error);
			refused++;
		}
	}
	/* Headers end well before the data; truncating into the data
	 * leaves the headers' file offsets pointing outside. */
	assert_int_equal(refused, (size + 7) / 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples_round_trip_byte_identical),
		cmocka_unit_test(test_shared_pages_and_zero_only_files_round_trip),
		cmocka_unit_test(test_import_refuses_a_bad_checksum),
		cmocka_unit_test(test_import_never_reads_outside_the_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
