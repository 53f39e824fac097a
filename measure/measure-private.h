/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the files of measure/ only. */
#pragma once

#include <cvm/igvm.h>
#include <cvm/measure.h>
#include <openssl/evp.h>
#include "igvm/igvm-internal.h"
#include "measure/measure-internal.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_MD_CTX, EVP_MD_CTX_free)

#define CVMI_PAGE_SIZE 4096u

/* SNP PAGE_INFO page types (SNP ABI, same numbering in every host tool). */
enum {
	CVMI_SNP_PAGE_NORMAL = 1,
	CVMI_SNP_PAGE_VMSA = 2,
	CVMI_SNP_PAGE_ZERO = 3,
	CVMI_SNP_PAGE_UNMEASURED = 4,
	CVMI_SNP_PAGE_SECRETS = 5,
	CVMI_SNP_PAGE_CPUID = 6,
};

/* KVM measures every VMSA at this GPA (INITIAL_VMSA_GPA). */
#define CVMI_SNP_VMSA_GPA 0xFFFFFFFFF000ull

/* OVMF SEV metadata section types. */
enum {
	CVMI_SEV_SECTION_SNP_SEC_MEM = 1,
	CVMI_SEV_SECTION_SNP_SECRETS = 2,
	CVMI_SEV_SECTION_CPUID = 3,
	CVMI_SEV_SECTION_SVSM_CAA = 4,
	CVMI_SEV_SECTION_SNP_KERNEL_HASHES = 0x10,
};

/* The running SNP launch digest. */
typedef struct {
	guint8 ld[48];
	guint jobs;
	CvmMeasureTraceFunc trace;
	gpointer trace_data;
	EVP_MD_CTX *ctx;
	EVP_MD *md;
} CvmiSnpChain;

/* Every initialized chain is cleared with cvmi_snp_chain_clear(). */
void cvmi_snp_chain_init(CvmiSnpChain *chain, const CvmMeasureOptions *opts);
void cvmi_snp_chain_clear(CvmiSnpChain *chain);
void cvmi_snp_chain_update(CvmiSnpChain *chain, guint8 page_type, guint64 gpa, const guint8 contents[48]);
/* NORMAL pages over @data (@len a multiple of 4096); contents hashed in parallel. */
void cvmi_snp_chain_normal(CvmiSnpChain *chain, guint64 gpa, const guint8 *data, gsize len);
/* Pages of a type whose contents are not hashed (ZERO, UNMEASURED, SECRETS, CPUID). */
void cvmi_snp_chain_typed(CvmiSnpChain *chain, guint8 page_type, guint64 gpa, guint64 len);
void cvmi_snp_chain_vmsa(CvmiSnpChain *chain, guint64 gpa, const guint8 page[4096]);

/* SHA-384 of @npages 4 KiB pages at @data into @out (48 bytes each), on up to
 * @jobs threads (0: one per CPU). The result does not depend on @jobs. */
void cvmi_sha384_pages(const guint8 *data, gsize npages, guint8 *out, guint jobs);

/* One-shot digests through OpenSSL EVP. */
void cvmi_sha384(const void *data, gsize len, guint8 out[48]);
void cvmi_sha256(const void *data, gsize len, guint8 out[32]);

/* GUID text form to its on-disk (little-endian first three fields) bytes. */
void cvmi_guid_le(const char *text, guint8 out[16]);

/* An OVMF image with its parsed footer table. */
typedef struct {
	const guint8 *data;
	gsize len;
	guint64 gpa;		/* where the image starts in guest memory */
	GArray *entries;	/* CvmiOvmfEntry, in table order */
	GArray *sections;	/* CvmiSevSection, SEV metadata in file order */
} CvmiOvmf;

typedef struct {
	guint8 guid[16];
	const guint8 *data;
	gsize len;
} CvmiOvmfEntry;

typedef struct {
	guint32 gpa;
	guint32 size;
	guint32 type;
} CvmiSevSection;

#define CVMI_GUID_SEV_ES_RESET_BLOCK "00f771de-1a7e-4fcb-890e-68c77e2fb44e"
#define CVMI_GUID_SEV_HASH_TABLE_RV "7255371f-3a3b-4b04-927b-1da6efa8d454"
#define CVMI_GUID_SVSM_INFO "a789a612-0597-4c4b-a49f-cbb1fe9d1ddd"
#define CVMI_GUID_TDVF_METADATA "e47a6535-984a-4798-865e-4685a7bf8ec2"

/* Parse the footer table and SEV metadata of @data, loaded to end at @end_gpa.
 * An image without a footer table parses with no entries. */
gboolean cvmi_ovmf_parse(const guint8 *data, gsize len, guint64 end_gpa, CvmiOvmf *out, GError **error);
void cvmi_ovmf_clear(CvmiOvmf *ovmf);
/* The first u32 of the table entry @guid; CVM_ERROR_NOT_FOUND if absent. */
gboolean cvmi_ovmf_entry_u32(const CvmiOvmf *ovmf, const char *guid, guint32 *out, GError **error);
gboolean cvmi_ovmf_has_section(const CvmiOvmf *ovmf, guint32 type);

/* The padded SEV kernel hash table (176 bytes) for -kernel/-initrd/-append. */
#define CVMI_SEV_HASH_TABLE_SIZE 176
gboolean cvmi_sev_hash_table(const CvmMeasureOptions *opts, guint8 out[CVMI_SEV_HASH_TABLE_SIZE],
			     GError **error);

/* VMSA pages as QEMU (or EC2/GCE) sets them up for an OVMF launch. */
void cvmi_vmsa_ovmf(guint8 page[4096], guint32 eip, guint64 sev_features, guint32 vcpu_sig, CvmVmmType vmm);

/* VMSA of the SNP:SVSM flow (32-bit protected mode at the SVSM entry). */
void cvmi_vmsa_svsm(guint8 page[4096], guint64 rip, guint32 vcpu_sig);

gboolean cvmi_measure_ovmf_snp(const CvmiOvmf *ovmf, const CvmMeasureOptions *opts, CvmDigest *out,
			       GError **error);
gboolean cvmi_measure_ovmf_sev(const CvmiOvmf *ovmf, const CvmMeasureOptions *opts, CvmDigest *out,
			       GError **error);
gboolean cvmi_measure_ovmf_tdx(const guint8 *data, gsize len, const CvmMeasureOptions *opts,
			       CvmDigest *out, GError **error);

/* A TDVF metadata section (TDVF spec, "TDVF_SECTION"). */
typedef struct {
	guint32 data_offset, raw_size, type, attr;
	guint64 mem_addr, mem_size;
} CvmiTdvfSection;

#define CVMI_TDVF_ATTR_MR_EXTEND 0x1
#define CVMI_TDVF_ATTR_PAGE_AUG 0x2
#define CVMI_TDVF_TYPE_BFV 0
#define CVMI_TDVF_TYPE_CFV 1
#define CVMI_TDVF_TYPE_TD_HOB 2
#define CVMI_TDVF_TYPE_TEMP_MEM 3

/* The TDVF metadata sections of @data (CvmiTdvfSection, in metadata order). */
gboolean cvmi_tdvf_parse(const guint8 *data, gsize len, GArray *out, GError **error);
/* Page @off of section @s: its bytes in the image, zero past raw_size. */
void cvmi_tdvf_section_page(const guint8 *data, const CvmiTdvfSection *s, guint64 off, guint8 page[4096]);

/* Adds the TDVF sections of @firmware to @b for the TDX platform @mask
 * (measure/ovmf-wrap-tdx.c). */
gboolean cvmi_ovmf_wrap_tdx(CvmIgvmBuilder *b, guint32 mask, const guint8 *firmware, gsize len, GError **error);

/* TDX MRTD records fed into a running SHA-384. */
void cvmi_tdx_page_add(EVP_MD_CTX *ctx, guint64 gpa);
void cvmi_tdx_extend_page(EVP_MD_CTX *ctx, guint64 gpa, const guint8 page[4096]);

/* One measured page of an IGVM file, for the chosen platform. */
enum {
	CVMI_OP_DATA,	    /* PAGE_DATA with contents (page) or without (page NULL) */
	CVMI_OP_UNMEASURED, /* PAGE_DATA flagged unmeasured */
	CVMI_OP_SECRETS,
	CVMI_OP_CPUID,
	CVMI_OP_PARAMETER,  /* a page of a parameter area */
	CVMI_OP_VMSA,	    /* VP_CONTEXT */
};

typedef struct {
	guint8 kind;
	gboolean unmeasured; /* the PAGE_DATA carried UNMEASURED (also for SECRETS/CPUID) */
	guint16 vp_index;
	guint64 gpa;
	const guint8 *page; /* 4096 bytes, or NULL for a zero page */
} CvmiMeasureOp;

typedef struct {
	GArray *ops;	   /* CvmiMeasureOp in directive order */
	GPtrArray *owned;  /* storage some ops point into */
	guint32 mask;	   /* compatibility mask of the platform */
	gboolean has_id_block;
	guint8 id_block_ld[48];
	const guint8 *id_block;	/* the SNP_ID_BLOCK payload in the file (696 bytes) */
	gboolean has_policy;
	guint64 policy;		/* GUEST_POLICY for the platform */
} CvmiMeasureOps;

gboolean cvmi_igvm_ops(const guint8 *data, gsize len, const CvmMeasureOptions *opts, CvmiMeasureOps *out,
		       GError **error);
/* The same for a file already open (and validated by the caller). */
gboolean cvmi_igvm_ops_from(const CvmIgvm *igvm, const CvmMeasureOptions *opts, CvmiMeasureOps *out,
			    GError **error);

void cvmi_measure_ops_clear(CvmiMeasureOps *ops);

/* Page hashes computed by worker threads, consumed in order by the caller:
 * _get() blocks until page @index is hashed (48 bytes, valid until _finish()). */
typedef struct _CvmiPageHasher CvmiPageHasher;
CvmiPageHasher *cvmi_page_hasher_start(const guint8 *const *pages, gsize n, guint jobs);
const guint8 *cvmi_page_hasher_get(CvmiPageHasher *h, gsize index);
void cvmi_page_hasher_finish(CvmiPageHasher *h);

/* ID block signing: fills keys, algorithms, version and signatures of @b (its
 * ld, family_id, image_id and guest_svn set by the caller). */
gboolean cvmi_id_block_fill(CvmIgvmSnpIdBlock *b, guint64 policy, const char *id_key_path,
			    const char *author_key_path, GError **error);
gboolean cvmi_id_block_verify(const CvmIgvmSnpIdBlock *b, guint64 policy, GError **error);
