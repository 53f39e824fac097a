/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SEV-SNP wire formats: the GHCB extended-guest-request certificate table
 * and the 1184-byte attestation report (versions 2 to 5).
 *
 * Certificate table (GHCB spec; google/go-sev-guest abi.go, virtee/sev):
 * 24-byte entries {guid[16], offset u32 LE, length u32 LE} ended by one
 * all-zero entry. GUIDs are in RFC 4122 byte order (the order of the text
 * form), not the mixed-endian EFI_GUID layout. Offsets count from the start
 * of the buffer and point past the table.
 */
#pragma once

#include <cvm/igvm-defs.h>
#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

typedef struct CVM_WIRE {
	guint8 guid[16];
	guint32 offset;
	guint32 length;
} CvmSnpCertTableEntry;
CVM_WIRE_ASSERT(CvmSnpCertTableEntry, 24);
CVM_WIRE_OFFSET(CvmSnpCertTableEntry, offset, 16);

#define CVM_SNP_CERT_GUID_ARK  "c0b406a4-a803-4952-9743-3fb6014cd0ae"
#define CVM_SNP_CERT_GUID_ASK  "4ab7b379-bbac-4fe4-a02f-05aef327c782"
#define CVM_SNP_CERT_GUID_VCEK "63da758d-e664-4564-adc5-f4b93be8accd"
#define CVM_SNP_CERT_GUID_VLEK "a8074bc2-a25a-483e-aae6-39c045a0b8a1"

/* Largest certificate buffer cvm encodes or decodes: 256 pages (1 MiB). */
#define CVM_SNP_CERT_TABLE_MAX (256u * 4096u)

/**
 * CvmSnpCert:
 * @guid: 16 bytes, RFC 4122 order
 * @data: the certificate bytes (usually DER)
 */
typedef struct {
	guint8 guid[16];
	GBytes *data;
} CvmSnpCert;

/**
 * cvm_snp_cert_new:
 * @guid_text: "xxxxxxxx-xxxx-..." text form
 * @data: the certificate (a reference is taken)
 * @error: return location
 *
 * Returns: (transfer full): a new entry, or %NULL when @guid_text is not a UUID
 */
CvmSnpCert *cvm_snp_cert_new(const char *guid_text, GBytes *data, GError **error);
void cvm_snp_cert_free(CvmSnpCert *cert);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmSnpCert, cvm_snp_cert_free)

/**
 * cvm_snp_cert_guid_to_string:
 * @guid: 16 bytes in RFC 4122 order
 *
 * Returns: (transfer full): the lower-case text form
 */
gchar *cvm_snp_cert_guid_to_string(const guint8 guid[16]);

/**
 * cvm_snp_cert_table_decode:
 * @data: the certificate buffer
 * @len: its length (at most CVM_SNP_CERT_TABLE_MAX)
 * @error: return location
 *
 * Every entry's range must lie after the terminating entry and inside @len;
 * a table without a terminator is truncated.
 *
 * Returns: (transfer full) (element-type CvmSnpCert): the certificates in
 *   table order, or %NULL
 */
GPtrArray *cvm_snp_cert_table_decode(const guint8 *data, gsize len, GError **error);

/**
 * cvm_snp_cert_table_encode:
 * @certs: (element-type CvmSnpCert): certificates, in the order to write
 * @error: return location
 *
 * Writes the table, the zero terminator, then each certificate in order
 * with no padding. An empty array gives the 24-byte empty table.
 *
 * Returns: (transfer full): the buffer, or %NULL when it would exceed
 *   CVM_SNP_CERT_TABLE_MAX
 */
GBytes *cvm_snp_cert_table_encode(GPtrArray *certs, GError **error);

/* The SNP attestation report (SNP ABI table "ATTESTATION_REPORT"). */
#define CVM_SNP_REPORT_SIZE        0x4A0u
#define CVM_SNP_REPORT_SIGNED_SIZE 0x2A0u

typedef struct CVM_WIRE {
	guint32 version;
	guint32 guest_svn;
	guint64 policy;
	guint8 family_id[16];
	guint8 image_id[16];
	guint32 vmpl;
	guint32 signature_algo;
	guint64 current_tcb;
	guint64 platform_info;
	guint32 key_info;
	guint32 reserved0;
	guint8 report_data[64];
	guint8 measurement[48];
	guint8 host_data[32];
	guint8 id_key_digest[48];
	guint8 author_key_digest[48];
	guint8 report_id[32];
	guint8 report_id_ma[32];
	guint64 reported_tcb;
	guint8 cpuid_fam_id; /* v3+ */
	guint8 cpuid_mod_id;
	guint8 cpuid_step;
	guint8 reserved1[21];
	guint8 chip_id[64];
	guint64 committed_tcb;
	guint8 current_build, current_minor, current_major, reserved2;
	guint8 committed_build, committed_minor, committed_major, reserved3;
	guint64 launch_tcb;
	guint64 launch_mit_vector;  /* v5 */
	guint64 current_mit_vector; /* v5 */
	guint8 reserved4[0x2A0 - 0x208];
	guint8 sig_r[72]; /* little-endian */
	guint8 sig_s[72]; /* little-endian */
	guint8 sig_reserved[368];
} CvmSnpReport;
CVM_WIRE_ASSERT(CvmSnpReport, 0x4A0);
CVM_WIRE_OFFSET(CvmSnpReport, key_info, 0x48);
CVM_WIRE_OFFSET(CvmSnpReport, report_data, 0x50);
CVM_WIRE_OFFSET(CvmSnpReport, measurement, 0x90);
CVM_WIRE_OFFSET(CvmSnpReport, host_data, 0xC0);
CVM_WIRE_OFFSET(CvmSnpReport, report_id, 0x140);
CVM_WIRE_OFFSET(CvmSnpReport, reported_tcb, 0x180);
CVM_WIRE_OFFSET(CvmSnpReport, cpuid_fam_id, 0x188);
CVM_WIRE_OFFSET(CvmSnpReport, chip_id, 0x1A0);
CVM_WIRE_OFFSET(CvmSnpReport, committed_tcb, 0x1E0);
CVM_WIRE_OFFSET(CvmSnpReport, current_build, 0x1E8);
CVM_WIRE_OFFSET(CvmSnpReport, launch_tcb, 0x1F0);
CVM_WIRE_OFFSET(CvmSnpReport, launch_mit_vector, 0x1F8);
CVM_WIRE_OFFSET(CvmSnpReport, sig_r, 0x2A0);
CVM_WIRE_OFFSET(CvmSnpReport, sig_s, 0x2E8);

#define CVM_SNP_SIG_ALGO_ECDSA_P384_SHA384 1u

/**
 * cvm_snp_report_decode:
 * @data: exactly CVM_SNP_REPORT_SIZE bytes
 * @len: their length
 * @out: (out caller-allocates): the report, multi-byte fields still
 *   little-endian (read them with cvm_le32/64)
 * @error: return location
 *
 * Accepts versions 2 to 5 (go-sev-guest's range; virtee reads 3 and 4
 * alike). Refuses any other length, and a v2 report with non-zero CPUID bytes.
 *
 * Returns: %TRUE on success
 */
gboolean cvm_snp_report_decode(const guint8 *data, gsize len, CvmSnpReport *out, GError **error);

/**
 * cvm_snp_report_encode:
 * @report: a report
 *
 * Returns: (transfer full): its 1184 wire bytes (the struct is the wire form)
 */
GBytes *cvm_snp_report_encode(const CvmSnpReport *report);

G_END_DECLS

G_BEGIN_DECLS

/**
 * CvmSnpVerifyStep:
 * @CVM_SNP_VERIFY_OK: everything checked out
 * @CVM_SNP_VERIFY_INPUT: the report or a certificate could not be read
 * @CVM_SNP_VERIFY_CHAIN: the VCEK/VLEK does not chain to a trusted ARK
 * @CVM_SNP_VERIFY_SIGNATURE: the report's ECDSA P-384 signature is wrong
 * @CVM_SNP_VERIFY_TCB: the report's reported_tcb differs from the VCEK's SPLs
 * @CVM_SNP_VERIFY_CHIP_ID: the report's chip_id differs from the VCEK's hwID
 * @CVM_SNP_VERIFY_MEASUREMENT: the measurement is not the expected one
 * @CVM_SNP_VERIFY_REPORT_DATA: report_data is not the expected one
 * @CVM_SNP_VERIFY_EXPIRED: at the chain step, a certificate of the chain (at
 *   any depth) had expired at the time checked (CvmSnpVerifyOptions.at, else
 *   now); the message names it (CN), its validity window and that time
 * @CVM_SNP_VERIFY_NOT_YET_VALID: the same for a certificate whose validity
 *   had not begun
 *
 * Which check failed (checked in this order; EXPIRED and NOT_YET_VALID are
 * results of the chain step, numbered after the others so that the numbers
 * of the older values stay). An expired certificate is not a forged one: a
 * report made while its certificates were valid verifies with @at set to a
 * time inside their windows.
 */
typedef enum {
	CVM_SNP_VERIFY_OK,
	CVM_SNP_VERIFY_INPUT,
	CVM_SNP_VERIFY_CHAIN,
	CVM_SNP_VERIFY_SIGNATURE,
	CVM_SNP_VERIFY_TCB,
	CVM_SNP_VERIFY_CHIP_ID,
	CVM_SNP_VERIFY_MEASUREMENT,
	CVM_SNP_VERIFY_REPORT_DATA,
	CVM_SNP_VERIFY_EXPIRED,
	CVM_SNP_VERIFY_NOT_YET_VALID,
} CvmSnpVerifyStep;

/** cvm_snp_verify_step_to_string: Returns: a stable name ("chain", "signature", ...,
 * "expired", "not-yet-valid"; "unknown" for a value that is none of these). */
const char *cvm_snp_verify_step_to_string(CvmSnpVerifyStep step);

/**
 * CvmSnpVerifyOptions:
 * @roots_dir: directory holding the trusted ARKs (ark-*.pem) and built-in
 *   intermediates: ASKs (ask-*.pem) for VCEK-signed reports, ASVKs
 *   (asvk-*.pem) for VLEK-signed ones; %NULL means amd/ in cvm_data_dir()
 * @chain_pem: optional PEM bundle (ASK or ASVK, optionally ARK) used as the
 *   intermediates instead of the built-in ones; ARKs it holds are NOT trusted
 *   unless identical to a root in @roots_dir
 * @expect_measurement: optional 48 bytes
 * @expect_report_data: optional 64 bytes
 * @at: time the certificates must be valid at, seconds since the epoch;
 *   0 means now
 */
typedef struct {
	const char *roots_dir;
	GBytes *chain_pem;
	const guint8 *expect_measurement;
	const guint8 *expect_report_data;
	gint64 at;
} CvmSnpVerifyOptions;

/* The largest report, certificate or chain cvmd's
 * Attestation.VerifySnpReport() takes (a report is 1184 bytes, a
 * certificate or chain a few KiB); cvmctl keeps it in-process too. */
#define CVM_SNP_VERIFY_INPUT_MAX (64 * 1024)

/* key_info bits 4:2 (SIGNING_KEY): which key signed the report. */
#define CVM_SNP_SIGNING_KEY_VCEK 0u
#define CVM_SNP_SIGNING_KEY_VLEK 1u
#define CVM_SNP_SIGNING_KEY_NONE 7u
#define CVM_SNP_REPORT_SIGNING_KEY(r) ((cvm_le32((r)->key_info) >> 2) & 7u)

/**
 * cvm_snp_verify_report:
 * @report: the report bytes
 * @report_len: their length
 * @vcek: the VCEK or VLEK certificate, DER or PEM
 * @opts: options (may be %NULL)
 * @failed: (out) (optional): the step that failed, CVM_SNP_VERIFY_OK on success
 * @error: return location; CVM_ERROR_CRYPTO for chain/signature failures,
 *   CVM_ERROR_MEASUREMENT_MISMATCH for TCB/chip/expected-value mismatches
 *
 * The report's signing-key field (key_info bits 4:2) says which key signed
 * it: a VCEK (chain ARK -> ASK -> VCEK) or a VLEK (ARK -> ASVK -> VLEK);
 * @vcek must be that kind of certificate. Verifies the chain with OpenSSL
 * (at @opts->at), the report signature with the certificate's P-384 key, its
 * TCB extensions against reported_tcb and (VCEK) its hwID against chip_id,
 * then the expected values.
 *
 * Returns: %TRUE when every check passed
 */
gboolean cvm_snp_verify_report(const guint8 *report, gsize report_len, GBytes *vcek,
			       const CvmSnpVerifyOptions *opts, CvmSnpVerifyStep *failed,
			       GError **error);

/**
 * cvm_snp_verify_options_to_variant:
 * @opts: (nullable): the options; @opts->roots_dir is not carried (cvmd
 *   trusts only its own data folder's roots)
 *
 * Returns: (transfer floating): the a{sv} options of cvmd's
 * Attestation.VerifySnpReport(): at (x), chain, expect-measurement and
 * expect-report-data (ay), each only when set.
 */
GVariant *cvm_snp_verify_options_to_variant(const CvmSnpVerifyOptions *opts);

/**
 * cvm_snp_verify_options_from_variant:
 * @dict: those a{sv} options
 * @opts: (out caller-allocates): the options; @opts->chain_pem is (transfer
 *   full), the expected values point into @dict, roots_dir is %NULL
 * @error: CVM_ERROR_INVALID_ARGUMENT for an unknown key, a value of the
 *   wrong type or length, a chain over CVM_SNP_VERIFY_INPUT_MAX or at <= 0
 *
 * Returns: %TRUE when @dict was read (@opts is left empty otherwise)
 */
gboolean cvm_snp_verify_options_from_variant(GVariant *dict, CvmSnpVerifyOptions *opts, GError **error);

/**
 * cvm_snp_verify_step_from_string:
 * @name: a name cvm_snp_verify_step_to_string() gives
 *
 * Returns: that step; CVM_SNP_VERIFY_INPUT for a name this libcvm does not
 * know (a newer cvmd's)
 */
CvmSnpVerifyStep cvm_snp_verify_step_from_string(const char *name);

G_END_DECLS
