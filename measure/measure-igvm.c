/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Expected launch digest of an IGVM file: the pages cvmi_igvm_ops() lists,
 * measured the way each platform's QEMU/KVM launch does (docs/measurement.md,
 * "IGVM files"). */
#include "measure/measure-private.h"

#include <cvm/error.h>
#include <cvm/igvm-defs.h>
#include <string.h>

static gboolean
op_is_hashed(const CvmiMeasureOp *op, const CvmMeasureOptions *opts)
{
	return op->kind == CVMI_OP_VMSA || (op->kind == CVMI_OP_DATA && !(op->page == NULL && opts->native_zero));
}

/* --check-kvm: what QEMU/KVM launch must be what the file measures. The
 * VMSA rules are cvmi_vmsa_kvm_check(), shared with validate --for-qemu;
 * the two ordering rules are about the digest: KVM measures the VMSAs at
 * SNP_LAUNCH_FINISH, after every page, and one per vCPU from its state. */
static void
check_kvm(const CvmiMeasureOps *ops, GPtrArray *diags)
{
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
	guint nvmsa = 0;
	gboolean after_vmsa = FALSE;

	for (guint i = 0; i < ops->ops->len; i++) {
		const CvmiMeasureOp *op = &g_array_index(ops->ops, CvmiMeasureOp, i);
		if (op->kind != CVMI_OP_VMSA) {
			if (after_vmsa)
				g_ptr_array_add(problems, g_strdup_printf("page at 0x%" G_GINT64_MODIFIER "x comes after a "
									  "VMSA; KVM measures VMSAs last", op->gpa));
			after_vmsa = FALSE;
			continue;
		}
		nvmsa++;
		after_vmsa = TRUE;
		cvmi_vmsa_kvm_check(op->page, op->gpa, TRUE, problems);
	}
	if (nvmsa != 1)
		g_ptr_array_add(problems, g_strdup_printf("%u VMSAs, KVM launches exactly one", nvmsa));
	for (guint i = 0; i < problems->len; i++)
		g_ptr_array_add(diags, g_strdup_printf("check-kvm: %s", (const char *)problems->pdata[i]));
}

static guint8
snp_type(const CvmiMeasureOp *op, const CvmMeasureOptions *opts)
{
	switch (op->kind) {
	case CVMI_OP_DATA: return op->page == NULL && opts->native_zero ? CVMI_SNP_PAGE_ZERO : CVMI_SNP_PAGE_NORMAL;
	case CVMI_OP_SECRETS: return CVMI_SNP_PAGE_SECRETS;
	case CVMI_OP_CPUID: return CVMI_SNP_PAGE_CPUID;
	case CVMI_OP_VMSA: return CVMI_SNP_PAGE_VMSA;
	default: return CVMI_SNP_PAGE_UNMEASURED;
	}
}

static void
measure_snp(const CvmiMeasureOps *ops, const CvmMeasureOptions *opts, CvmDigest *out)
{
	static const guint8 zeros[48];
	GArray *list = ops->ops;
	g_autofree const guint8 **pages = g_new0(const guint8 *, MAX(list->len, 1));
	g_autofree gsize *slot = g_new0(gsize, MAX(list->len, 1));
	gsize n = 0;
	guint nvmsa = 0, seen_vmsa = 0;
	const guint8 *bsp_hash = NULL;
	CvmiSnpChain chain;

	for (guint i = 0; i < list->len; i++) {
		const CvmiMeasureOp *op = &g_array_index(list, CvmiMeasureOp, i);
		nvmsa += op->kind == CVMI_OP_VMSA;
		if (op_is_hashed(op, opts)) {
			slot[i] = n;
			pages[n++] = op->page;
		}
	}
	CvmiPageHasher *hasher = cvmi_page_hasher_start(pages, n, opts->jobs);
	cvmi_snp_chain_init(&chain, opts);
	for (guint i = 0; i < list->len; i++) {
		const CvmiMeasureOp *op = &g_array_index(list, CvmiMeasureOp, i);
		const guint8 *contents = op_is_hashed(op, opts) ? cvmi_page_hasher_get(hasher, slot[i]) : zeros;
		cvmi_snp_chain_update(&chain, snp_type(op, opts), op->gpa, contents);
		if (op->kind != CVMI_OP_VMSA)
			continue;
		if (bsp_hash == NULL || op->vp_index == 0)
			bsp_hash = contents;
		/* KVM measures one VMSA per vCPU; APs the file does not describe
		 * start from the BSP's state. */
		if (++seen_vmsa == nvmsa && !opts->bsp_only)
			for (guint v = nvmsa; v < opts->vcpus; v++)
				cvmi_snp_chain_update(&chain, CVMI_SNP_PAGE_VMSA, op->gpa, bsp_hash);
	}
	out->platform = CVM_PLATFORM_SEV_SNP;
	out->len = 48;
	memcpy(out->bytes, chain.ld, 48);
	cvmi_snp_chain_clear(&chain);
	cvmi_page_hasher_finish(hasher);
}

static gboolean
measure_sev(const CvmiMeasureOps *ops, const CvmMeasureOptions *opts, CvmDigest *out, GError **error)
{
	static const guint8 zero[CVMI_PAGE_SIZE];
	g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new();
	unsigned int n = 32;

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (guint i = 0; i < ops->ops->len; i++) {
		const CvmiMeasureOp *op = &g_array_index(ops->ops, CvmiMeasureOp, i);
		const guint8 *page = op->page ? op->page : zero;
		if (op->kind == CVMI_OP_UNMEASURED || op->kind == CVMI_OP_PARAMETER)
			continue;
		if (op->kind == CVMI_OP_SECRETS || op->kind == CVMI_OP_CPUID ||
		    (op->kind == CVMI_OP_VMSA && opts->platform == CVM_PLATFORM_SEV)) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED,
				    "%s has no %s pages (page at 0x%" G_GINT64_MODIFIER "x)",
				    cvm_platform_to_string(opts->platform),
				    op->kind == CVMI_OP_VMSA ? "VMSA" : "SECRETS/CPUID", op->gpa);
			return FALSE;
		}
		EVP_DigestUpdate(ctx, page, CVMI_PAGE_SIZE);
		if (opts->trace) {
			guint8 h[32];
			cvmi_sha256(page, CVMI_PAGE_SIZE, h);
			opts->trace(op->gpa, op->kind == CVMI_OP_VMSA ? "vmsa" : "data", h, 32, NULL, 0,
				    opts->trace_data);
		}
	}
	out->platform = opts->platform;
	out->len = 32;
	EVP_DigestFinal_ex(ctx, out->bytes, &n);
	return TRUE;
}

static void
measure_tdx(const CvmiMeasureOps *ops, const CvmMeasureOptions *opts, CvmDigest *out)
{
	static const guint8 zero[CVMI_PAGE_SIZE];
	g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new();
	unsigned int n = 48;

	EVP_DigestInit_ex(ctx, EVP_sha384(), NULL);
	for (guint i = 0; i < ops->ops->len; i++) {
		const CvmiMeasureOp *op = &g_array_index(ops->ops, CvmiMeasureOp, i);
		/* The TD's initial vCPU state is architectural, not measured. */
		if (op->kind == CVMI_OP_VMSA)
			continue;
		cvmi_tdx_page_add(ctx, op->gpa);
		/* UNMEASURED also drops the extends of SECRETS/CPUID pages, which
		 * TDX measures like any other (microsoft/igvm measurement/tdx.rs). */
		gboolean extend = op->kind != CVMI_OP_UNMEASURED && op->kind != CVMI_OP_PARAMETER && !op->unmeasured;
		if (extend)
			cvmi_tdx_extend_page(ctx, op->gpa, op->page ? op->page : zero);
		if (opts->trace)
			opts->trace(op->gpa, extend ? "page.add+mr.extend" : "page.add", NULL, 0, NULL, 0,
				    opts->trace_data);
	}
	out->platform = CVM_PLATFORM_TDX;
	out->len = 48;
	EVP_DigestFinal_ex(ctx, out->bytes, &n);
}

static gchar *
id_block_mismatch(const CvmiMeasureOps *ops, const CvmDigest *digest)
{
	CvmDigest ld = {.platform = CVM_PLATFORM_SEV_SNP, .len = 48};

	if (!ops->has_id_block || memcmp(ops->id_block_ld, digest->bytes, 48) == 0)
		return NULL;
	memcpy(ld.bytes, ops->id_block_ld, 48);
	g_autofree gchar *want = cvm_digest_to_hex(&ld);
	g_autofree gchar *got = cvm_digest_to_hex(digest);
	return g_strdup_printf("SNP_ID_BLOCK launch digest %s differs from the computed SEV-SNP digest %s "
			       "(SNP_LAUNCH_FINISH would fail with \"bad measurement\")", want, got);
}

static gboolean
measure_ops(const CvmiMeasureOps *ops, const CvmMeasureOptions *opts, CvmDigest *out, GPtrArray *diags,
	    GError **error)
{
	if (opts->platform == CVM_PLATFORM_SEV_SNP) {
		measure_snp(ops, opts, out);
		if (opts->check_kvm)
			check_kvm(ops, diags);
		gchar *msg = id_block_mismatch(ops, out);
		if (msg != NULL)
			g_ptr_array_add(diags, msg);
		return TRUE;
	}
	if (opts->platform == CVM_PLATFORM_TDX) {
		measure_tdx(ops, opts, out);
		return TRUE;
	}
	return measure_sev(ops, opts, out, error);
}

gchar *
cvmi_igvm_id_block_mismatch(const CvmIgvm *igvm)
{
	CvmMeasureOptions opts;
	CvmiMeasureOps ops;
	CvmDigest digest;
	gchar *msg = NULL;

	cvm_measure_options_init(&opts);
	if (!cvmi_igvm_ops_from(igvm, &opts, &ops, NULL))
		return NULL;
	if (ops.has_id_block) {
		measure_snp(&ops, &opts, &digest);
		msg = id_block_mismatch(&ops, &digest);
	}
	cvmi_measure_ops_clear(&ops);
	return msg;
}

gboolean
cvm_measure_igvm_parsed(const CvmIgvm *igvm, const CvmMeasureOptions *opts, CvmDigest *out, gchar ***diagnostics,
			GError **error)
{
	CvmiMeasureOps ops;
	g_autoptr(GPtrArray) diags = g_ptr_array_new_with_free_func(g_free);

	if (!cvmi_igvm_ops_from(igvm, opts, &ops, error))
		return FALSE;
	gboolean ok = measure_ops(&ops, opts, out, diags, error);
	cvmi_measure_ops_clear(&ops);
	if (ok && diagnostics != NULL) {
		g_ptr_array_add(diags, NULL);
		*diagnostics = (gchar **)g_ptr_array_steal(diags, NULL);
	}
	return ok;
}

gboolean
cvm_measure_igvm(const guint8 *data, gsize len, const CvmMeasureOptions *opts, CvmDigest *out,
		 gchar ***diagnostics, GError **error)
{
	g_autoptr(GBytes) bytes = g_bytes_new_static(data, len);
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(bytes, CVM_IGVM_NONE, error);

	return igvm != NULL && cvm_measure_igvm_parsed(igvm, opts, out, diagnostics, error);
}
