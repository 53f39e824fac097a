/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The search behind --explain: which launch parameters give a digest with the
 * same firmware or IGVM file (docs/measurement.md, "Explaining a digest").
 *
 * Nothing is measured twice that a chain or a stream lets us share: the SNP
 * digest is a chain, so one measurement at the highest vCPU count gives the
 * digest of every smaller count as the chain's value after that VMSA (read
 * through the trace callback), and the OVMF pages are hashed once and handed
 * to every candidate as --snp-ovmf-hash; the SEV-ES digest is one SHA-256
 * stream, so its context after the firmware is copied per candidate and
 * after each VMSA. */
#include "measure/measure-explain-private.h"
#include "measure/measure-private.h"

#include <cvm/error.h>
#include <string.h>

#define MAX_KEPT 64
#define RESET_VECTOR 0xfffffff0u

/* The vCPU models whose signatures differ (QEMU's and sev-snp-measure's
 * names; the -vN variants of a family share its signature). */
static const struct {
	const char *name;
	guint32 sig;
} families[] = {
	{ "EPYC-v4", 0x800F12 }, { "EPYC-Rome", 0x830F10 }, { "EPYC-Milan", 0xA00F11 },
	{ "EPYC-Genoa", 0xA10F10 }, { "EPYC-Turin", 0xB00F00 },
};

/* sev_features bits a host adds on its own or by a QEMU property: KVM's
 * debug_swap parameter (on by default in Linux 6.6 to 6.9), QEMU 10.1's
 * sev-snp-guest secure-tsc=on, and the PreventHostIBS bit of hosts that keep
 * IBS from the guest. Every subset is tried on top of the given features. */
static const guint64 feature_bits[] = { 0x20, 0x200, 0x40 };

const char *
cvmi_explain_sig_name(guint32 sig)
{
	for (gsize i = 0; i < G_N_ELEMENTS(families); i++)
		if (families[i].sig == sig)
			return families[i].name;
	return NULL;
}

void
cvmi_explain_tried(CvmExplain *e, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	g_ptr_array_add(e->tried, g_strdup_vprintf(format, ap));
	va_end(ap);
}

/* The parameter @c changes from the given ones, and how many it changes (a
 * vCPU count more than one away counts twice: it is not "near"). */
static const char *
changed(const CvmMeasureOptions *g, const CvmMeasureOptions *c, guint *n)
{
	const char *what = NULL;

	*n = 0;
#define DIFF(cond, name) do { if (cond) { (*n)++; what = name; } } while (0)
	DIFF(g->platform != c->platform, "platform");
	DIFF(g->vcpus != c->vcpus && !c->bsp_only, "vcpus");
	if (!c->bsp_only && (c->vcpus > g->vcpus + 1 || c->vcpus + 1 < g->vcpus))
		(*n)++;
	DIFF(g->vcpu_sig != c->vcpu_sig, "vcpu-sig");
	DIFF(g->guest_features != c->guest_features, "guest-features");
	DIFF(g->vmm != c->vmm, "vmm");
	DIFF(g->ap_eip != c->ap_eip, "ap-eip");
	DIFF(g_strcmp0(g->kernel, c->kernel) != 0, "kernel");
	DIFF(g_strcmp0(g->initrd, c->initrd) != 0, "initrd");
	DIFF(g_strcmp0(g->append, c->append) != 0, "append");
	DIFF(g->tdx_two_pass != c->tdx_two_pass, "tdx-two-pass");
	DIFF(g->native_zero != c->native_zero, "native-zero");
	DIFF(g->param_insert_one_page != c->param_insert_one_page, "one-page-parameter");
	DIFF(g->bsp_only != c->bsp_only, "bsp-only");
#undef DIFF
	return what;
}

void
cvmi_explain_consider(CvmExplain *e, const CvmMeasureOptions *c, const guint8 *digest)
{
	CvmiExplainCandidate cand = {.opts = *c};
	guint n;

	cand.opts.trace = NULL;
	cand.opts.trace_data = NULL;
	cand.opts.has_snp_ovmf_hash = e->given.has_snp_ovmf_hash;
	memcpy(cand.opts.snp_ovmf_hash, e->given.snp_ovmf_hash, 48);
	cand.digest.platform = c->platform;
	cand.digest.len = e->want.len;
	memcpy(cand.digest.bytes, digest, e->want.len);
	e->candidates++;
	if (memcmp(digest, e->want.bytes, e->want.len) == 0 && e->matches->len < MAX_KEPT)
		g_array_append_val(e->matches, cand);
	cand.changed = changed(&e->given, &cand.opts, &n);
	if (n <= 1 && e->nearest->len < MAX_KEPT)
		g_array_append_val(e->nearest, cand);
}

/* The kernel/initrd/append sets to try: none, and with a given kernel every
 * combination of the given initrd and command line with their absence. */
static guint
kernel_variants(const CvmExplain *e, CvmMeasureOptions out[5])
{
	guint n = 0;

	out[n++] = e->given;
	out[0].kernel = out[0].initrd = out[0].append = NULL;
	if (e->given.kernel == NULL)
		return n;
	for (int i = 0; i < 2; i++) {
		for (int a = 0; a < 2; a++) {
			if ((i && e->given.initrd == NULL) || (a && e->given.append == NULL))
				continue;
			out[n] = e->given;
			out[n].initrd = i ? NULL : e->given.initrd;
			out[n].append = a ? NULL : e->given.append;
			n++;
		}
	}
	return n;
}

static void
tried_kernels(CvmExplain *e, CvmPlatform platform, const CvmMeasureOptions *kv, guint nkv)
{
	g_autoptr(GString) s = g_string_new(NULL);

	for (guint i = 0; i < nkv; i++)
		g_string_append_printf(s, "%s%s", i ? ", " : "",
				       kv[i].kernel == NULL ? "no kernel (table absent)"
				       : kv[i].initrd && kv[i].append ? "kernel+initrd+append"
				       : kv[i].initrd ? "kernel+initrd" : kv[i].append ? "kernel+append" : "kernel alone");
	cvmi_explain_tried(e, "%s: kernel hashes: %s", cvm_platform_to_string(platform), s->str);
}

/* The signatures to try: the families and the given one. */
static guint
signatures(const CvmExplain *e, guint32 out[G_N_ELEMENTS(families) + 1])
{
	guint n = 0;

	for (gsize i = 0; i < G_N_ELEMENTS(families); i++)
		out[n++] = families[i].sig;
	if (cvmi_explain_sig_name(e->given.vcpu_sig) == NULL)
		out[n++] = e->given.vcpu_sig;
	return n;
}

static void
tried_signatures(CvmExplain *e, CvmPlatform platform, const guint32 *sigs, guint n)
{
	g_autoptr(GString) s = g_string_new(NULL);

	for (guint i = 0; i < n; i++) {
		const char *name = cvmi_explain_sig_name(sigs[i]);
		g_string_append_printf(s, "%s%s%s0x%x", i ? ", " : "", name ? name : "", name ? " " : "", sigs[i]);
	}
	cvmi_explain_tried(e, "%s: vcpu-sig: %s (ec2 and gce put 0x600 in RDX whatever the model)",
			   cvm_platform_to_string(platform),
			   s->str);
}

/* Trace callback: the running SNP digest after each VMSA. */
typedef struct {
	GArray *after_vmsa; /* guint8[48] */
	gboolean trailing;  /* a non-VMSA page came after a VMSA */
} VmsaTrace;

static void
vmsa_trace(guint64 gpa, const char *type, const guint8 *contents, gsize contents_len, const guint8 *digest,
	   gsize digest_len, gpointer user_data)
{
	VmsaTrace *t = user_data;

	if (digest == NULL || digest_len != 48)
		return;
	if (g_str_equal(type, "vmsa"))
		g_array_append_vals(t->after_vmsa, digest, 1);
	else if (t->after_vmsa->len > 0)
		t->trailing = TRUE;
}

typedef guint8 Digest48[48];

/* Measures @c at @max vCPUs once and considers counts 1..@max from the chain. */
static gboolean
ovmf_snp_counts(CvmExplain *e, const guint8 *fw, gsize len, CvmMeasureOptions *c, guint max, GError **error)
{
	g_autoptr(GArray) after = g_array_new(FALSE, FALSE, sizeof(Digest48));
	VmsaTrace t = {.after_vmsa = after};
	CvmDigest d;

	c->vcpus = max;
	c->trace = vmsa_trace;
	c->trace_data = &t;
	if (!cvm_measure_ovmf(fw, len, c, &d, error))
		return FALSE;
	g_assert(after->len == max);
	for (guint k = 1; k <= max; k++) {
		c->vcpus = k;
		cvmi_explain_consider(e, c, g_array_index(after, Digest48, k - 1));
	}
	return TRUE;
}

static gboolean
explain_ovmf_snp(CvmExplain *e, const guint8 *fw, gsize len, CvmPlatform platform, guint max,
		 GError **error)
{
	CvmMeasureOptions kv[5], c;
	guint32 sigs[G_N_ELEMENTS(families) + 1], reset_block = 0;
	guint nkv = kernel_variants(e, kv), nsig = signatures(e, sigs);
	CvmiOvmf ovmf;
	CvmDigest prefix;
	gboolean svsm = e->given.svsm != NULL;

	if (!cvmi_ovmf_parse(fw, len, G_GUINT64_CONSTANT(0x100000000), &ovmf, error) ||
	    (!svsm && !cvmi_ovmf_entry_u32(&ovmf, CVMI_GUID_SEV_ES_RESET_BLOCK, &reset_block, error))) {
		cvmi_ovmf_clear(&ovmf);
		return FALSE;
	}
	cvmi_ovmf_clear(&ovmf);
	c = e->given;
	c.platform = CVM_PLATFORM_SEV_SNP;
	if (!c.has_snp_ovmf_hash && !svsm) {
		if (!cvm_measure_snp_ovmf_hash(fw, len, &c, &prefix, error))
			return FALSE;
		memcpy(c.snp_ovmf_hash, prefix.bytes, 48);
		c.has_snp_ovmf_hash = TRUE;
	}
	/* The AP EIP conventions: the SEV-ES reset block (QEMU, sev-snp-measure)
	 * or the reset vector for every vCPU. The SVSM flow starts every vCPU at
	 * the SVSM's entry, with its own features and no kernel table. */
	guint32 eips[2] = { 0, RESET_VECTOR };
	guint neip = svsm || reset_block == RESET_VECTOR ? 1 : 2, nvmm = svsm ? 1 : 3;
	guint nfeat = svsm ? 1 : 1u << G_N_ELEMENTS(feature_bits);
	if (svsm)
		nkv = 1, kv[0] = e->given;
	for (guint vmm = 0; vmm < nvmm; vmm++) {
		for (guint k = 0; k < nkv; k++) {
			for (guint ei = 0; ei < neip; ei++) {
				for (guint s = 0; s < (vmm == CVM_VMM_QEMU ? nsig : 1); s++) {
					for (guint f = 0; f < nfeat; f++) {
						g_autoptr(GError) local = NULL;
						c.vmm = vmm;
						c.kernel = kv[k].kernel;
						c.initrd = kv[k].initrd;
						c.append = kv[k].append;
						c.ap_eip = eips[ei];
						c.vcpu_sig = vmm == CVM_VMM_QEMU ? sigs[s] : e->given.vcpu_sig;
						c.guest_features = e->given.guest_features;
						for (gsize b = 0; b < G_N_ELEMENTS(feature_bits); b++)
							if (f & (1u << b))
								c.guest_features |= feature_bits[b];
						if (!ovmf_snp_counts(e, fw, len, &c, max, &local)) {
							/* A kernel table the firmware has no section for. */
							if (k == 0) {
								g_propagate_error(error, g_steal_pointer(&local));
								return FALSE;
							}
							goto next_kernel;
						}
					}
				}
			}
next_kernel:
			;
		}
	}
	cvmi_explain_tried(e, "sev-snp: vcpus: 1..%u (one chain step per count after one measurement at %u)", max,
			   max);
	if (!svsm) {
		tried_signatures(e, CVM_PLATFORM_SEV_SNP, sigs, nsig);
		g_autofree gchar *given = cvmi_explain_features_text(e->given.guest_features);
		cvmi_explain_tried(e, "sev-snp: guest-features: %s with every subset of debug-swap 0x20, secure-tsc "
				   "0x200, prevent-host-ibs 0x40", given);
		cvmi_explain_tried(e, "sev-snp: vmm: qemu, ec2, gce");
		cvmi_explain_tried(e, "sev-snp: ap-eip: SEV-ES reset block 0x%x, reset vector 0x%x", reset_block,
				   RESET_VECTOR);
		tried_kernels(e, CVM_PLATFORM_SEV_SNP, kv, nkv);
	} else {
		cvmi_explain_tried(e, "sev-snp: SVSM flow: only the vCPU count enters (the signature as given)");
	}
	cvmi_explain_tried(e, "sev-snp: guest policy: not part of the launch digest (SNP_LAUNCH_START "
			   "takes it, the report carries it beside the digest)");
	return TRUE;
}

static void
sev_es_vmsas(CvmExplain *e, EVP_MD_CTX *stream, CvmMeasureOptions *c, guint32 ap_eip, guint max)
{
	g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new(), tmp = EVP_MD_CTX_new();
	guint8 page[CVMI_PAGE_SIZE], digest[32];
	unsigned int n = 32;

	EVP_MD_CTX_copy_ex(ctx, stream);
	for (guint k = 1; k <= max; k++) {
		if (k <= 2)
			cvmi_vmsa_ovmf(page, k == 1 ? RESET_VECTOR : ap_eip, 0, c->vcpu_sig, c->vmm);
		EVP_DigestUpdate(ctx, page, sizeof(page));
		EVP_MD_CTX_copy_ex(tmp, ctx);
		EVP_DigestFinal_ex(tmp, digest, &n);
		c->vcpus = k;
		cvmi_explain_consider(e, c, digest);
	}
}

/* SEV-ES: SHA-256 over the firmware, the kernel table and one VMSA per vCPU
 * (cvmi_measure_ovmf_sev); the stream after the firmware is shared. */
static gboolean
explain_ovmf_sev_es(CvmExplain *e, const guint8 *fw, gsize len, CvmPlatform platform, guint max,
		    GError **error)
{
	CvmMeasureOptions kv[5], c;
	guint32 sigs[G_N_ELEMENTS(families) + 1], reset_block = 0, table_gpa = 0;
	guint nkv = kernel_variants(e, kv), nsig = signatures(e, sigs);
	g_autoptr(EVP_MD_CTX) fw_ctx = EVP_MD_CTX_new(), ctx = EVP_MD_CTX_new();
	CvmiOvmf ovmf;
	gboolean table;

	if (!cvmi_ovmf_parse(fw, len, G_GUINT64_CONSTANT(0x100000000), &ovmf, error) ||
	    !cvmi_ovmf_entry_u32(&ovmf, CVMI_GUID_SEV_ES_RESET_BLOCK, &reset_block, error)) {
		cvmi_ovmf_clear(&ovmf);
		return FALSE;
	}
	table = cvmi_ovmf_entry_u32(&ovmf, CVMI_GUID_SEV_HASH_TABLE_RV, &table_gpa, NULL) && table_gpa != 0;
	cvmi_ovmf_clear(&ovmf);
	EVP_DigestInit_ex(fw_ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(fw_ctx, fw, len);
	guint32 eips[2] = { reset_block, RESET_VECTOR };
	for (guint k = 0; k < nkv && (k == 0 || table); k++) {
		guint8 t[CVMI_SEV_HASH_TABLE_SIZE];
		EVP_MD_CTX_copy_ex(ctx, fw_ctx);
		if (kv[k].kernel != NULL) {
			if (!cvmi_sev_hash_table(&kv[k], t, error))
				return FALSE;
			EVP_DigestUpdate(ctx, t, sizeof(t));
		}
		c = kv[k];
		c.platform = CVM_PLATFORM_SEV_ES;
		for (guint vmm = 0; vmm < 3; vmm++) {
			for (guint ei = 0; ei < (reset_block == RESET_VECTOR ? 1u : 2u); ei++) {
				for (guint s = 0; s < (vmm == CVM_VMM_QEMU ? nsig : 1); s++) {
					c.vmm = vmm;
					c.ap_eip = ei ? RESET_VECTOR : 0;
					c.vcpu_sig = vmm == CVM_VMM_QEMU ? sigs[s] : e->given.vcpu_sig;
					sev_es_vmsas(e, ctx, &c, eips[ei], max);
				}
			}
		}
	}
	cvmi_explain_tried(e, "sev-es: vcpus: 1..%u (the SHA-256 state after the firmware is copied, then "
			   "one VMSA more per count)", max);
	tried_signatures(e, CVM_PLATFORM_SEV_ES, sigs, nsig);
	cvmi_explain_tried(e, "sev-es: vmm: qemu, ec2, gce");
	cvmi_explain_tried(e, "sev-es: ap-eip: SEV-ES reset block 0x%x, reset vector 0x%x", reset_block,
			   RESET_VECTOR);
	tried_kernels(e, CVM_PLATFORM_SEV_ES, kv, table ? nkv : 1);
	cvmi_explain_tried(e, "sev-es: guest-features: 0 only (sev-snp-measure's VMSA; a host that sets "
			   "debug-swap on SEV-ES guests is not modelled); guest policy: enters the MEASURE HMAC, "
			   "not the digest");
	return TRUE;
}

/* SEV and TDX from OVMF: a handful of whole measurements. */
static gboolean
explain_ovmf_other(CvmExplain *e, const guint8 *fw, gsize len, CvmPlatform platform, guint max,
		   GError **error)
{
	CvmMeasureOptions kv[5];
	guint nkv = platform == CVM_PLATFORM_SEV ? kernel_variants(e, kv) : 2;
	CvmDigest d;

	if (platform == CVM_PLATFORM_TDX) {
		kv[0] = kv[1] = e->given;
		kv[0].tdx_two_pass = FALSE;
		kv[1].tdx_two_pass = TRUE;
	}
	for (guint k = 0; k < nkv; k++) {
		g_autoptr(GError) local = NULL;
		kv[k].platform = platform;
		kv[k].trace = NULL;
		kv[k].has_snp_ovmf_hash = FALSE;
		if (!cvm_measure_ovmf(fw, len, &kv[k], &d, &local)) {
			if (k == 0) {
				g_propagate_error(error, g_steal_pointer(&local));
				return FALSE;
			}
			nkv = k;
			break;
		}
		cvmi_explain_consider(e, &kv[k], d.bytes);
	}
	if (platform == CVM_PLATFORM_TDX) {
		cvmi_explain_tried(e, "tdx: tdx-two-pass: off, on (MRTD has no vCPU, VMM or feature input)");
	} else {
		tried_kernels(e, CVM_PLATFORM_SEV, kv, nkv);
		cvmi_explain_tried(e, "sev: no VMSAs, so no vCPU count, model or VMM enters; guest policy: enters the "
				   "MEASURE HMAC, not the digest");
	}
	return TRUE;
}

/* An IGVM file's SNP digest per convention; VMSA counts from one chain. */
static gboolean
explain_igvm_snp(CvmExplain *e, const guint8 *data, gsize len, CvmPlatform platform, guint max,
		 GError **error)
{
	CvmiMeasureOps ops;
	CvmMeasureOptions c = e->given;
	guint nvmsa = 0;
	CvmDigest d;

	c.platform = CVM_PLATFORM_SEV_SNP;
	c.trace = NULL;
	if (!cvmi_igvm_ops(data, len, &c, &ops, error))
		return FALSE;
	for (guint i = 0; i < ops.ops->len; i++)
		nvmsa += g_array_index(ops.ops, CvmiMeasureOp, i).kind == CVMI_OP_VMSA;
	cvmi_measure_ops_clear(&ops);
	for (guint conv = 0; conv < 4; conv++) {
		c.native_zero = conv & 1;
		c.param_insert_one_page = (conv >> 1) & 1;
		c.bsp_only = TRUE;
		c.vcpus = e->given.vcpus;
		c.trace = NULL;
		if (!cvm_measure_igvm(data, len, &c, &d, NULL, error))
			return FALSE;
		cvmi_explain_consider(e, &c, d.bytes);
		if (nvmsa == 0)
			continue;
		/* One VMSA per vCPU: the counts up to the file's own VMSAs are
		 * the BSP-only digest; each further count adds one chain step. */
		g_autoptr(GArray) after = g_array_new(FALSE, FALSE, sizeof(Digest48));
		VmsaTrace t = {.after_vmsa = after};
		c.bsp_only = FALSE;
		c.vcpus = max;
		c.trace = vmsa_trace;
		c.trace_data = &t;
		if (!cvm_measure_igvm(data, len, &c, &d, NULL, error))
			return FALSE;
		for (guint k = MAX(nvmsa, 1); k <= max; k++) {
			c.vcpus = k;
			if (!t.trailing) {
				cvmi_explain_consider(e, &c, g_array_index(after, Digest48, k - 1));
				continue;
			}
			/* Pages after the file's VMSAs: each count is measured whole. */
			c.trace = NULL;
			if (!cvm_measure_igvm(data, len, &c, &d, NULL, error))
				return FALSE;
			cvmi_explain_consider(e, &c, d.bytes);
		}
	}
	cvmi_explain_tried(e, "sev-snp: bsp-only, and vcpus %u..%u (%u VMSAs in the file; %s)", MAX(nvmsa, 1), max,
			   nvmsa, nvmsa == 0 ? "no VMSA, no count enters" : "one chain step per count");
	cvmi_explain_tried(e, "sev-snp: native-zero off/on x one-page-parameter off/on");
	cvmi_explain_tried(e, "sev-snp: vcpu-sig, guest-features, vmm: not searched, the file carries its VMSAs; "
			   "guest policy: not part of the launch digest");
	return TRUE;
}

static gboolean
explain_igvm_other(CvmExplain *e, const guint8 *data, gsize len, CvmPlatform platform, guint max,
		   GError **error)
{
	CvmMeasureOptions c = e->given;
	CvmDigest d;

	c.platform = platform;
	c.trace = NULL;
	for (int one = 0; one < (platform == CVM_PLATFORM_TDX ? 2 : 1); one++) {
		c.param_insert_one_page = platform == CVM_PLATFORM_TDX ? one : e->given.param_insert_one_page;
		if (!cvm_measure_igvm(data, len, &c, &d, NULL, error))
			return FALSE;
		cvmi_explain_consider(e, &c, d.bytes);
	}
	cvmi_explain_tried(e, "%s: %s", cvm_platform_to_string(platform),
			   platform == CVM_PLATFORM_TDX ? "one-page-parameter off/on (the VMSAs are not measured)"
						       : "the file's pages and VMSAs as they are (nothing varies)");
	return TRUE;
}

static CvmExplain *
explain_new(const CvmMeasureOptions *given, const guint8 *digest, gsize len, gboolean igvm, GError **error)
{
	CvmExplain *e;

	if (len != 32 && len != 48) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "a launch digest has 32 (SEV, SEV-ES) or 48 bytes (SEV-SNP, TDX), not %zu", len);
		return NULL;
	}
	e = g_new0(CvmExplain, 1);
	e->given = *given;
	e->given.trace = NULL;
	e->given.vcpus = MAX(given->vcpus, 1);
	e->kernel = g_strdup(given->kernel);
	e->initrd = g_strdup(given->initrd);
	e->append = g_strdup(given->append);
	e->given.kernel = e->kernel;
	e->given.initrd = e->initrd;
	e->given.append = e->append;
	/* The given platform is the first one of the digest's size. */
	if ((len == 48) != (given->platform == CVM_PLATFORM_SEV_SNP || given->platform == CVM_PLATFORM_TDX))
		e->given.platform = len == 48 ? CVM_PLATFORM_SEV_SNP : CVM_PLATFORM_SEV_ES;
	e->want.platform = e->given.platform;
	e->want.len = len;
	memcpy(e->want.bytes, digest, len);
	e->igvm = igvm;
	e->matches = g_array_new(FALSE, FALSE, sizeof(CvmiExplainCandidate));
	e->nearest = g_array_new(FALSE, FALSE, sizeof(CvmiExplainCandidate));
	e->tried = g_ptr_array_new_with_free_func(g_free);
	return e;
}

typedef gboolean (*SearchFunc)(CvmExplain *e, const guint8 *data, gsize len, CvmPlatform platform,
			       guint max, GError **error);

/* The searches of one input kind, by platform. */
static const SearchFunc ovmf_searches[CVM_PLATFORM_COUNT] = {
	[CVM_PLATFORM_SEV_SNP] = explain_ovmf_snp,
	[CVM_PLATFORM_SEV_ES] = explain_ovmf_sev_es,
	[CVM_PLATFORM_SEV] = explain_ovmf_other,
	[CVM_PLATFORM_TDX] = explain_ovmf_other,
};
static const SearchFunc igvm_searches[CVM_PLATFORM_COUNT] = {
	[CVM_PLATFORM_SEV_SNP] = explain_igvm_snp,
	[CVM_PLATFORM_SEV_ES] = explain_igvm_other,
	[CVM_PLATFORM_SEV] = explain_igvm_other,
	[CVM_PLATFORM_TDX] = explain_igvm_other,
};

/* Runs the searches of the digest's size (SEV-SNP and TDX, or SEV-ES and
 * SEV). A platform the input cannot be measured for is named in "tried";
 * only when neither can be is it an error. */
static CvmExplain *
explain(const guint8 *data, gsize len, const CvmMeasureOptions *given, const guint8 *digest, gsize len_digest,
	guint max_vcpus, gboolean igvm, GError **error)
{
	CvmExplain *e = explain_new(given, digest, len_digest, igvm, error);
	const SearchFunc *searches = igvm ? igvm_searches : ovmf_searches;
	CvmPlatform platforms[2] = { CVM_PLATFORM_SEV_ES, CVM_PLATFORM_SEV };
	guint searched = 0;

	if (e == NULL)
		return NULL;
	if (len_digest == 48) {
		platforms[0] = CVM_PLATFORM_SEV_SNP;
		platforms[1] = CVM_PLATFORM_TDX;
	}
	guint def = igvm ? CVM_EXPLAIN_IGVM_VCPUS : CVM_EXPLAIN_OVMF_VCPUS;
	guint max = MAX(max_vcpus ? max_vcpus : def, e->given.vcpus);
	for (guint i = 0; i < 2; i++) {
		g_autoptr(GError) local = NULL;
		/* The SVSM flow has no TDX counterpart. */
		if (platforms[i] == CVM_PLATFORM_TDX && !igvm && given->svsm != NULL)
			continue;
		if (searches[platforms[i]](e, data, len, platforms[i], max, &local))
			searched++;
		else
			cvmi_explain_tried(e, "%s: not searched: %s", cvm_platform_to_string(platforms[i]),
					   local->message);
	}
	if (searched > 0)
		return e;
	g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "nothing to search: %s",
		    (const char *)g_ptr_array_index(e->tried, e->tried->len - 1));
	cvm_explain_free(e);
	return NULL;
}

CvmExplain *
cvm_measure_explain_ovmf(const guint8 *firmware, gsize len, const CvmMeasureOptions *given, const guint8 *digest,
			 gsize len_digest, guint max_vcpus, GError **error)
{
	return explain(firmware, len, given, digest, len_digest, max_vcpus, FALSE, error);
}

CvmExplain *
cvm_measure_explain_igvm(const guint8 *data, gsize len, const CvmMeasureOptions *given, const guint8 *digest,
			 gsize len_digest, guint max_vcpus, GError **error)
{
	return explain(data, len, given, digest, len_digest, max_vcpus, TRUE, error);
}

const CvmMeasureOptions *
cvm_explain_get_match(const CvmExplain *e, guint index)
{
	return index < e->matches->len ? &g_array_index(e->matches, CvmiExplainCandidate, index).opts : NULL;
}

guint64
cvm_explain_get_candidates(const CvmExplain *e)
{
	return e->candidates;
}

void
cvm_explain_free(CvmExplain *e)
{
	if (e == NULL)
		return;
	g_array_unref(e->matches);
	g_array_unref(e->nearest);
	g_ptr_array_unref(e->tried);
	g_free(e->kernel);
	g_free(e->initrd);
	g_free(e->append);
	g_free(e);
}
