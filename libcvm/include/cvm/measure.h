/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Launch measurements: the digest the hardware will report for a guest, computed
 * on the host before launch (SEV-SNP launch digest, SEV/SEV-ES launch digest,
 * TDX MRTD), from OVMF firmware images and from IGVM files.
 * Algorithms and sources: docs/measurement.md. */
#pragma once

#include <glib.h>
#include <cvm/igvm-builder.h>
#include <cvm/igvm.h>
#include <cvm/platform.h>

G_BEGIN_DECLS

/*
 * Platforms (CvmPlatform, cvm/platform.h) measured here, those for which
 * cvm_platform_is_measurable() holds:
 * - CVM_PLATFORM_SEV_SNP: SHA-384 PAGE_INFO chain (48-byte digest)
 * - CVM_PLATFORM_SEV_ES: SHA-256 stream over launch-update data and VMSAs (32 bytes)
 * - CVM_PLATFORM_SEV: SHA-256 stream over launch-update data (32 bytes)
 * - CVM_PLATFORM_TDX: TDX MRTD, SHA-384 over PAGE.ADD/MR.EXTEND records (48 bytes)
 * Any other platform (AUTO, NATIVE, VSM, CCA) is refused with
 * CVM_ERROR_INVALID_ARGUMENT.
 */

/**
 * CvmVmmType:
 * @CVM_VMM_QEMU: QEMU/KVM register values (default)
 * @CVM_VMM_EC2: Amazon EC2 (different segment attributes, CPUID pages last)
 * @CVM_VMM_GCE: Google Compute Engine (different g_pat, SNP_SEC_MEM unmeasured)
 */
typedef enum {
	CVM_VMM_QEMU,
	CVM_VMM_EC2,
	CVM_VMM_GCE,
} CvmVmmType;

/** Largest digest any platform produces (SHA-384). */
#define CVM_MEASURE_DIGEST_MAX 48

/** CPUID(1).EAX of the EPYC-v4 vCPU model, the default vCPU signature. */
#define CVM_VCPU_SIG_EPYC_V4 0x800F12u

/**
 * CvmDigest:
 * @platform: which algorithm produced it
 * @len: 48 for SEV-SNP and TDX, 32 for SEV and SEV-ES
 * @bytes: the digest
 */
typedef struct {
	CvmPlatform platform;
	gsize len;
	guint8 bytes[CVM_MEASURE_DIGEST_MAX];
} CvmDigest;

/**
 * CvmMeasureTraceFunc:
 * @gpa: guest physical address of the measured 4 KiB page (or chunk for TDX)
 * @page_type: SNP page type name ("normal", "vmsa", "zero", "unmeasured",
 *   "secrets", "cpuid"), "page.add"/"mr.extend" for TDX, "data"/"vmsa" for SEV
 * @contents: contents hash (SNP: 48 bytes, zero for typeless pages), or NULL
 * @contents_len: length of @contents
 * @digest: the running digest after this page, or NULL for stream hashes
 *   (SEV/SEV-ES/TDX: the value is only known at the end)
 * @digest_len: length of @digest
 * @user_data: the caller's pointer
 *
 * Called once per measured page, in measurement order, from the calling thread.
 */
typedef void (*CvmMeasureTraceFunc)(guint64 gpa, const char *page_type, const guint8 *contents,
				    gsize contents_len, const guint8 *digest, gsize digest_len,
				    gpointer user_data);

/**
 * CvmMeasureOptions:
 * @platform: what to measure for
 * @vcpus: number of vCPUs (VMSAs measured for SEV-ES/SEV-SNP); 0 means 1
 * @vcpu_sig: vCPU signature (CPUID(1).EAX) put in RDX of the VMSAs
 * @vmm: hypervisor register conventions (OVMF flow only)
 * @guest_features: SNP sev_features of the VMSAs (default 0x1, SNPActive)
 * @kernel: path of the -kernel file, or NULL (OVMF flow: fills the SEV hash table)
 * @initrd: path of the -initrd file, or NULL (hash of empty data)
 * @append: the -append command line, or NULL
 * @svsm: path of an SVSM binary for the SNP:SVSM flow (OVMF flow), or NULL
 * @ovmf_vars_size: size of the OVMF variable store below the firmware (SNP:SVSM)
 * @snp_ovmf_hash: if @has_snp_ovmf_hash, a precomputed SNP digest of the OVMF
 *   pages (sev-snp-measure's --snp-ovmf-hash) used as the start value
 * @has_snp_ovmf_hash: whether @snp_ovmf_hash is set
 * @native_zero: IGVM: measure data-less pages as ZERO pages (igvmmeasure
 *   --native-zero, the OVMF flow's convention) instead of NORMAL zero pages
 * @param_insert_one_page: IGVM: measure a PARAMETER_INSERT as one UNMEASURED
 *   page like igvmmeasure, instead of every page of the area like QEMU
 * @bsp_only: IGVM: measure the VMSAs in the file once (SVSM-style files),
 *   instead of the BSP's VMSA once per vCPU
 * @check_kvm: IGVM: also check that KVM can launch the file (one VMSA at
 *   0xFFFFFFFFF000 after all pages); violations become diagnostics
 * @tdx_two_pass: TDX: all PAGE.ADDs of a section before its MR.EXTENDs
 * @ap_eip: OVMF flow, SEV-ES/SEV-SNP: the EIP the application processors'
 *   VMSAs start at; 0 means the firmware's SEV-ES reset block (QEMU, and
 *   sev-snp-measure); 0xfffffff0 starts them at the reset vector like the BSP
 * @jobs: worker threads for page hashing; 0 means one per CPU
 * @trace: per-page callback, or NULL
 * @trace_data: passed to @trace
 *
 * Initialize with cvm_measure_options_init() and change what you need.
 */
typedef struct {
	CvmPlatform platform;
	guint vcpus;
	guint32 vcpu_sig;
	CvmVmmType vmm;
	guint64 guest_features;
	const char *kernel;
	const char *initrd;
	const char *append;
	const char *svsm;
	guint64 ovmf_vars_size;
	guint8 snp_ovmf_hash[48];
	gboolean has_snp_ovmf_hash;
	gboolean native_zero;
	gboolean param_insert_one_page;
	gboolean bsp_only;
	gboolean check_kvm;
	gboolean tdx_two_pass;
	guint32 ap_eip;
	guint jobs;
	CvmMeasureTraceFunc trace;
	gpointer trace_data;
} CvmMeasureOptions;

/**
 * cvm_measure_options_init:
 * @opts: options to fill
 *
 * Sets the defaults: SEV-SNP, 1 vCPU, EPYC-v4 signature, QEMU, guest features
 * 0x1, no kernel, no SVSM, QEMU's IGVM conventions, one job per CPU, no trace.
 */
void cvm_measure_options_init(CvmMeasureOptions *opts);

/**
 * cvm_measure_platform_check:
 * @platform: a platform
 * @error: CVM_ERROR_INVALID_ARGUMENT naming the platform and those measured
 *
 * Returns: whether @platform is one cvm computes launch digests for; for
 * parsers of a user's choice: cvm_platform_from_string(), then this.
 */
gboolean cvm_measure_platform_check(CvmPlatform platform, GError **error);

/**
 * cvm_vmm_type_from_string:
 * @name: "qemu", "ec2" or "gce"
 */
gboolean cvm_vmm_type_from_string(const char *name, CvmVmmType *out, GError **error);

/**
 * cvm_vcpu_sig_from_type:
 * @name: a QEMU vCPU model name ("EPYC-v4", "EPYC-Milan", "EPYC-Genoa", ...)
 * @out: its CPUID(1).EAX signature
 */
gboolean cvm_vcpu_sig_from_type(const char *name, guint32 *out, GError **error);

/**
 * cvm_measure_ovmf:
 * @firmware: the OVMF image, loaded so that it ends at 4 GiB
 * @len: its size (a multiple of 4096)
 * @opts: @opts->platform selects SNP (OVMF pages, SEV metadata sections, VMSAs;
 *   SNP:SVSM when @opts->svsm is set), SEV-ES, SEV (SHA-256 streams) or TDX
 *   (TDVF metadata)
 * @out: the digest
 * @error: CVM_ERROR_INVALID_DATA / CVM_ERROR_TRUNCATED for a malformed image,
 *   CVM_ERROR_NOT_FOUND for missing metadata, CVM_ERROR_IO for unreadable
 *   kernel/initrd/SVSM files
 *
 * Computes what sev-snp-measure (SEV family) or tdx-measure (TDX) compute.
 */
gboolean cvm_measure_ovmf(const guint8 *firmware, gsize len, const CvmMeasureOptions *opts,
			  CvmDigest *out, GError **error);

/**
 * cvm_measure_snp_ovmf_hash:
 * @firmware: the OVMF image
 * @len: its size
 * @out: the SNP digest after the firmware pages only (sev-snp-measure's
 *   --snp-ovmf-hash value; pass it back as CvmMeasureOptions.snp_ovmf_hash)
 */
gboolean cvm_measure_snp_ovmf_hash(const guint8 *firmware, gsize len, const CvmMeasureOptions *opts,
				   CvmDigest *out, GError **error);

/**
 * cvm_measure_ovmf_file:
 *
 * cvm_measure_ovmf() on the contents of @path.
 */
gboolean cvm_measure_ovmf_file(const char *path, const CvmMeasureOptions *opts, CvmDigest *out,
			       GError **error);

/**
 * cvm_measure_igvm:
 * @data: an IGVM file
 * @len: its size
 * @opts: @opts->platform picks the file's SUPPORTED_PLATFORM to measure for
 * @out: the expected launch digest
 * @diagnostics: (optional): receives a NULL-terminated array of messages
 *   (the --check-kvm findings); free with g_strfreev()
 * @error: CVM_ERROR_NOT_FOUND if the file has no header for the platform,
 *   CVM_ERROR_INVALID_DATA for a malformed file
 *
 * The digest a QEMU/KVM launch of the file reports (see CvmMeasureOptions for
 * the other tools' conventions).
 */
gboolean cvm_measure_igvm(const guint8 *data, gsize len, const CvmMeasureOptions *opts,
			  CvmDigest *out, gchar ***diagnostics, GError **error);

/**
 * cvm_measure_igvm_parsed:
 * @igvm: a file opened (and validated, as the caller chose) with cvm_igvm_open()
 *   or cvm_igvm_new_from_bytes()
 * @opts: as for cvm_measure_igvm()
 * @out: the expected launch digest
 * @diagnostics: (optional): as for cvm_measure_igvm()
 * @error: as for cvm_measure_igvm()
 *
 * cvm_measure_igvm() of a file already parsed: a caller that opened the file
 * to check or launch it measures that same parse instead of a second one.
 */
gboolean cvm_measure_igvm_parsed(const CvmIgvm *igvm, const CvmMeasureOptions *opts, CvmDigest *out,
				 gchar ***diagnostics, GError **error);

/**
 * CvmOvmfWrapPlatform:
 * @CVM_OVMF_WRAP_SEV_SNP: firmware, SEV metadata sections, SNP VMSAs
 * @CVM_OVMF_WRAP_SEV_ES: firmware and SEV-ES VMSAs (sev_features 0)
 * @CVM_OVMF_WRAP_NATIVE: firmware only (the CPU starts at its reset vector)
 * @CVM_OVMF_WRAP_TDX: the TDVF metadata sections (measured ones with their
 *   data, the others unmeasured), no VP context (the TD's reset state is
 *   architectural)
 * @CVM_OVMF_WRAP_SEV: firmware only (plain SEV has no VMSA); refused with a
 *   kernel, whose 176-byte hash table no IGVM page expresses
 *
 * A set of platforms: bit CvmPlatform, CVM_OVMF_WRAP_FLAG(platform).
 */
#define CVM_OVMF_WRAP_FLAG(platform) (1u << (platform))
typedef enum {
	CVM_OVMF_WRAP_SEV_SNP = CVM_OVMF_WRAP_FLAG(CVM_PLATFORM_SEV_SNP),
	CVM_OVMF_WRAP_SEV_ES = CVM_OVMF_WRAP_FLAG(CVM_PLATFORM_SEV_ES),
	CVM_OVMF_WRAP_NATIVE = CVM_OVMF_WRAP_FLAG(CVM_PLATFORM_NATIVE),
	CVM_OVMF_WRAP_TDX = CVM_OVMF_WRAP_FLAG(CVM_PLATFORM_TDX),
	CVM_OVMF_WRAP_SEV = CVM_OVMF_WRAP_FLAG(CVM_PLATFORM_SEV),
} CvmOvmfWrapPlatform;

/**
 * cvm_igvm_add_ovmf:
 * @builder: the IGVM file being built
 * @firmware: an OVMF image (it must outlive the builder's writes)
 * @len: its size
 * @platforms: CvmOvmfWrapPlatform flags; platforms the builder does not yet
 *   declare are added
 * @opts: vCPU count, signature, VMM type and SNP guest features of the VMSAs;
 *   with @opts->kernel the SNP kernel-hashes page carries the hash table
 *
 * Lays the firmware out as QEMU does for an OVMF launch. Measured with
 * @native_zero, the SNP digest of the result equals cvm_measure_ovmf() for the
 * same firmware and @opts; SNP files get GUEST_POLICY 0x30000. The TDX MRTD
 * and the SEV digest of the result equal cvm_measure_ovmf()'s (TDX single
 * pass, SEV without a kernel).
 */
gboolean cvm_igvm_add_ovmf(CvmIgvmBuilder *builder, const guint8 *firmware, gsize len, guint platforms,
			   const CvmMeasureOptions *opts, GError **error);

/**
 * CvmIdBlockParams:
 * @id_key: PEM file of the ECDSA P-384 ID key
 * @author_key: PEM file of the ECDSA P-384 author key, or NULL
 * @family_id: the ID block's FAMILY_ID
 * @image_id: the ID block's IMAGE_ID
 * @guest_svn: the ID block's GUEST_SVN
 */
typedef struct {
	const char *id_key;
	const char *author_key;
	guint8 family_id[16];
	guint8 image_id[16];
	guint32 guest_svn;
} CvmIdBlockParams;

/**
 * cvm_igvm_sign:
 * @file: an IGVM file with an SEV-SNP platform and no SNP_ID_BLOCK yet
 * @opts: measurement options (the SNP digest goes into the ID block)
 * @params: keys and ID block fields
 *
 * Computes the SNP launch digest, fills and signs the ID block and ID auth
 * (policy from the file's GUEST_POLICY, 0x30000 without one) and appends an
 * SNP_ID_BLOCK directive.
 *
 * Returns: (transfer full): the signed file, or NULL (CVM_ERROR_CRYPTO for
 *   unusable keys, CVM_ERROR_EXISTS if the file is already signed)
 */
GBytes *cvm_igvm_sign(GBytes *file, const CvmMeasureOptions *opts, const CvmIdBlockParams *params,
		      GError **error);

/**
 * cvm_igvm_verify:
 * @file: an IGVM file with an SNP_ID_BLOCK
 * @opts: measurement options
 * @digest: (optional): receives the computed SNP digest
 *
 * Checks that the ID block's launch digest equals the computed one
 * (CVM_ERROR_MEASUREMENT_MISMATCH) and that the ID block and author
 * signatures verify (CVM_ERROR_CRYPTO). CVM_ERROR_NOT_FOUND without an ID block.
 */
gboolean cvm_igvm_verify(GBytes *file, const CvmMeasureOptions *opts, CvmDigest *digest, GError **error);

/**
 * cvm_digest_to_hex:
 *
 * Returns: (transfer full): lower-case hex of the digest.
 */
gchar *cvm_digest_to_hex(const CvmDigest *digest);

/**
 * cvm_measure_to_json:
 * @opts: the parameters used
 * @digests: one digest per platform measured
 * @n: number of @digests
 *
 * Returns: (transfer full): a JSON object {"digests": {"sev-snp": "hex", ...},
 *   "parameters": {"vcpus": N, "vcpu-sig": "0x800f12", ...}}.
 */
gchar *cvm_measure_to_json(const CvmMeasureOptions *opts, const CvmDigest *digests, gsize n);

/**
 * cvm_sev_measure_hmac:
 * @digest: the SEV or SEV-ES launch digest (32 bytes)
 * @tik: the guest owner's transport integrity key (16 bytes)
 * @api_major: firmware API major version
 * @api_minor: firmware API minor version
 * @build: firmware build id
 * @policy: the launch policy
 * @mnonce: the 16-byte nonce LAUNCH_MEASURE returned
 * @out: the 32-byte MEASURE value the PSP reports
 *
 * HMAC-SHA256(TIK, 0x04 || major || minor || build || policy || digest || mnonce).
 */
gboolean cvm_sev_measure_hmac(const CvmDigest *digest, const guint8 tik[16], guint8 api_major,
			      guint8 api_minor, guint8 build, guint32 policy, const guint8 mnonce[16],
			      guint8 out[32], GError **error);

/**
 * cvm_snp_id_block_for_launch:
 * @b: an SNP_ID_BLOCK header payload
 * @policy: the guest policy the launch uses
 * @id_block: (out): the 96-byte ID block SNP_LAUNCH_FINISH takes
 * @id_auth: (out): the 4096-byte ID authentication structure (ID key
 *   algorithm, signature and public key; the author key's when enabled)
 *
 * What QEMU's sev-snp-guest id-block/id-auth (libvirt's idBlock/idAuth)
 * carry, in SNP ABI layout.
 */
void cvm_snp_id_block_for_launch(const CvmIgvmSnpIdBlock *b, guint64 policy, guint8 id_block[96],
				 guint8 id_auth[4096]);

/**
 * cvm_snp_id_key_digest:
 * @b: an SNP_ID_BLOCK header payload
 * @out: (out): SHA-384 of the ID public key in SNP layout (1028 bytes), the
 *   value an SNP report carries as ID_KEY_DIGEST and host policies name
 *
 * Returns: %FALSE only if OpenSSL fails.
 */
gboolean cvm_snp_id_key_digest(const CvmIgvmSnpIdBlock *b, guint8 out[48]);

G_END_DECLS
