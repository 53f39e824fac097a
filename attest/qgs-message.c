/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* QGS messages (QEMU tdx-quote-generator.c <-> qgsd): big-endian length
 * prefix, little-endian 16-byte header, GET_QUOTE request/response bodies. */
#include <cvm/igvm-defs.h>
#include <cvm/attest-tdx.h>
#include <cvm/error.h>
#include <string.h>

static void
wr32(guint8 *p, guint32 v)
{
	v = GUINT32_TO_LE(v);
	memcpy(p, &v, 4);
}

gboolean
cvm_qgs_frame_length(const guint8 prefix[4], guint32 *out, GError **error)
{
	guint32 be;

	memcpy(&be, prefix, 4);
	*out = GUINT32_FROM_BE(be);
	if (*out < sizeof(CvmQgsMsgHeader) || *out > CVM_QGS_MESSAGE_MAX) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_PROTOCOL,
			    "QGS: length prefix %u (big-endian, offset 0) is outside [16, %u]", *out,
			    CVM_QGS_MESSAGE_MAX);
		return FALSE;
	}
	return TRUE;
}

/* GET_QUOTE_REQ: {report_size, id_list_size}; GET_QUOTE_RESP:
 * {selected_id_size, quote_size}. The first size must be the body's remainder
 * for the request and the second for the response; id sizes must be 0. */
static gboolean
decode_get_quote(const guint8 *data, gsize len, CvmQgsMessage *out, GError **error)
{
	gboolean req = out->type == CVM_QGS_GET_QUOTE_REQ;
	guint32 a, b, payload, idsize;

	if (len < sizeof(CvmQgsMsgHeader) + 8) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
			    "QGS: GET_QUOTE body at offset 16 needs 8 bytes, message has %" G_GSIZE_FORMAT, len);
		return FALSE;
	}
	a = cvm_read_le32(data + 16);
	b = cvm_read_le32(data + 20);
	payload = req ? a : b;
	idsize = req ? b : a;
	if (idsize != 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_PROTOCOL, "QGS: id list size %u at offset %d is not 0",
			    idsize, req ? 20 : 16);
		return FALSE;
	}
	if (payload != len - 24) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_PROTOCOL,
			    "QGS: %s size %u at offset %d is not the %" G_GSIZE_FORMAT " bytes that follow",
			    req ? "report" : "quote", payload, req ? 16 : 20, len - 24);
		return FALSE;
	}
	out->data = g_bytes_new(data + 24, payload);
	return TRUE;
}

gboolean
cvm_qgs_message_decode(const guint8 *data, gsize len, CvmQgsMessage *out, GError **error)
{
	CvmQgsMsgHeader h;

	memset(out, 0, sizeof(*out));
	if (len > CVM_QGS_MESSAGE_MAX) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_PROTOCOL, "QGS: %" G_GSIZE_FORMAT
			    "-byte message exceeds the %u-byte maximum", len, CVM_QGS_MESSAGE_MAX);
		return FALSE;
	}
	if (data == NULL || len < sizeof(h)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
			    "QGS: header at offset 0 needs 16 bytes, got %" G_GSIZE_FORMAT, data == NULL ? 0 : len);
		return FALSE;
	}
	memcpy(&h, data, sizeof(h));
	if (cvm_le16(h.major_version) != 1 || cvm_le16(h.minor_version) != 1) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_PROTOCOL, "QGS: version %u.%u at offset 0 is not 1.1",
			    cvm_le16(h.major_version), cvm_le16(h.minor_version));
		return FALSE;
	}
	if (cvm_le32(h.size) != len) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_PROTOCOL,
			    "QGS: size %u at offset 8 is not the %" G_GSIZE_FORMAT "-byte message",
			    cvm_le32(h.size), len);
		return FALSE;
	}
	out->type = cvm_le32(h.type);
	out->error_code = cvm_le32(h.error_code);
	if (out->type == CVM_QGS_GET_QUOTE_REQ || out->type == CVM_QGS_GET_QUOTE_RESP) {
		if (decode_get_quote(data, len, out, error))
			return TRUE;
		memset(out, 0, sizeof(*out));
		return FALSE;
	}
	out->data = g_bytes_new(data + sizeof(h), len - sizeof(h));
	return TRUE;
}

GBytes *
cvm_qgs_message_encode(const CvmQgsMessage *msg, GError **error)
{
	gboolean quote = msg->type == CVM_QGS_GET_QUOTE_REQ || msg->type == CVM_QGS_GET_QUOTE_RESP;
	gsize dlen = msg->data != NULL ? g_bytes_get_size(msg->data) : 0;
	gsize size = sizeof(CvmQgsMsgHeader) + (quote ? 8 : 0) + dlen;
	guint8 *buf;
	guint32 be;

	if (size > CVM_QGS_MESSAGE_MAX) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "QGS: a %" G_GSIZE_FORMAT "-byte message exceeds the maximum", size);
		return NULL;
	}
	buf = g_malloc0(4 + size);
	be = GUINT32_TO_BE((guint32)size);
	memcpy(buf, &be, 4);
	buf[4] = 1; /* major 1, minor 1, little-endian u16s */
	buf[6] = 1;
	wr32(buf + 8, msg->type);
	wr32(buf + 12, (guint32)size);
	wr32(buf + 16, msg->error_code);
	if (quote)
		wr32(buf + (msg->type == CVM_QGS_GET_QUOTE_REQ ? 20 : 24), (guint32)dlen);
	if (dlen > 0)
		memcpy(buf + 4 + size - dlen, g_bytes_get_data(msg->data, NULL), dlen);
	return g_bytes_new_take(buf, 4 + size);
}

void
cvm_qgs_message_clear(CvmQgsMessage *msg)
{
	if (msg == NULL)
		return;
	g_clear_pointer(&msg->data, g_bytes_unref);
	memset(msg, 0, sizeof(*msg));
}
