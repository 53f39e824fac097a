/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IGVM attest response codec (v1/v2). Parse rules follow OpenVMM's
 * parse_response_header: <8 bytes is too small, data_size beyond the bytes
 * received is a size mismatch, version > 2 is refused, v2 needs 32 bytes. */
#include <cvm/attest-igvm.h>
#include <cvm/error.h>
#include <string.h>

static gboolean
check_header(const guint8 *data, gsize len, guint32 *data_size, guint32 *version,
	     GError **error)
{
	CvmIgvmAttestCommonResponseHeader hdr;

	if (len > CVM_IGVM_ATTEST_RESPONSE_MAX) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "IGVM attest response: %" G_GSIZE_FORMAT " bytes exceed the %u-byte maximum",
			    len, CVM_IGVM_ATTEST_RESPONSE_MAX);
		return FALSE;
	}
	if (data == NULL || len < sizeof(hdr)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
			    "IGVM attest response: header at offset 0 needs 8 bytes, got %" G_GSIZE_FORMAT,
			    len);
		return FALSE;
	}
	memcpy(&hdr, data, sizeof(hdr));
	*data_size = cvm_le32(hdr.data_size);
	*version = cvm_le32(hdr.version);
	if (*version != 1 && *version != 2) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "IGVM attest response: version %u at offset 4 is not 1 or 2", *version);
		return FALSE;
	}
	if (*data_size > len) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
			    "IGVM attest response: data_size %u at offset 0 exceeds the %" G_GSIZE_FORMAT
			    " bytes received", *data_size, len);
		return FALSE;
	}
	return TRUE;
}

gboolean
cvm_igvm_attest_response_decode(const guint8 *data, gsize len, CvmIgvmAttestResponse *out,
				GError **error)
{
	guint32 data_size = 0, version = 0;
	gsize header_size;

	g_return_val_if_fail(out != NULL, FALSE);
	memset(out, 0, sizeof(*out));
	if (!check_header(data, len, &data_size, &version, error))
		return FALSE;
	header_size = version == 2 ? sizeof(CvmIgvmAttestResponseHeaderV2)
				   : sizeof(CvmIgvmAttestCommonResponseHeader);
	if (data_size < header_size) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "IGVM attest response: data_size %u at offset 0 is smaller than the "
			    "%" G_GSIZE_FORMAT "-byte v%u header", data_size, header_size, version);
		return FALSE;
	}
	out->version = version;
	if (version == 2) {
		CvmIgvmAttestResponseHeaderV2 h2;

		memcpy(&h2, data, sizeof(h2));
		out->error_code = cvm_le32(h2.error_code);
		out->http_status_code = cvm_le32(h2.http_status_code);
		out->igvm_signal = cvm_le32(h2.igvm_signal);
	}
	out->payload = g_bytes_new(data + header_size, data_size - header_size);
	return TRUE;
}

GBytes *
cvm_igvm_attest_response_encode(const CvmIgvmAttestResponse *resp, GError **error)
{
	gsize payload_len = resp->payload != NULL ? g_bytes_get_size(resp->payload) : 0;
	gsize header_size;
	guint8 *buf;
	guint32 v;

	if (resp->version != 1 && resp->version != 2) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "IGVM attest response: version %u is not 1 or 2", resp->version);
		return NULL;
	}
	if (resp->version == 1 &&
	    (resp->error_code != 0 || resp->http_status_code != 0 || resp->igvm_signal != 0)) {
		g_set_error_literal(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
				    "IGVM attest response: a v1 response cannot carry error info");
		return NULL;
	}
	header_size = resp->version == 2 ? sizeof(CvmIgvmAttestResponseHeaderV2)
					 : sizeof(CvmIgvmAttestCommonResponseHeader);
	if (payload_len > CVM_IGVM_ATTEST_RESPONSE_MAX - header_size) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "IGVM attest response: payload of %" G_GSIZE_FORMAT " bytes is too large",
			    payload_len);
		return NULL;
	}
	buf = g_malloc0(header_size + payload_len);
	v = GUINT32_TO_LE((guint32)(header_size + payload_len));
	memcpy(buf, &v, 4);
	v = GUINT32_TO_LE(resp->version);
	memcpy(buf + 4, &v, 4);
	if (resp->version == 2) {
		v = GUINT32_TO_LE(resp->error_code);
		memcpy(buf + 8, &v, 4);
		v = GUINT32_TO_LE(resp->http_status_code);
		memcpy(buf + 12, &v, 4);
		v = GUINT32_TO_LE(resp->igvm_signal);
		memcpy(buf + 16, &v, 4);
	}
	if (payload_len > 0)
		memcpy(buf + header_size, g_bytes_get_data(resp->payload, NULL), payload_len);
	return g_bytes_new_take(buf, header_size + payload_len);
}

void
cvm_igvm_attest_response_clear(CvmIgvmAttestResponse *resp)
{
	if (resp == NULL)
		return;
	g_clear_pointer(&resp->payload, g_bytes_unref);
	memset(resp, 0, sizeof(*resp));
}
