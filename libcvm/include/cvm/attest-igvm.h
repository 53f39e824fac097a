/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * IGVM attest responses (agent -> guest), versions 1 and 2.
 *
 * Layout from microsoft/openvmm openhcl_attestation_protocol igvm_attest/get.rs
 * (see docs/attestation.md): a common 8-byte header {data_size, version}; v2
 * adds IgvmErrorInfo {error_code, http_status_code, igvm_signal, reserved[3]}
 * for a 32-byte header. data_size counts the header. All fields little-endian.
 */
#pragma once

#include <cvm/igvm-defs.h>
#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

typedef struct CVM_WIRE {
	guint32 data_size; /* whole response, header included */
	guint32 version;   /* 1 or 2 */
} CvmIgvmAttestCommonResponseHeader;
CVM_WIRE_ASSERT(CvmIgvmAttestCommonResponseHeader, 8);

typedef struct CVM_WIRE {
	CvmIgvmAttestCommonResponseHeader common;
	guint32 error_code;
	guint32 http_status_code;
	guint32 igvm_signal; /* CvmIgvmSignal bits */
	guint32 reserved[3];
} CvmIgvmAttestResponseHeaderV2;
CVM_WIRE_ASSERT(CvmIgvmAttestResponseHeaderV2, 32);
CVM_WIRE_OFFSET(CvmIgvmAttestResponseHeaderV2, error_code, 8);
CVM_WIRE_OFFSET(CvmIgvmAttestResponseHeaderV2, igvm_signal, 16);

/* IgvmSignal bits of a v2 response. */
#define CVM_IGVM_SIGNAL_RETRY             (1u << 0)
#define CVM_IGVM_SIGNAL_SKIP_HW_UNSEALING (1u << 1)
#define CVM_IGVM_SIGNAL_RSA_AES_WRAP_384  (1u << 2)
#define CVM_IGVM_SIGNAL_CORIM_ENDORSEMENT (1u << 3)

/* The largest response a guest can receive: 16 shared pages. */
#define CVM_IGVM_ATTEST_RESPONSE_MAX (16u * 4096u)

/**
 * CvmIgvmAttestResponse:
 * @version: 1 or 2
 * @error_code: v2 IgvmErrorInfo.error_code (0 = success); 0 for v1
 * @http_status_code: v2 only; 0 for v1
 * @igvm_signal: v2 only (CVM_IGVM_SIGNAL_*); 0 for v1
 * @payload: the bytes after the header up to data_size (never NULL after a
 *   successful decode; may be empty)
 */
typedef struct {
	guint32 version;
	guint32 error_code;
	guint32 http_status_code;
	guint32 igvm_signal;
	GBytes *payload;
} CvmIgvmAttestResponse;

/**
 * cvm_igvm_attest_response_decode:
 * @data: the response bytes
 * @len: their length
 * @out: (out caller-allocates): filled on success; free with
 *   cvm_igvm_attest_response_clear()
 * @error: return location
 *
 * Decodes a v1 or v2 response. An empty buffer is how a v1 agent signals
 * failure: it is refused here with CVM_ERROR_TRUNCATED and callers that
 * care check @len == 0 first. Bytes after data_size (page padding) are
 * ignored as the guest ignores them; input larger than
 * CVM_IGVM_ATTEST_RESPONSE_MAX is refused. A v2 response with a non-zero
 * error code decodes successfully: the error is data, not a decode failure.
 *
 * Returns: %TRUE on success
 */
gboolean cvm_igvm_attest_response_decode(const guint8 *data, gsize len,
					 CvmIgvmAttestResponse *out, GError **error);

/**
 * cvm_igvm_attest_response_encode:
 * @resp: the response; @resp->payload may be %NULL (empty)
 * @error: return location
 *
 * Encodes @resp byte-exactly (data_size = header + payload, reserved
 * zero). Fails when the version is not 1 or 2, when a v1 response carries
 * v2-only fields, or when the result would exceed CVM_IGVM_ATTEST_RESPONSE_MAX.
 *
 * Returns: (transfer full): the encoded bytes, or %NULL
 */
GBytes *cvm_igvm_attest_response_encode(const CvmIgvmAttestResponse *resp, GError **error);

/**
 * cvm_igvm_attest_response_clear:
 * @resp: a decoded response
 *
 * Frees the payload and zeroes @resp.
 */
void cvm_igvm_attest_response_clear(CvmIgvmAttestResponse *resp);

/* IGVM attest request blob (guest -> agent), openhcl_attestation_protocol
 * igvm_attest/get.rs: an "HCLA" header, a 1184-byte TEE report slot, the
 * request data (version 1, or 2 with a capability bitmap), then the runtime
 * claims JSON. */
#define CVM_IGVM_ATTEST_SIGNATURE   0x414C4348u /* "HCLA" on the wire */
#define CVM_IGVM_ATTEST_REPORT_SLOT 1184u
/* The GET IgvmAttestRequest report field holds at most 4096 bytes. */
#define CVM_IGVM_ATTEST_REQUEST_MAX 4096u

typedef struct CVM_WIRE {
	guint32 signature;
	guint32 version;
	guint32 report_size; /* whole blob: base + ext + claims */
	guint32 request_type;
	guint32 status;
	guint32 reserved[3];
	guint8 attestation_report[CVM_IGVM_ATTEST_REPORT_SLOT];
	guint32 data_size; /* 20 (+4 for v2) + claims */
	guint32 data_version; /* 1 or 2 */
	guint32 report_type;
	guint32 report_data_hash_type;
	guint32 variable_data_size;
} CvmIgvmAttestRequestBase;
CVM_WIRE_ASSERT(CvmIgvmAttestRequestBase, 0x4D4);
CVM_WIRE_OFFSET(CvmIgvmAttestRequestBase, attestation_report, 0x20);
CVM_WIRE_OFFSET(CvmIgvmAttestRequestBase, data_size, 0x4C0);
CVM_WIRE_OFFSET(CvmIgvmAttestRequestBase, variable_data_size, 0x4D0);

typedef enum {
	CVM_IGVM_ATTEST_KEY_RELEASE_REQUEST = 1,
	CVM_IGVM_ATTEST_AK_CERT_REQUEST = 2,
	CVM_IGVM_ATTEST_WRAPPED_KEY_REQUEST = 3,
} CvmIgvmAttestRequestType;

/* Capability bits of a v2 request. */
#define CVM_IGVM_CAP_ERROR_CODE        (1u << 0)
#define CVM_IGVM_CAP_RETRY             (1u << 1)
#define CVM_IGVM_CAP_SKIP_HW_UNSEALING (1u << 2)
#define CVM_IGVM_CAP_RSA_AES_WRAP_384  (1u << 3)
#define CVM_IGVM_CAP_CORIM_ENDORSEMENT (1u << 4)

/**
 * CvmIgvmAttestRequest:
 * @header_version: HCLA header version (1 and 2 are both seen in the wild;
 *   not checked)
 * @request_type: a #CvmIgvmAttestRequestType (other values are kept)
 * @status: header status
 * @report: the 1184-byte report slot
 * @data_version: 1 or 2 (the v1/v2 switch)
 * @report_type: 1 VBS, 2 SNP, 3 TVM, 4 TDX, 5 CCA
 * @hash_type: 1 SHA-256, 2 SHA-384, 3 SHA-512
 * @capabilities: CVM_IGVM_CAP_* (v2 only, 0 for v1)
 * @claims: the runtime-claims bytes (JSON), possibly empty
 */
typedef struct {
	guint32 header_version;
	guint32 request_type;
	guint32 status;
	guint8 report[CVM_IGVM_ATTEST_REPORT_SLOT];
	guint32 data_version;
	guint32 report_type;
	guint32 hash_type;
	guint32 capabilities;
	GBytes *claims;
} CvmIgvmAttestRequest;

/**
 * cvm_igvm_attest_request_decode:
 * @data: the request blob
 * @len: its length (at most CVM_IGVM_ATTEST_REQUEST_MAX)
 * @out: (out caller-allocates): free with cvm_igvm_attest_request_clear()
 * @error: return location
 *
 * Checks the signature, that report_size covers the request data and
 * claims and lies within @len, that data_size matches the version and
 * variable_data_size. Bytes after report_size are ignored.
 *
 * Returns: %TRUE on success
 */
gboolean cvm_igvm_attest_request_decode(const guint8 *data, gsize len, CvmIgvmAttestRequest *out,
					GError **error);

/**
 * cvm_igvm_attest_request_encode:
 * @req: the request
 * @error: return location
 *
 * Returns: (transfer full): the blob, with sizes computed and reserved bytes
 *   zero, or %NULL when the version is not 1/2 or the blob would be too large
 */
GBytes *cvm_igvm_attest_request_encode(const CvmIgvmAttestRequest *req, GError **error);

/**
 * cvm_igvm_attest_request_claims:
 * @req: a decoded request
 * @error: return location
 *
 * Returns: (transfer full): the runtime claims parsed as a JSON object
 *   (json-c), or %NULL when they are not one
 */
struct json_object *cvm_igvm_attest_request_claims(const CvmIgvmAttestRequest *req, GError **error);

void cvm_igvm_attest_request_clear(CvmIgvmAttestRequest *req);

G_END_DECLS
