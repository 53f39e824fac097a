/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SEV-SNP launch digest: LD = SHA-384(PAGE_INFO) per 4 KiB page, starting
 * from 48 zero bytes (SNP_LAUNCH_START). PAGE_INFO layout: docs/measurement.md. */
#include "measure/measure-private.h"

#include <string.h>

#define PAGE_INFO_SIZE 0x70

void
cvmi_snp_chain_init(CvmiSnpChain *chain, const CvmMeasureOptions *opts)
{
	memset(chain, 0, sizeof(*chain));
	chain->ctx = EVP_MD_CTX_new();
	chain->md = EVP_MD_fetch(NULL, "SHA384", NULL);
	if (opts->has_snp_ovmf_hash)
		memcpy(chain->ld, opts->snp_ovmf_hash, 48);
	chain->jobs = opts->jobs;
	chain->trace = opts->trace;
	chain->trace_data = opts->trace_data;
}

static const char *
page_type_name(guint8 type)
{
	static const char *const names[] = { "?", "normal", "vmsa", "zero", "unmeasured", "secrets", "cpuid" };
	return type < G_N_ELEMENTS(names) ? names[type] : "?";
}

void
cvmi_snp_chain_update(CvmiSnpChain *chain, guint8 page_type, guint64 gpa, const guint8 contents[48])
{
	guint8 info[PAGE_INFO_SIZE] = { 0 };
	guint16 len = GUINT16_TO_LE(PAGE_INFO_SIZE);
	guint64 gpa_le = GUINT64_TO_LE(gpa);

	memcpy(info, chain->ld, 48);
	memcpy(info + 0x30, contents, 48);
	memcpy(info + 0x60, &len, 2);
	info[0x62] = page_type;
	/* 0x63 IMI, 0x64..0x66 VMPL3..1 permissions, 0x67 reserved: all 0 under KVM. */
	memcpy(info + 0x68, &gpa_le, 8);
	unsigned int n = 48;
	EVP_DigestInit_ex(chain->ctx, chain->md, NULL);
	EVP_DigestUpdate(chain->ctx, info, sizeof(info));
	EVP_DigestFinal_ex(chain->ctx, chain->ld, &n);
	if (chain->trace)
		chain->trace(gpa, page_type_name(page_type), contents, 48, chain->ld, 48, chain->trace_data);
}

void
cvmi_snp_chain_normal(CvmiSnpChain *chain, guint64 gpa, const guint8 *data, gsize len)
{
	gsize npages = len / CVMI_PAGE_SIZE;
	g_autofree guint8 *hashes = g_malloc(MAX(npages, 1) * 48);

	cvmi_sha384_pages(data, npages, hashes, chain->jobs);
	for (gsize i = 0; i < npages; i++)
		cvmi_snp_chain_update(chain, CVMI_SNP_PAGE_NORMAL, gpa + i * CVMI_PAGE_SIZE, hashes + i * 48);
}

void
cvmi_snp_chain_typed(CvmiSnpChain *chain, guint8 page_type, guint64 gpa, guint64 len)
{
	static const guint8 zeros[48];

	for (guint64 off = 0; off < len; off += CVMI_PAGE_SIZE)
		cvmi_snp_chain_update(chain, page_type, gpa + off, zeros);
}

void
cvmi_snp_chain_vmsa(CvmiSnpChain *chain, guint64 gpa, const guint8 page[4096])
{
	guint8 hash[48];

	cvmi_sha384(page, CVMI_PAGE_SIZE, hash);
	cvmi_snp_chain_update(chain, CVMI_SNP_PAGE_VMSA, gpa, hash);
}

void
cvmi_snp_chain_clear(CvmiSnpChain *chain)
{
	g_clear_pointer(&chain->ctx, EVP_MD_CTX_free);
	g_clear_pointer(&chain->md, EVP_MD_free);
}
