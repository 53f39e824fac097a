/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --explain: digests of known parameters are explained back to them (the
 * sev-snp-measure vectors, and digests cvm_measure_ovmf()/cvm_measure_igvm()
 * compute here for parameters away from the defaults); a digest with one
 * flipped bit gets no match, with the given parameters among the nearest. */
#include "tests/lib/testlib.h"

#include <cvm/error.h>
#include <cvm/igvm-builder.h>
#include <cvm/measure-explain.h>
#include <json-c/json.h>
#include <string.h>

#define AMDSEV "sev-snp-measure/ovmf_AmdSev_suffix.bin"
#define OVMFX64 "sev-snp-measure/ovmf_OvmfX64_suffix.bin"
#define CMDLINE "console=ttyS0 loglevel=7"
#define DEBIAN_OVMF "/usr/share/ovmf/OVMF.fd"

/* tests/data/third-party/sev-snp-measure/PROVENANCE.md, "Known answers". */
typedef struct {
	const char *fixture;
	guint vcpus;
	gboolean kernel;
	const char *append;
	guint64 features;
	CvmVmmType vmm;
	const char *expected;
} Vector;

static const Vector vectors[] = {
	{ AMDSEV, 1, TRUE, CMDLINE, 0x21, CVM_VMM_QEMU,
	  "803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977" },
	{ AMDSEV, 1, FALSE, NULL, 0x21, CVM_VMM_QEMU,
	  "e1e1ca029dd7973ab9513295be68198472dcd4fc834bd9af9b63f6e8a1674dbf281a9278a4a2ebe0eed9f22adbcd0e2b" },
	{ AMDSEV, 4, TRUE, "", 0x1, CVM_VMM_QEMU,
	  "5061fffb019493a903613d56d54b94912a1a2f9e4502385f5c194616753720a92441310ba6c4933de877c36e23046ad5" },
	{ OVMFX64, 1, FALSE, NULL, 0x21, CVM_VMM_QEMU,
	  "28797ae0afaba4005a81e629acebfb59e6687949d6be44007cd5506823b0dd66f146aaae26ff291eed7b493d8a64c385" },
	{ AMDSEV, 1, TRUE, "", 0x21, CVM_VMM_EC2,
	  "0ce9ccc06bab55eebe8abc234f3df6514883977a68a591b71052498ab52b2f1aa415db338033946ef93aa8278c0d67fb" },
	{ AMDSEV, 4, TRUE, "", 0x1, CVM_VMM_GCE,
	  "5c5debf100fc339f90276e761ee1f1658d08922c3b20e2a2e6c7a6c3370b2452a15a00eae11886a93d6fd1e7ab81e29d" },
	{ AMDSEV, 4, TRUE, "", 0, CVM_VMM_QEMU, "0dccbcaba8e90b261bd0d2e1863a2f9da714768b7b2a19363cd6ae35aa90de91" },
	{ AMDSEV, 1, TRUE, NULL, 0, CVM_VMM_QEMU, "77f613d7bbcdf12a73782ea9e88b0172aeda50d1a54201cb903594ff52846898" },
};

/* An empty -kernel and -initrd, as in the vectors. */
#define EMPTY_FILE "/dev/null"

static gsize
unhex(const char *hex, guint8 *out)
{
	gsize n = strlen(hex) / 2;

	for (gsize i = 0; i < n; i++)
		out[i] = g_ascii_xdigit_value(hex[2 * i]) << 4 | g_ascii_xdigit_value(hex[2 * i + 1]);
	return n;
}

static CvmExplain *
explain_ovmf(GBytes *fw, const CvmMeasureOptions *given, const guint8 *digest, gsize len)
{
	g_autoptr(GError) error = NULL;
	CvmExplain *e = cvm_measure_explain_ovmf(g_bytes_get_data(fw, NULL), g_bytes_get_size(fw), given, digest, len,
						 0, &error);

	cvmt_assert_no_error(error);
	assert_non_null(e);
	return e;
}

/* A match in @e with @want's platform, count, features, VMM and AP EIP. */
static void
assert_matched(const CvmExplain *e, const CvmMeasureOptions *want, gboolean check_sig)
{
	for (guint i = 0; cvm_explain_get_match(e, i) != NULL; i++) {
		const CvmMeasureOptions *m = cvm_explain_get_match(e, i);
		if (m->platform == want->platform && m->vcpus == want->vcpus &&
		    (want->platform != CVM_PLATFORM_SEV_SNP || m->guest_features == want->guest_features) &&
		    m->vmm == want->vmm && m->ap_eip == want->ap_eip && (!check_sig || m->vcpu_sig == want->vcpu_sig) &&
		    g_strcmp0(m->append, want->append) == 0 && (m->kernel != NULL) == (want->kernel != NULL) &&
		    m->tdx_two_pass == want->tdx_two_pass)
			return;
	}
	g_autofree gchar *text = cvm_explain_to_text(e, "cvmctl measure --ovmf F");
	fail_msg("no match with the generating parameters:\n%s", text);
}

static void
test_sev_snp_measure_vectors_explained(void **state)
{
	for (gsize i = 0; i < G_N_ELEMENTS(vectors); i++) {
		const Vector *v = &vectors[i];
		g_autofree gchar *path = cvmt_third_party_path(v->fixture);
		g_autoptr(GBytes) fw = cvmt_read_file(path);
		guint8 digest[48];
		gsize len = unhex(v->expected, digest);
		CvmMeasureOptions given, want;

		/* The caller knows the files, not how the launch used them. */
		cvm_measure_options_init(&given);
		given.kernel = v->kernel ? EMPTY_FILE : NULL;
		given.initrd = v->kernel ? EMPTY_FILE : NULL;
		given.append = v->kernel ? CMDLINE : NULL;
		want = given;
		want.platform = len == 32 ? (v->vcpus == 4 ? CVM_PLATFORM_SEV_ES : CVM_PLATFORM_SEV)
					  : CVM_PLATFORM_SEV_SNP;
		want.vcpus = v->vcpus;
		want.guest_features = v->features;
		want.vmm = v->vmm;
		want.append = v->append && *v->append ? CMDLINE : NULL;
		g_autoptr(CvmExplain) e = explain_ovmf(fw, &given, digest, len);
		print_message("vector %zu: %" G_GUINT64_FORMAT " candidates\n", i, cvm_explain_get_candidates(e));
		assert_matched(e, &want, v->vmm == CVM_VMM_QEMU);
	}
}

static void
test_generated_ovmf_digests_explained(void **state)
{
	g_autoptr(GBytes) fw = cvmt_read_file(DEBIAN_OVMF);
	struct {
		CvmPlatform platform;
		guint vcpus;
		guint32 sig;
		guint64 features;
		CvmVmmType vmm;
		guint32 ap_eip;
		gboolean two_pass;
	} cases[] = {
		{ CVM_PLATFORM_SEV_SNP, 37, 0xA10F10, 0x221, CVM_VMM_QEMU, 0, FALSE },
		{ CVM_PLATFORM_SEV_SNP, 64, 0xB00F00, 0x261, CVM_VMM_QEMU, 0xfffffff0, FALSE },
		{ CVM_PLATFORM_SEV_SNP, 2, 0x800F12, 0x41, CVM_VMM_GCE, 0, FALSE },
		{ CVM_PLATFORM_SEV_ES, 5, 0x800F12, 0, CVM_VMM_EC2, 0xfffffff0, FALSE },
		{ CVM_PLATFORM_SEV_ES, 12, 0xA00F11, 0, CVM_VMM_QEMU, 0, FALSE },
		{ CVM_PLATFORM_SEV, 1, 0x800F12, 0x1, CVM_VMM_QEMU, 0, FALSE },
		{ CVM_PLATFORM_TDX, 1, 0x800F12, 0x1, CVM_VMM_QEMU, 0, TRUE },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		CvmMeasureOptions want, given;
		CvmDigest d;

		cvm_measure_options_init(&want);
		want.platform = cases[i].platform;
		want.vcpus = cases[i].vcpus;
		want.vcpu_sig = cases[i].sig;
		want.guest_features = cases[i].features;
		want.vmm = cases[i].vmm;
		want.ap_eip = cases[i].ap_eip;
		want.tdx_two_pass = cases[i].two_pass;
		assert_true(cvm_measure_ovmf(g_bytes_get_data(fw, NULL), g_bytes_get_size(fw), &want, &d, &error));
		cvm_measure_options_init(&given);
		g_autoptr(CvmExplain) e = explain_ovmf(fw, &given, d.bytes, d.len);
		if (want.platform != CVM_PLATFORM_SEV_SNP && want.platform != CVM_PLATFORM_SEV_ES) {
			/* Nothing of the vCPUs enters these digests. */
			want.vcpus = 1;
			want.vcpu_sig = given.vcpu_sig;
			want.vmm = given.vmm;
		}
		assert_matched(e, &want, want.vmm == CVM_VMM_QEMU);
		/* With APs, the AP EIP convention is in the digest: no match
		 * with the other one. */
		for (guint m = 0; want.vcpus > 1 && cvm_explain_get_match(e, m) != NULL; m++)
			assert_int_equal(cvm_explain_get_match(e, m)->ap_eip, want.ap_eip);
	}
}

static void
test_flipped_bit_gives_nearest_candidates(void **state)
{
	g_autoptr(GBytes) fw = cvmt_read_file(DEBIAN_OVMF);
	g_autoptr(GError) error = NULL;
	CvmMeasureOptions o;
	CvmDigest given_digest, d;

	cvm_measure_options_init(&o);
	o.vcpus = 4;
	assert_true(cvm_measure_ovmf(g_bytes_get_data(fw, NULL), g_bytes_get_size(fw), &o, &given_digest, &error));
	o.vcpus = 9;
	o.guest_features = 0x21;
	assert_true(cvm_measure_ovmf(g_bytes_get_data(fw, NULL), g_bytes_get_size(fw), &o, &d, &error));
	d.bytes[17] ^= 0x08;
	o.vcpus = 4;
	o.guest_features = 0x1;
	g_autoptr(CvmExplain) e = explain_ovmf(fw, &o, d.bytes, d.len);
	assert_null(cvm_explain_get_match(e, 0));
	/* Every count, model, feature set, VMM and AP EIP of the default space. */
	assert_true(cvm_explain_get_candidates(e) >= 64 * 5 * 8);

	g_autofree gchar *json = cvm_explain_to_json(e, "cvmctl measure --ovmf OVMF.fd");
	json_object *root = json_tokener_parse(json), *v, *first, *digest, *cmd;
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "match", &v));
	assert_false(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(root, "nearest", &v));
	assert_true(json_object_array_length(v) > 10);
	/* The given parameters come first, with their own digest. */
	first = json_object_array_get_idx(v, 0);
	assert_false(json_object_object_get_ex(first, "changed", NULL));
	assert_true(json_object_object_get_ex(first, "digest", &digest));
	g_autofree gchar *hex = cvm_digest_to_hex(&given_digest);
	assert_string_equal(json_object_get_string(digest), hex);
	assert_true(json_object_object_get_ex(first, "command", &cmd));
	assert_string_equal(json_object_get_string(cmd), "cvmctl measure --ovmf OVMF.fd --platform sev-snp --vcpus 4");
	assert_true(json_object_object_get_ex(root, "tried", &v));
	assert_true(json_object_array_length(v) > 3);
	json_object_put(root);

	g_autofree gchar *text = cvm_explain_to_text(e, "cvmctl measure --ovmf OVMF.fd");
	assert_non_null(strstr(text, "no match for"));
	assert_non_null(strstr(text, "  vcpus "));
	assert_non_null(strstr(text, "--vcpus 5"));
	assert_non_null(strstr(text, "sev-snp: vmm: qemu, ec2, gce"));
}

static GBytes *
wrapped_ovmf(GBytes *fw, guint platforms)
{
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);
	g_autoptr(GError) error = NULL;
	CvmMeasureOptions o;

	cvm_measure_options_init(&o);
	if (!cvm_igvm_add_ovmf(b, g_bytes_get_data(fw, NULL), g_bytes_get_size(fw), platforms, &o, &error))
		fail_msg("%s", error->message);
	GBytes *file = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	return file;
}

static void
test_igvm_conventions_explained(void **state)
{
	g_autoptr(GBytes) fw = cvmt_read_file(DEBIAN_OVMF);
	g_autoptr(GBytes) file = wrapped_ovmf(fw, CVM_OVMF_WRAP_SEV_SNP | CVM_OVMF_WRAP_SEV_ES);
	const guint8 *data = g_bytes_get_data(file, NULL);
	gsize len = g_bytes_get_size(file);
	struct {
		guint vcpus;
		gboolean native_zero, one_page, bsp_only;
	} cases[] = { { 300, TRUE, FALSE, FALSE }, { 512, FALSE, TRUE, FALSE }, { 1, TRUE, TRUE, TRUE } };

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		CvmMeasureOptions want, given;
		CvmDigest d;
		gboolean found = FALSE;

		cvm_measure_options_init(&want);
		want.vcpus = cases[i].vcpus;
		want.native_zero = cases[i].native_zero;
		want.param_insert_one_page = cases[i].one_page;
		want.bsp_only = cases[i].bsp_only;
		assert_true(cvm_measure_igvm(data, len, &want, &d, NULL, &error));
		cvm_measure_options_init(&given);
		g_autoptr(CvmExplain) e = cvm_measure_explain_igvm(data, len, &given, d.bytes, d.len, 0, &error);
		cvmt_assert_no_error(error);
		for (guint m = 0; cvm_explain_get_match(e, m) != NULL; m++) {
			const CvmMeasureOptions *o = cvm_explain_get_match(e, m);
			found |= o->native_zero == want.native_zero && o->bsp_only == want.bsp_only &&
				 (want.bsp_only || o->vcpus == want.vcpus);
		}
		if (!found) {
			g_autofree gchar *text = cvm_explain_to_text(e, "cvmctl igvm measure F");
			fail_msg("case %zu not explained:\n%s", i, text);
		}
	}
}

/* A TDX file from the firmware's TDVF metadata: its MRTD is explained as the
 * TDX platform of the file (and the SEV-SNP search runs beside it). */
static void
test_igvm_tdx_explained(void **state)
{
	g_autoptr(GBytes) fw = cvmt_read_file(DEBIAN_OVMF);
	g_autoptr(GBytes) file = wrapped_ovmf(fw, CVM_OVMF_WRAP_SEV_SNP | CVM_OVMF_WRAP_TDX);
	g_autoptr(GError) error = NULL;
	CvmMeasureOptions o;
	CvmDigest d;

	cvm_measure_options_init(&o);
	o.platform = CVM_PLATFORM_TDX;
	assert_true(cvm_measure_igvm(g_bytes_get_data(file, NULL), g_bytes_get_size(file), &o, &d, NULL, &error));
	cvm_measure_options_init(&o);
	g_autoptr(CvmExplain) e = cvm_measure_explain_igvm(g_bytes_get_data(file, NULL), g_bytes_get_size(file), &o,
							   d.bytes, d.len, 8, &error);
	cvmt_assert_no_error(error);
	assert_non_null(cvm_explain_get_match(e, 0));
	assert_int_equal(cvm_explain_get_match(e, 0)->platform, CVM_PLATFORM_TDX);
	g_autofree gchar *text = cvm_explain_to_text(e, "cvmctl igvm measure F");
	assert_non_null(strstr(text, "match: cvmctl igvm measure F --platform tdx\n"));
}

static void
test_bad_digest_length_is_refused(void **state)
{
	g_autoptr(GBytes) fw = cvmt_read_file(DEBIAN_OVMF);
	g_autoptr(GError) error = NULL;
	guint8 digest[40] = { 0 };
	CvmMeasureOptions o;

	cvm_measure_options_init(&o);
	assert_null(cvm_measure_explain_ovmf(g_bytes_get_data(fw, NULL), g_bytes_get_size(fw), &o, digest,
					     sizeof(digest), 0, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sev_snp_measure_vectors_explained),
		cmocka_unit_test(test_generated_ovmf_digests_explained),
		cmocka_unit_test(test_flipped_bit_gives_nearest_candidates),
		cmocka_unit_test(test_igvm_conventions_explained),
		cmocka_unit_test(test_igvm_tdx_explained),
		cmocka_unit_test(test_bad_digest_length_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
