/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Guest Emulation Transport (GET) IGVM_ATTEST host request and response
 * (microsoft/openvmm vm/devices/get/get_protocol/src/lib.rs): the messages
 * OpenHCL and the host's VM worker exchange around the opaque attest blob.
 */
#pragma once

#include <cvm/igvm-defs.h>
#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

#define CVM_GET_MESSAGE_VERSION     1u
#define CVM_GET_HOST_REQUEST        2u
#define CVM_GET_HOST_RESPONSE       3u
#define CVM_GET_IGVM_ATTEST         8u
#define CVM_GET_AGENT_DATA_MAX      2048u
#define CVM_GET_REPORT_MAX          4096u
#define CVM_GET_SHARED_GPA_MAX      16u
/* `length` of a response when the host could not reach the agent. */
#define CVM_GET_IGVM_ATTEST_GENERIC_ERROR 0xFFFFFFFFu

typedef struct CVM_WIRE {
	guint8 message_version;
	guint8 message_type;
	guint16 message_id;
} CvmGetHeader;
CVM_WIRE_ASSERT(CvmGetHeader, 4);

typedef struct CVM_WIRE {
	CvmGetHeader hdr;
	guint32 number_gpa;
	guint64 shared_gpa[CVM_GET_SHARED_GPA_MAX];
	guint32 agent_data_length;
	guint32 report_length;
	guint8 agent_data[CVM_GET_AGENT_DATA_MAX];
	guint8 report[CVM_GET_REPORT_MAX];
} CvmGetIgvmAttestRequest;
CVM_WIRE_ASSERT(CvmGetIgvmAttestRequest, 6288);
CVM_WIRE_OFFSET(CvmGetIgvmAttestRequest, agent_data_length, 136);
CVM_WIRE_OFFSET(CvmGetIgvmAttestRequest, agent_data, 144);
CVM_WIRE_OFFSET(CvmGetIgvmAttestRequest, report, 2192);

typedef struct CVM_WIRE {
	CvmGetHeader hdr;
	guint32 length; /* bytes written to the shared pages, or GENERIC_ERROR */
} CvmGetIgvmAttestResponse;
CVM_WIRE_ASSERT(CvmGetIgvmAttestResponse, 8);

/**
 * cvm_get_igvm_attest_request_decode:
 * @data: exactly 6288 bytes
 * @len: their length
 * @out: (out caller-allocates): the request, converted to host byte order
 * @error: return location
 *
 * Checks the header (version 1, HOST_REQUEST, IGVM_ATTEST) and the limits:
 * at most 16 GPAs, agent data <= 2048, report <= 4096.
 */
gboolean cvm_get_igvm_attest_request_decode(const guint8 *data, gsize len,
					    CvmGetIgvmAttestRequest *out, GError **error);

/** cvm_get_igvm_attest_request_encode: Returns: (transfer full): the 6288 wire bytes,
 * or %NULL when @req breaks a limit. */
GBytes *cvm_get_igvm_attest_request_encode(const CvmGetIgvmAttestRequest *req, GError **error);

/**
 * cvm_get_igvm_attest_response_decode:
 * @data: exactly 8 bytes
 * @len: their length
 * @length: (out): the response length (CVM_GET_IGVM_ATTEST_GENERIC_ERROR on host failure)
 * @error: return location
 */
gboolean cvm_get_igvm_attest_response_decode(const guint8 *data, gsize len, guint32 *length,
					     GError **error);

/** cvm_get_igvm_attest_response_encode: Returns: (transfer full): the 8 wire bytes. */
GBytes *cvm_get_igvm_attest_response_encode(guint32 length);

G_END_DECLS
