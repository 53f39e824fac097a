/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * TDX GetQuote wire formats: the shared quote buffer header the guest and
 * the VMM exchange (Linux struct tdx_quote_buf, QEMU tdx-quote-generator.h)
 * and the QGS socket messages QEMU's quote-generation-socket speaks.
 */
#pragma once

#include <cvm/igvm-defs.h>
#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

typedef struct CVM_WIRE {
	guint64 version; /* must be 1 */
	guint64 status;  /* CVM_TDX_QUOTE_STATUS_* */
	guint32 in_len;  /* TDREPORT bytes after the header */
	guint32 out_len; /* quote bytes after the header */
} CvmTdxQuoteBufHeader;
CVM_WIRE_ASSERT(CvmTdxQuoteBufHeader, 24);
CVM_WIRE_OFFSET(CvmTdxQuoteBufHeader, in_len, 16);

#define CVM_TDX_QUOTE_STATUS_SUCCESS             G_GUINT64_CONSTANT(0)
#define CVM_TDX_QUOTE_STATUS_IN_FLIGHT           G_GUINT64_CONSTANT(0xFFFFFFFFFFFFFFFF)
#define CVM_TDX_QUOTE_STATUS_ERROR               G_GUINT64_CONSTANT(0x8000000000000000)
#define CVM_TDX_QUOTE_STATUS_SERVICE_UNAVAILABLE G_GUINT64_CONSTANT(0x8000000000000001)

/* TDVMCALL<GetQuote> results (R10). */
#define CVM_TDVMCALL_SUCCESS             G_GUINT64_CONSTANT(0)
#define CVM_TDVMCALL_RETRY               G_GUINT64_CONSTANT(1)
#define CVM_TDVMCALL_INVALID_OPERAND     G_GUINT64_CONSTANT(0x8000000000000000)
#define CVM_TDVMCALL_GPA_INUSE           G_GUINT64_CONSTANT(0x8000000000000001)
#define CVM_TDVMCALL_ALIGN_ERROR         G_GUINT64_CONSTANT(0x8000000000000002)
#define CVM_TDVMCALL_SUBFUNC_UNSUPPORTED G_GUINT64_CONSTANT(0x8000000000000003)

/* QEMU refuses shared buffers larger than this. */
#define CVM_TDX_QUOTE_BUF_MAX (128u * 1024u)

/**
 * cvm_tdx_quote_buf_decode:
 * @buf: the shared buffer
 * @len: its size (at most CVM_TDX_QUOTE_BUF_MAX)
 * @hdr: (out): the header, converted to host byte order
 * @report: (out) (optional): the TDREPORT bytes (in_len of them, inside @buf)
 * @error: return location
 *
 * Refuses version != 1 and an in_len that does not fit the buffer.
 */
gboolean cvm_tdx_quote_buf_decode(const guint8 *buf, gsize len, CvmTdxQuoteBufHeader *hdr,
				  const guint8 **report, GError **error);

/**
 * cvm_tdx_quote_buf_complete:
 * @buf: the shared buffer (written in place)
 * @len: its size
 * @status: the status to publish
 * @quote: (nullable): the quote on success
 * @quote_len: its length
 * @error: return location
 *
 * Writes the quote, then out_len and status. A quote that does not fit
 * after the header is refused (nothing is written) so out_len can never
 * exceed the guest's buffer; the caller then publishes ERROR instead.
 */
gboolean cvm_tdx_quote_buf_complete(guint8 *buf, gsize len, guint64 status, const guint8 *quote,
				    gsize quote_len, GError **error);

/* QGS messages: a 4-byte big-endian length prefix, then this header. */
typedef struct CVM_WIRE {
	guint16 major_version; /* 1 */
	guint16 minor_version; /* 1 */
	guint32 type;          /* CvmQgsMsgType */
	guint32 size;          /* whole message, header included, prefix excluded */
	guint32 error_code;
} CvmQgsMsgHeader;
CVM_WIRE_ASSERT(CvmQgsMsgHeader, 16);

typedef enum {
	CVM_QGS_GET_QUOTE_REQ = 0,
	CVM_QGS_GET_QUOTE_RESP = 1,
	CVM_QGS_GET_COLLATERAL_REQ = 2,
	CVM_QGS_GET_COLLATERAL_RESP = 3,
	CVM_QGS_GET_PLATFORM_INFO_REQ = 4,
	CVM_QGS_GET_PLATFORM_INFO_RESP = 5,
} CvmQgsMsgType;

#define CVM_QGS_MESSAGE_MAX (256u * 1024u)

/**
 * CvmQgsMessage:
 * @type: the message type
 * @error_code: the header's error code
 * @data: GET_QUOTE_REQ: the TDREPORT; GET_QUOTE_RESP: the quote; other
 *   types: the raw body after the header
 */
typedef struct {
	guint32 type;
	guint32 error_code;
	GBytes *data;
} CvmQgsMessage;

/**
 * cvm_qgs_frame_length:
 * @prefix: the 4-byte big-endian length prefix
 * @out: (out): the message length that follows
 * @error: return location
 *
 * Refuses lengths below the header size or above CVM_QGS_MESSAGE_MAX.
 */
gboolean cvm_qgs_frame_length(const guint8 prefix[4], guint32 *out, GError **error);

/**
 * cvm_qgs_message_decode:
 * @data: one message, without the length prefix
 * @len: its length
 * @out: (out caller-allocates): free with cvm_qgs_message_clear()
 * @error: return location
 *
 * Checks version 1.1, header size == @len, and for GET_QUOTE_REQ/RESP the
 * inner sizes (id lists must be empty, as QEMU sends and expects).
 */
gboolean cvm_qgs_message_decode(const guint8 *data, gsize len, CvmQgsMessage *out, GError **error);

/**
 * cvm_qgs_message_encode:
 * @msg: the message (GET_QUOTE_REQ/RESP get their inner fields; other
 *   types carry @msg->data as the body)
 * @error: return location
 *
 * Returns: (transfer full): the framed bytes, length prefix included
 */
GBytes *cvm_qgs_message_encode(const CvmQgsMessage *msg, GError **error);

void cvm_qgs_message_clear(CvmQgsMessage *msg);

G_END_DECLS
