/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sev-snp-measure's OVMF flows: SNP (firmware pages, SEV metadata sections,
 * VMSAs), SNP:SVSM, SEV-ES and SEV (SHA-256 streams). */
#include "measure/measure-private.h"
#include "libcvm/libcvm-internal.h"

#include <cvm/error.h>
#include <openssl/evp.h>
#include <string.h>

#define HASH_TABLE_HEADER_GUID "9438d606-4f22-4cc9-b479-a793d411fd21"
#define HASH_CMDLINE_GUID "97d02dd8-bd20-4c94-aa78-e7714d36ab2a"
#define HASH_INITRD_GUID "44baf731-3a2f-4bd7-9af1-41e29169781d"
#define HASH_KERNEL_GUID "4de79437-abd2-427f-b835-d5b172d2045b"
#define HASH_ENTRY_SIZE 50  /* GUID, u16 length, SHA-256 */
#define HASH_TABLE_SIZE 168 /* GUID, u16 length, three entries; padded to 176 */

static gboolean
hash_file(const char *path, guint8 out[32], GError **error)
{
	g_autofree gchar *data = NULL;
	gsize len = 0;

	g_autoptr(GError) local = NULL;

	if (path != NULL && !g_file_get_contents(path, &data, &len, &local)) {
		cvmi_file_error(error, local);
		return FALSE;
	}
	cvmi_sha256(data ? data : "", len, out);
	return TRUE;
}

static void
put_entry(guint8 *p, const char *guid, const guint8 hash[32])
{
	cvmi_guid_le(guid, p);
	p[16] = HASH_ENTRY_SIZE;
	p[17] = 0;
	memcpy(p + 18, hash, 32);
}

gboolean
cvmi_sev_hash_table(const CvmMeasureOptions *opts, guint8 out[CVMI_SEV_HASH_TABLE_SIZE], GError **error)
{
	guint8 kernel[32], initrd[32], cmdline[32];
	/* The guest sees the command line with its NUL terminator. */
	const char *append = opts->append ? opts->append : "";

	if (!hash_file(opts->kernel, kernel, error) || !hash_file(opts->initrd, initrd, error))
		return FALSE;
	cvmi_sha256(append, strlen(append) + 1, cmdline);
	memset(out, 0, CVMI_SEV_HASH_TABLE_SIZE);
	cvmi_guid_le(HASH_TABLE_HEADER_GUID, out);
	out[16] = HASH_TABLE_SIZE;
	out[17] = 0;
	put_entry(out + 18, HASH_CMDLINE_GUID, cmdline);
	put_entry(out + 18 + HASH_ENTRY_SIZE, HASH_INITRD_GUID, initrd);
	put_entry(out + 18 + 2 * HASH_ENTRY_SIZE, HASH_KERNEL_GUID, kernel);
	return TRUE;
}

static gboolean
kernel_hashes_section(const CvmiOvmf *ovmf, const CvmiSevSection *s, const CvmMeasureOptions *opts,
		      CvmiSnpChain *chain, GError **error)
{
	guint8 page[CVMI_PAGE_SIZE] = { 0 };
	guint32 table_gpa;

	if (opts->kernel == NULL) {
		cvmi_snp_chain_typed(chain, CVMI_SNP_PAGE_ZERO, s->gpa, s->size);
		return TRUE;
	}
	if (s->size != CVMI_PAGE_SIZE) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "SNP_KERNEL_HASHES section at 0x%x is %u bytes, expected one page", s->gpa, s->size);
		return FALSE;
	}
	if (!cvmi_ovmf_entry_u32(ovmf, CVMI_GUID_SEV_HASH_TABLE_RV, &table_gpa, error))
		return FALSE;
	gsize off = table_gpa & (CVMI_PAGE_SIZE - 1);
	if (off + CVMI_SEV_HASH_TABLE_SIZE > CVMI_PAGE_SIZE) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "SEV hash table at 0x%x crosses a page boundary", table_gpa);
		return FALSE;
	}
	if (!cvmi_sev_hash_table(opts, page + off, error))
		return FALSE;
	cvmi_snp_chain_normal(chain, s->gpa, page, CVMI_PAGE_SIZE);
	return TRUE;
}

static gboolean
metadata_sections(const CvmiOvmf *ovmf, const CvmMeasureOptions *opts, CvmVmmType vmm, CvmiSnpChain *chain,
		  GError **error)
{
	for (guint i = 0; i < ovmf->sections->len; i++) {
		const CvmiSevSection *s = &g_array_index(ovmf->sections, CvmiSevSection, i);
		switch (s->type) {
		case CVMI_SEV_SECTION_SNP_SEC_MEM:
			cvmi_snp_chain_typed(chain, vmm == CVM_VMM_GCE ? CVMI_SNP_PAGE_UNMEASURED : CVMI_SNP_PAGE_ZERO,
					     s->gpa, s->size);
			break;
		case CVMI_SEV_SECTION_SNP_SECRETS:
			cvmi_snp_chain_typed(chain, CVMI_SNP_PAGE_SECRETS, s->gpa, CVMI_PAGE_SIZE);
			break;
		case CVMI_SEV_SECTION_CPUID:
			/* EC2 measures the CPUID pages after all other sections. */
			if (vmm != CVM_VMM_EC2)
				cvmi_snp_chain_typed(chain, CVMI_SNP_PAGE_CPUID, s->gpa, CVMI_PAGE_SIZE);
			break;
		case CVMI_SEV_SECTION_SNP_KERNEL_HASHES:
			if (!kernel_hashes_section(ovmf, s, opts, chain, error))
				return FALSE;
			break;
		case CVMI_SEV_SECTION_SVSM_CAA:
			cvmi_snp_chain_typed(chain, CVMI_SNP_PAGE_ZERO, s->gpa, s->size);
			break;
		default:
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
				    "SEV metadata section %u has unknown type 0x%x", i, s->type);
			return FALSE;
		}
	}
	for (guint i = 0; vmm == CVM_VMM_EC2 && i < ovmf->sections->len; i++) {
		const CvmiSevSection *s = &g_array_index(ovmf->sections, CvmiSevSection, i);
		if (s->type == CVMI_SEV_SECTION_CPUID)
			cvmi_snp_chain_typed(chain, CVMI_SNP_PAGE_CPUID, s->gpa, CVMI_PAGE_SIZE);
	}
	return TRUE;
}

static void
finish_snp(const CvmiSnpChain *chain, CvmDigest *out)
{
	out->platform = CVM_PLATFORM_SEV_SNP;
	out->len = 48;
	memcpy(out->bytes, chain->ld, 48);
}

static gboolean
measure_svsm(const CvmiOvmf *ovmf, const CvmMeasureOptions *opts, CvmDigest *out, GError **error)
{
	g_autofree gchar *svsm_data = NULL;
	gsize svsm_len = 0;
	CvmiOvmf svsm = { 0 };
	CvmiSnpChain chain = { 0 };
	guint8 page[CVMI_PAGE_SIZE];
	guint32 entry;
	gboolean ok = FALSE;

	g_autoptr(GError) local = NULL;

	if (!g_file_get_contents(opts->svsm, &svsm_data, &svsm_len, &local)) {
		cvmi_file_error(error, local);
		return FALSE;
	}
	if (opts->ovmf_vars_size > ovmf->gpa || opts->ovmf_vars_size % CVMI_PAGE_SIZE != 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "OVMF vars size %" G_GUINT64_FORMAT
			    " is not a multiple of 4096 below the firmware", opts->ovmf_vars_size);
		return FALSE;
	}
	if (!cvmi_ovmf_parse((const guint8 *)svsm_data, svsm_len, ovmf->gpa - opts->ovmf_vars_size, &svsm,
			     error) ||
	    !cvmi_ovmf_entry_u32(&svsm, CVMI_GUID_SVSM_INFO, &entry, error))
		goto out;
	cvmi_snp_chain_init(&chain, opts);
	cvmi_snp_chain_normal(&chain, ovmf->gpa, ovmf->data, ovmf->len);
	cvmi_snp_chain_normal(&chain, svsm.gpa, svsm.data, svsm.len);
	CvmMeasureOptions no_kernel = *opts;
	no_kernel.kernel = NULL;
	if (!metadata_sections(&svsm, &no_kernel, CVM_VMM_QEMU, &chain, error))
		goto out;
	cvmi_vmsa_svsm(page, svsm.gpa + entry, opts->vcpu_sig);
	for (guint i = 0; i < MAX(opts->vcpus, 1); i++)
		cvmi_snp_chain_vmsa(&chain, CVMI_SNP_VMSA_GPA, page);
	finish_snp(&chain, out);
	ok = TRUE;
out:
	cvmi_snp_chain_clear(&chain);
	cvmi_ovmf_clear(&svsm);
	return ok;
}

gboolean
cvmi_measure_ovmf_snp(const CvmiOvmf *ovmf, const CvmMeasureOptions *opts, CvmDigest *out, GError **error)
{
	CvmiSnpChain chain;
	guint8 bsp[CVMI_PAGE_SIZE], ap[CVMI_PAGE_SIZE];
	guint32 ap_eip;

	if (opts->svsm != NULL)
		return measure_svsm(ovmf, opts, out, error);
	if (opts->kernel != NULL && !cvmi_ovmf_has_section(ovmf, CVMI_SEV_SECTION_SNP_KERNEL_HASHES)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND,
			    "a kernel was given but the firmware's SEV metadata has no SNP_KERNEL_HASHES section");
		return FALSE;
	}
	if (!cvmi_ovmf_entry_u32(ovmf, CVMI_GUID_SEV_ES_RESET_BLOCK, &ap_eip, error)) {
		g_prefix_error(error, "no SEV-ES AP reset vector: ");
		return FALSE;
	}
	if (opts->ap_eip != 0)
		ap_eip = opts->ap_eip;
	cvmi_snp_chain_init(&chain, opts);
	if (!opts->has_snp_ovmf_hash)
		cvmi_snp_chain_normal(&chain, ovmf->gpa, ovmf->data, ovmf->len);
	if (!metadata_sections(ovmf, opts, opts->vmm, &chain, error)) {
		cvmi_snp_chain_clear(&chain);
		return FALSE;
	}
	cvmi_vmsa_ovmf(bsp, 0xfffffff0u, opts->guest_features, opts->vcpu_sig, opts->vmm);
	cvmi_vmsa_ovmf(ap, ap_eip, opts->guest_features, opts->vcpu_sig, opts->vmm);
	for (guint i = 0; i < MAX(opts->vcpus, 1); i++)
		cvmi_snp_chain_vmsa(&chain, CVMI_SNP_VMSA_GPA, i == 0 ? bsp : ap);
	finish_snp(&chain, out);
	cvmi_snp_chain_clear(&chain);
	return TRUE;
}

static void
trace_stream(const CvmMeasureOptions *opts, guint64 gpa, const char *type, const void *data, gsize len)
{
	guint8 h[32];

	if (opts->trace == NULL)
		return;
	cvmi_sha256(data, len, h);
	opts->trace(gpa, type, h, 32, NULL, 0, opts->trace_data);
}

gboolean
cvmi_measure_ovmf_sev(const CvmiOvmf *ovmf, const CvmMeasureOptions *opts, CvmDigest *out, GError **error)
{
	g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new();
	guint8 table[CVMI_SEV_HASH_TABLE_SIZE], page[CVMI_PAGE_SIZE];
	unsigned int n = 32;

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, ovmf->data, ovmf->len);
	trace_stream(opts, ovmf->gpa, "data", ovmf->data, ovmf->len);
	if (opts->kernel != NULL) {
		guint32 table_gpa = 0;
		if (!cvmi_ovmf_entry_u32(ovmf, CVMI_GUID_SEV_HASH_TABLE_RV, &table_gpa, error) || table_gpa == 0) {
			g_clear_error(error);
			g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND,
				    "a kernel was given but the firmware has no SEV hash table");
			return FALSE;
		}
		if (!cvmi_sev_hash_table(opts, table, error))
			return FALSE;
		EVP_DigestUpdate(ctx, table, sizeof(table));
		trace_stream(opts, table_gpa, "data", table, sizeof(table));
	}
	if (opts->platform == CVM_PLATFORM_SEV_ES) {
		guint32 ap_eip;
		if (!cvmi_ovmf_entry_u32(ovmf, CVMI_GUID_SEV_ES_RESET_BLOCK, &ap_eip, error)) {
			g_prefix_error(error, "no SEV-ES AP reset vector: ");
			return FALSE;
		}
		if (opts->ap_eip != 0)
			ap_eip = opts->ap_eip;
		for (guint i = 0; i < MAX(opts->vcpus, 1); i++) {
			cvmi_vmsa_ovmf(page, i == 0 ? 0xfffffff0u : ap_eip, 0, opts->vcpu_sig, opts->vmm);
			EVP_DigestUpdate(ctx, page, sizeof(page));
			trace_stream(opts, CVMI_SNP_VMSA_GPA, "vmsa", page, sizeof(page));
		}
	}
	out->platform = opts->platform;
	out->len = 32;
	EVP_DigestFinal_ex(ctx, out->bytes, &n);
	return TRUE;
}
