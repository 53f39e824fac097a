/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The TDX GetQuote shared buffer: 24-byte header, TDREPORT in, quote out. */
#include <cvm/attest-tdx.h>
#include <cvm/error.h>
#include <string.h>

gboolean
cvm_tdx_quote_buf_decode(const guint8 *buf, gsize len, CvmTdxQuoteBufHeader *hdr,
			 const guint8 **report, GError **error)
{
	if (len > CVM_TDX_QUOTE_BUF_MAX) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "TDX quote buffer: %" G_GSIZE_FORMAT " bytes exceed the %u-byte maximum",
			    len, CVM_TDX_QUOTE_BUF_MAX);
		return FALSE;
	}
	if (buf == NULL || len < sizeof(*hdr)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
			    "TDX quote buffer: header at offset 0 needs 24 bytes, got %" G_GSIZE_FORMAT,
			    buf == NULL ? 0 : len);
		return FALSE;
	}
	memcpy(hdr, buf, sizeof(*hdr));
	hdr->version = cvm_le64(hdr->version);
	hdr->status = cvm_le64(hdr->status);
	hdr->in_len = cvm_le32(hdr->in_len);
	hdr->out_len = cvm_le32(hdr->out_len);
	if (hdr->version != 1) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "TDX quote buffer: version %" G_GUINT64_FORMAT " at offset 0 is not 1", hdr->version);
		return FALSE;
	}
	if (hdr->in_len > len - sizeof(*hdr)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "TDX quote buffer: in_len %u at offset 16 exceeds the %" G_GSIZE_FORMAT
			    " bytes after the header", hdr->in_len, len - sizeof(*hdr));
		return FALSE;
	}
	if (report != NULL)
		*report = buf + sizeof(*hdr);
	return TRUE;
}

gboolean
cvm_tdx_quote_buf_complete(guint8 *buf, gsize len, guint64 status, const guint8 *quote,
			   gsize quote_len, GError **error)
{
	guint64 st = GUINT64_TO_LE(status);
	guint32 out;

	if (len < sizeof(CvmTdxQuoteBufHeader) || quote_len > len - sizeof(CvmTdxQuoteBufHeader) ||
	    (quote == NULL && quote_len > 0)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "TDX quote buffer: a %" G_GSIZE_FORMAT "-byte quote does not fit a %" G_GSIZE_FORMAT
			    "-byte buffer", quote_len, len);
		return FALSE;
	}
	/* Quote first, then out_len, status last: the guest polls status. */
	if (quote_len > 0)
		memcpy(buf + sizeof(CvmTdxQuoteBufHeader), quote, quote_len);
	out = GUINT32_TO_LE((guint32)quote_len);
	memcpy(buf + G_STRUCT_OFFSET(CvmTdxQuoteBufHeader, out_len), &out, 4);
	memcpy(buf + G_STRUCT_OFFSET(CvmTdxQuoteBufHeader, status), &st, 8);
	return TRUE;
}
