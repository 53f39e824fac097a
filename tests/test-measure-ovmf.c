/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* OVMF measurement parity with sev-snp-measure: the 18 vectors of
 * tests/data/third-party/sev-snp-measure/PROVENANCE.md, plus bad input. */
#include "tests/lib/testlib.h"

#include <cvm/error.h>
#include <cvm/measure.h>
#include <string.h>

#define AMDSEV "sev-snp-measure/ovmf_AmdSev_suffix.bin"
#define OVMFX64 "sev-snp-measure/ovmf_OvmfX64_suffix.bin"
#define CMDLINE "console=ttyS0 loglevel=7"

typedef struct {
	const char *fixture;
	CvmPlatform platform;
	guint vcpus;
	gboolean kernel;
	const char *append;
	guint64 features;
	CvmVmmType vmm;
	guint32 sig;
	const char *expected;
} Vector;

static const Vector vectors[] = {
	{ AMDSEV, CVM_PLATFORM_SEV_SNP, 1, TRUE, CMDLINE, 0x21, CVM_VMM_QEMU, 0x800F12,
	  "803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977" },
	{ AMDSEV, CVM_PLATFORM_SEV_SNP, 1, TRUE, CMDLINE, 0x1, CVM_VMM_QEMU, 0x800F12,
	  "6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042e706363b4b08fa" },
	{ AMDSEV, CVM_PLATFORM_SEV_SNP, 1, FALSE, NULL, 0x21, CVM_VMM_QEMU, 0x800F12,
	  "e1e1ca029dd7973ab9513295be68198472dcd4fc834bd9af9b63f6e8a1674dbf281a9278a4a2ebe0eed9f22adbcd0e2b" },
	{ AMDSEV, CVM_PLATFORM_SEV_SNP, 1, FALSE, NULL, 0x1, CVM_VMM_QEMU, 0x800F12,
	  "19358ba9a7615534a9a1e2f0dfc29384dcd4dcb7062ff9c6013b26869a5fc6ecabe033c48dd6f6db5d6d76e7c5df632d" },
	{ AMDSEV, CVM_PLATFORM_SEV_SNP, 4, TRUE, "", 0x21, CVM_VMM_QEMU, 0x800F12,
	  "4953b1fb416fa874980e8442b3706d345926d5f38879134e00813c5d7abcbe78eafe7b422907be0b4698e2414a631942" },
	{ AMDSEV, CVM_PLATFORM_SEV_SNP, 4, TRUE, "", 0x1, CVM_VMM_QEMU, 0x800F12,
	  "5061fffb019493a903613d56d54b94912a1a2f9e4502385f5c194616753720a92441310ba6c4933de877c36e23046ad5" },
	{ OVMFX64, CVM_PLATFORM_SEV_SNP, 1, FALSE, NULL, 0x21, CVM_VMM_QEMU, 0x800F12,
	  "28797ae0afaba4005a81e629acebfb59e6687949d6be44007cd5506823b0dd66f146aaae26ff291eed7b493d8a64c385" },
	{ OVMFX64, CVM_PLATFORM_SEV_SNP, 1, FALSE, NULL, 0x1, CVM_VMM_QEMU, 0x800F12,
	  "da0296de8193586a5512078dcd719eccecbd87e2b825ad4148c44f665dc87df21e5b49e21523a9ad993afdb6a30b4005" },
	{ AMDSEV, CVM_PLATFORM_SEV_SNP, 1, TRUE, "", 0x21, CVM_VMM_EC2, 0x800F12,
	  "0ce9ccc06bab55eebe8abc234f3df6514883977a68a591b71052498ab52b2f1aa415db338033946ef93aa8278c0d67fb" },
	{ AMDSEV, CVM_PLATFORM_SEV_SNP, 1, TRUE, "", 0x1, CVM_VMM_GCE, 0,
	  "5da7106cf14cf46b1725ebab123eb9e53bd46a1e9f400cd0c08e7827b04b688ea8b4e403c8404efed4397ea5d5d0722e" },
	{ AMDSEV, CVM_PLATFORM_SEV_SNP, 4, TRUE, "", 0x1, CVM_VMM_GCE, 0,
	  "5c5debf100fc339f90276e761ee1f1658d08922c3b20e2a2e6c7a6c3370b2452a15a00eae11886a93d6fd1e7ab81e29d" },
	{ AMDSEV, CVM_PLATFORM_SEV_ES, 1, TRUE, "", 0, CVM_VMM_QEMU, 0x800F12,
	  "13810ae661ea11e2bb205621f582fee268f0367c8f97bc297b7fadef3e12002c" },
	{ AMDSEV, CVM_PLATFORM_SEV_ES, 4, TRUE, "", 0, CVM_VMM_QEMU, 0x800F12,
	  "0dccbcaba8e90b261bd0d2e1863a2f9da714768b7b2a19363cd6ae35aa90de91" },
	{ AMDSEV, CVM_PLATFORM_SEV, 1, TRUE, CMDLINE, 0, CVM_VMM_QEMU, 0x800F12,
	  "82a3ee5d537c3620628270c292ae30cb40c3c878666a7890ee7ef2a08fb535ff" },
	{ AMDSEV, CVM_PLATFORM_SEV, 1, TRUE, NULL, 0, CVM_VMM_QEMU, 0x800F12,
	  "77f613d7bbcdf12a73782ea9e88b0172aeda50d1a54201cb903594ff52846898" },
};

typedef struct {
	gchar *dir;
	gchar *kernel;
	gchar *initrd;
} Fixture;

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);

	f->dir = cvmt_mkdtemp();
	f->kernel = g_build_filename(f->dir, "vmlinuz", NULL);
	f->initrd = g_build_filename(f->dir, "initrd", NULL);
	g_file_set_contents(f->kernel, "", 0, NULL);
	g_file_set_contents(f->initrd, "", 0, NULL);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;

	cvmt_rm_rf(f->dir);
	g_free(f->dir);
	g_free(f->kernel);
	g_free(f->initrd);
	g_free(f);
	return 0;
}

static gchar *
measure_hex(const char *fixture, const CvmMeasureOptions *opts)
{
	g_autofree gchar *path = cvmt_third_party_path(fixture);
	g_autoptr(GError) error = NULL;
	CvmDigest d;

	if (!cvm_measure_ovmf_file(path, opts, &d, &error))
		fail_msg("%s: %s", fixture, error->message);
	return cvm_digest_to_hex(&d);
}

static void
test_sev_snp_measure_vectors_match(void **state)
{
	Fixture *f = *state;

	for (gsize i = 0; i < G_N_ELEMENTS(vectors); i++) {
		const Vector *v = &vectors[i];
		CvmMeasureOptions o;
		cvm_measure_options_init(&o);
		o.platform = v->platform;
		o.vcpus = v->vcpus;
		o.guest_features = v->features;
		o.vmm = v->vmm;
		o.vcpu_sig = v->sig;
		if (v->kernel) {
			o.kernel = f->kernel;
			o.initrd = f->initrd;
			o.append = v->append;
		}
		g_autofree gchar *hex = measure_hex(v->fixture, &o);
		if (strcmp(hex, v->expected) != 0)
			fail_msg("vector %zu (%s, %u vCPUs): got %s, want %s", i, v->fixture, v->vcpus, hex,
				 v->expected);
	}
}

static void
test_snp_ovmf_hash_matches_and_seeds_the_digest(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *path = cvmt_third_party_path(AMDSEV);
	g_autoptr(GBytes) fw = cvmt_read_file(path);
	g_autoptr(GError) error = NULL;
	CvmMeasureOptions o;
	CvmDigest d;

	cvm_measure_options_init(&o);
	assert_true(cvm_measure_snp_ovmf_hash(g_bytes_get_data(fw, NULL), g_bytes_get_size(fw), &o, &d, &error));
	g_autofree gchar *hex = cvm_digest_to_hex(&d);
	assert_string_equal(hex, "086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2c37faaa4b24af3aa16aff8c374c2a55c"
				 "467a50da6d466b74");
	/* Seeded with the OVMF hash, the result is the full digest (vector 1). */
	memcpy(o.snp_ovmf_hash, d.bytes, 48);
	o.has_snp_ovmf_hash = TRUE;
	o.guest_features = 0x21;
	o.kernel = f->kernel;
	o.initrd = f->initrd;
	o.append = CMDLINE;
	g_autofree gchar *full = measure_hex(AMDSEV, &o);
	assert_string_equal(full, vectors[0].expected);
}

static void
test_snp_svsm_vectors_match(void **state)
{
	static const struct {
		guint vcpus;
		const char *expected;
	} svsm[] = {
		{ 4, "27d154c27b7b359c935e250ec6fee72aa0ae8c1225e3b0e1cf46a9567e938066d7d6f94bbdc4a857818bdb79277a44b2" },
		{ 2, "9b94745036aafddf4f7f8b00c7513abb5b7703178cb95aaa57928bd963d68d3bfcb715d6019b9167ee2517b11b0d9be7" },
	};
	g_autofree gchar *svsm_path = cvmt_third_party_path("sev-snp-measure/svsm.bin");

	for (gsize i = 0; i < G_N_ELEMENTS(svsm); i++) {
		CvmMeasureOptions o;
		cvm_measure_options_init(&o);
		o.svsm = svsm_path;
		o.ovmf_vars_size = 540672;
		o.vcpus = svsm[i].vcpus;
		g_autofree gchar *hex = measure_hex("sev-snp-measure/svsm_ovmf.fd", &o);
		assert_string_equal(hex, svsm[i].expected);
	}
}

static void
test_kernel_without_hash_section_is_rejected(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *path = cvmt_third_party_path(OVMFX64);
	g_autoptr(GError) error = NULL;
	CvmMeasureOptions o;
	CvmDigest d;

	cvm_measure_options_init(&o);
	o.kernel = f->kernel;
	for (int p = CVM_PLATFORM_SEV_SNP; p <= CVM_PLATFORM_SEV; p++) {
		o.platform = p;
		assert_false(cvm_measure_ovmf_file(path, &o, &d, &error));
		cvmt_assert_error(error, CVM_ERROR_NOT_FOUND);
		g_clear_error(&error);
	}
}

static void
test_truncated_firmware_is_rejected(void **state)
{
	g_autofree gchar *path = cvmt_third_party_path(AMDSEV);
	g_autoptr(GBytes) fw = cvmt_read_file(path);
	g_autoptr(GError) error = NULL;
	CvmMeasureOptions o;
	CvmDigest d;

	cvm_measure_options_init(&o);
	assert_false(cvm_measure_ovmf(g_bytes_get_data(fw, NULL), g_bytes_get_size(fw) - 100, &o, &d, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_DATA);
}

static void
test_firmware_without_footer_table_has_no_metadata(void **state)
{
	g_autofree guint8 *fw = g_malloc0(8192);
	g_autoptr(GError) error = NULL;
	CvmMeasureOptions o;
	CvmDigest d;

	cvm_measure_options_init(&o);
	assert_false(cvm_measure_ovmf(fw, 8192, &o, &d, &error));
	cvmt_assert_error(error, CVM_ERROR_NOT_FOUND);
	g_clear_error(&error);
	o.platform = CVM_PLATFORM_TDX;
	assert_false(cvm_measure_ovmf(fw, 8192, &o, &d, &error));
	cvmt_assert_error(error, CVM_ERROR_NOT_FOUND);
}

static void
test_unknown_platform_name_is_rejected(void **state)
{
	g_autoptr(GError) error = NULL;
	CvmPlatform p;

	assert_false(cvm_platform_from_string("sev-xyz", &p, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	assert_true(cvm_platform_from_string("SNP", &p, NULL));
	assert_int_equal(p, CVM_PLATFORM_SEV_SNP);
}

/* virtee/sev src/session/mod.rs test "verify": a real PSP MEASURE value. */
static void
test_sev_measure_hmac_matches_virtee_sev_vector(void **state)
{
	static const guint8 tik[16] = { 0x66, 0x32, 0x0d, 0xb7, 0x31, 0x58, 0xa3, 0x5a,
					0x25, 0x5d, 0x05, 0x17, 0x58, 0xe9, 0x5e, 0xd4 };
	static const guint8 mnonce[16] = { 0x4f, 0xbe, 0x0b, 0xed, 0xba, 0xd6, 0xc8, 0x6a,
					   0xe8, 0xf6, 0x89, 0x71, 0xd1, 0x03, 0xe5, 0x54 };
	static const guint8 want[32] = { 0x6f, 0xaa, 0xb2, 0xda, 0xae, 0x38, 0x9b, 0xcd, 0x34, 0x05, 0xa0,
					 0x5d, 0x6c, 0xaf, 0xe3, 0x3c, 0x04, 0x14, 0xf7, 0xbe, 0xdd, 0x0b,
					 0xae, 0x19, 0xba, 0x5f, 0x38, 0xb7, 0xfd, 0x16, 0x64, 0xea };
	/* The digest is SHA-256 of nothing. */
	CvmDigest d = { .platform = CVM_PLATFORM_SEV, .len = 32,
			.bytes = { 0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
				   0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
				   0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55 } };
	guint8 out[32];

	assert_true(cvm_sev_measure_hmac(&d, tik, 0x00, 0x12, 0x0f, 0, mnonce, out, NULL));
	assert_memory_equal(out, want, 32);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sev_snp_measure_vectors_match, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snp_ovmf_hash_matches_and_seeds_the_digest, setup, teardown),
		cmocka_unit_test(test_snp_svsm_vectors_match),
		cmocka_unit_test_setup_teardown(test_kernel_without_hash_section_is_rejected, setup, teardown),
		cmocka_unit_test(test_truncated_firmware_is_rejected),
		cmocka_unit_test(test_firmware_without_footer_table_has_no_metadata),
		cmocka_unit_test(test_unknown_platform_name_is_rejected),
		cmocka_unit_test(test_sev_measure_hmac_matches_virtee_sev_vector),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
