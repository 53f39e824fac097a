/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Public entry points of the measurement library: options, names, output forms,
 * the SEV MEASURE HMAC and dispatch of the OVMF flows. */
#include "measure/measure-private.h"

#include <cvm/error.h>
#include <json-c/json.h>
#include <openssl/hmac.h>
#include <string.h>

void
cvm_measure_options_init(CvmMeasureOptions *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->platform = CVM_PLATFORM_SEV_SNP;
	opts->vcpus = 1;
	opts->vcpu_sig = CVM_VCPU_SIG_EPYC_V4;
	opts->vmm = CVM_VMM_QEMU;
	opts->guest_features = 0x1;
}

gboolean
cvm_measure_platform_check(CvmPlatform platform, GError **error)
{
	if (cvm_platform_is_measurable(platform))
		return TRUE;
	g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
		    "platform %s has no launch digest (measured: %s, %s, %s, %s)", cvm_platform_to_string(platform),
		    cvm_platform_to_string(CVM_PLATFORM_SEV_SNP), cvm_platform_to_string(CVM_PLATFORM_SEV_ES),
		    cvm_platform_to_string(CVM_PLATFORM_SEV), cvm_platform_to_string(CVM_PLATFORM_TDX));
	return FALSE;
}

gboolean
cvm_vmm_type_from_string(const char *name, CvmVmmType *out, GError **error)
{
	static const char *const names[] = { "qemu", "ec2", "gce" };

	for (gsize i = 0; name != NULL && i < G_N_ELEMENTS(names); i++) {
		if (g_ascii_strcasecmp(name, names[i]) == 0) {
			*out = (CvmVmmType)i;
			return TRUE;
		}
	}
	g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
		    "unknown VMM type '%s' (expected qemu, ec2 or gce)", name ? name : "");
	return FALSE;
}

gboolean
cvm_vcpu_sig_from_type(const char *name, guint32 *out, GError **error)
{
	/* CPUID(1).EAX of QEMU's EPYC models (family/model/stepping encoding). */
	static const struct {
		const char *name;
		guint32 sig;
	} types[] = {
		{ "EPYC", 0x800F12 },	    { "EPYC-v1", 0x800F12 },	   { "EPYC-v2", 0x800F12 },
		{ "EPYC-IBPB", 0x800F12 },  { "EPYC-v3", 0x800F12 },	   { "EPYC-v4", 0x800F12 },
		{ "EPYC-Rome", 0x830F10 },  { "EPYC-Rome-v1", 0x830F10 }, { "EPYC-Rome-v2", 0x830F10 },
		{ "EPYC-Rome-v3", 0x830F10 }, { "EPYC-Milan", 0xA00F11 }, { "EPYC-Milan-v1", 0xA00F11 },
		{ "EPYC-Milan-v2", 0xA00F11 }, { "EPYC-Genoa", 0xA10F10 }, { "EPYC-Genoa-v1", 0xA10F10 },
		{ "EPYC-Turin", 0xB00F00 },
	};

	for (gsize i = 0; name != NULL && i < G_N_ELEMENTS(types); i++) {
		if (g_ascii_strcasecmp(name, types[i].name) == 0) {
			*out = types[i].sig;
			return TRUE;
		}
	}
	g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "unknown vCPU type '%s'", name ? name : "");
	return FALSE;
}

gchar *
cvm_digest_to_hex(const CvmDigest *digest)
{
	GString *s = g_string_sized_new(digest->len * 2 + 1);

	for (gsize i = 0; i < digest->len && i < CVM_MEASURE_DIGEST_MAX; i++)
		g_string_append_printf(s, "%02x", digest->bytes[i]);
	return g_string_free(s, FALSE);
}

gchar *
cvm_measure_to_json(const CvmMeasureOptions *opts, const CvmDigest *digests, gsize n)
{
	json_object *root = json_object_new_object(), *d = json_object_new_object();
	json_object *p = json_object_new_object();
	g_autofree gchar *sig = g_strdup_printf("0x%x", opts->vcpu_sig);
	g_autofree gchar *features = g_strdup_printf("0x%" G_GINT64_MODIFIER "x", opts->guest_features);
	static const char *const vmms[] = { "qemu", "ec2", "gce" };

	for (gsize i = 0; i < n; i++) {
		g_autofree gchar *hex = cvm_digest_to_hex(&digests[i]);
		json_object_object_add(d, cvm_platform_to_string(digests[i].platform),
				       json_object_new_string(hex));
	}
	json_object_object_add(p, "vcpus", json_object_new_int(MAX(opts->vcpus, 1)));
	json_object_object_add(p, "vcpu-sig", json_object_new_string(sig));
	json_object_object_add(p, "vmm", json_object_new_string(vmms[opts->vmm % 3]));
	json_object_object_add(p, "guest-features", json_object_new_string(features));
	json_object_object_add(p, "kernel", opts->kernel ? json_object_new_string(opts->kernel) : NULL);
	json_object_object_add(p, "initrd", opts->initrd ? json_object_new_string(opts->initrd) : NULL);
	json_object_object_add(p, "append", opts->append ? json_object_new_string(opts->append) : NULL);
	json_object_object_add(p, "native-zero", json_object_new_boolean(opts->native_zero));
	json_object_object_add(p, "param-insert-one-page", json_object_new_boolean(opts->param_insert_one_page));
	json_object_object_add(p, "bsp-only", json_object_new_boolean(opts->bsp_only));
	json_object_object_add(p, "tdx-two-pass", json_object_new_boolean(opts->tdx_two_pass));
	json_object_object_add(root, "digests", d);
	json_object_object_add(root, "parameters", p);
	gchar *out = g_strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	json_object_put(root);
	return out;
}

gboolean
cvm_sev_measure_hmac(const CvmDigest *digest, const guint8 tik[16], guint8 api_major, guint8 api_minor,
		     guint8 build, guint32 policy, const guint8 mnonce[16], guint8 out[32], GError **error)
{
	guint8 msg[1 + 3 + 4 + 32 + 16];
	guint32 policy_le = GUINT32_TO_LE(policy);
	unsigned int n = 32;

	if (digest->len != 32) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "the MEASURE HMAC takes a 32-byte SEV or SEV-ES digest, not %zu bytes", digest->len);
		return FALSE;
	}
	msg[0] = 0x04; /* context: LAUNCH_MEASURE */
	msg[1] = api_major;
	msg[2] = api_minor;
	msg[3] = build;
	memcpy(msg + 4, &policy_le, 4);
	memcpy(msg + 8, digest->bytes, 32);
	memcpy(msg + 40, mnonce, 16);
	if (HMAC(EVP_sha256(), tik, 16, msg, sizeof(msg), out, &n) == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_CRYPTO, "HMAC-SHA256 failed");
		return FALSE;
	}
	return TRUE;
}

gboolean
cvm_measure_ovmf(const guint8 *firmware, gsize len, const CvmMeasureOptions *opts, CvmDigest *out,
		 GError **error)
{
	CvmiOvmf ovmf;
	gboolean ok;

	if (!cvm_measure_platform_check(opts->platform, error))
		return FALSE;
	if (opts->platform == CVM_PLATFORM_TDX)
		return cvmi_measure_ovmf_tdx(firmware, len, opts, out, error);
	if (opts->has_snp_ovmf_hash && opts->platform != CVM_PLATFORM_SEV_SNP) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "an SNP OVMF hash only works with SEV-SNP");
		return FALSE;
	}
	if (!cvmi_ovmf_parse(firmware, len, G_GUINT64_CONSTANT(0x100000000), &ovmf, error)) {
		cvmi_ovmf_clear(&ovmf);
		return FALSE;
	}
	if (opts->platform == CVM_PLATFORM_SEV_SNP)
		ok = cvmi_measure_ovmf_snp(&ovmf, opts, out, error);
	else
		ok = cvmi_measure_ovmf_sev(&ovmf, opts, out, error);
	cvmi_ovmf_clear(&ovmf);
	return ok;
}

gboolean
cvm_measure_snp_ovmf_hash(const guint8 *firmware, gsize len, const CvmMeasureOptions *opts, CvmDigest *out,
			  GError **error)
{
	CvmiOvmf ovmf;
	CvmiSnpChain chain;
	CvmMeasureOptions o = *opts;

	if (!cvmi_ovmf_parse(firmware, len, G_GUINT64_CONSTANT(0x100000000), &ovmf, error)) {
		cvmi_ovmf_clear(&ovmf);
		return FALSE;
	}
	o.has_snp_ovmf_hash = FALSE;
	cvmi_snp_chain_init(&chain, &o);
	cvmi_snp_chain_normal(&chain, ovmf.gpa, ovmf.data, ovmf.len);
	cvmi_ovmf_clear(&ovmf);
	out->platform = CVM_PLATFORM_SEV_SNP;
	out->len = 48;
	memcpy(out->bytes, chain.ld, 48);
	cvmi_snp_chain_clear(&chain);
	return TRUE;
}

gboolean
cvm_measure_ovmf_file(const char *path, const CvmMeasureOptions *opts, CvmDigest *out, GError **error)
{
	g_autofree gchar *data = NULL;
	gsize len = 0;
	g_autoptr(GError) local = NULL;

	if (!g_file_get_contents(path, &data, &len, &local)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "%s", local->message);
		return FALSE;
	}
	if (!cvm_measure_ovmf((const guint8 *)data, len, opts, out, error)) {
		g_prefix_error(error, "%s: ", path);
		return FALSE;
	}
	return TRUE;
}
