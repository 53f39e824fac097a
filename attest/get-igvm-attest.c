/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GET IGVM_ATTEST request/response messages. */
#include <cvm/attest-get.h>
#include <cvm/error.h>
#include <string.h>

static gboolean
check_header(const CvmGetHeader *h, guint8 type, GError **error)
{
	if (h->message_version != CVM_GET_MESSAGE_VERSION || h->message_type != type ||
	    cvm_le16(h->message_id) != CVM_GET_IGVM_ATTEST) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_PROTOCOL,
			    "GET: header at offset 0 is version %u type %u id %u, not 1/%u/%u",
			    h->message_version, h->message_type, cvm_le16(h->message_id), type,
			    CVM_GET_IGVM_ATTEST);
		return FALSE;
	}
	return TRUE;
}

static gboolean
check_exact(gsize len, gsize want, const char *what, GError **error)
{
	if (len == want)
		return TRUE;
	g_set_error(error, CVM_ERROR, len < want ? CVM_ERROR_TRUNCATED : CVM_ERROR_INVALID_DATA,
		    "GET: %s is %" G_GSIZE_FORMAT " bytes, not %" G_GSIZE_FORMAT, what, len, want);
	return FALSE;
}

static gboolean
check_limits(const CvmGetIgvmAttestRequest *r, GError **error)
{
	if (r->number_gpa > CVM_GET_SHARED_GPA_MAX) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "GET: number_gpa %u at offset 4 exceeds %u", r->number_gpa, CVM_GET_SHARED_GPA_MAX);
		return FALSE;
	}
	if (r->agent_data_length > CVM_GET_AGENT_DATA_MAX) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "GET: agent_data_length %u at offset 136 exceeds %u", r->agent_data_length,
			    CVM_GET_AGENT_DATA_MAX);
		return FALSE;
	}
	if (r->report_length > CVM_GET_REPORT_MAX) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "GET: report_length %u at offset 140 exceeds %u", r->report_length,
			    CVM_GET_REPORT_MAX);
		return FALSE;
	}
	return TRUE;
}

gboolean
cvm_get_igvm_attest_request_decode(const guint8 *data, gsize len, CvmGetIgvmAttestRequest *out,
				   GError **error)
{
	if (data == NULL)
		len = 0;
	if (!check_exact(len, sizeof(*out), "IgvmAttestRequest", error))
		return FALSE;
	memcpy(out, data, sizeof(*out));
	if (!check_header(&out->hdr, CVM_GET_HOST_REQUEST, error))
		return FALSE;
	out->hdr.message_id = cvm_le16(out->hdr.message_id);
	out->number_gpa = cvm_le32(out->number_gpa);
	for (guint i = 0; i < CVM_GET_SHARED_GPA_MAX; i++)
		out->shared_gpa[i] = cvm_le64(out->shared_gpa[i]);
	out->agent_data_length = cvm_le32(out->agent_data_length);
	out->report_length = cvm_le32(out->report_length);
	return check_limits(out, error);
}

GBytes *
cvm_get_igvm_attest_request_encode(const CvmGetIgvmAttestRequest *req, GError **error)
{
	CvmGetIgvmAttestRequest w;

	if (!check_limits(req, error))
		return NULL;
	memcpy(&w, req, sizeof(w));
	w.hdr = (CvmGetHeader){ CVM_GET_MESSAGE_VERSION, CVM_GET_HOST_REQUEST,
				GUINT16_TO_LE(CVM_GET_IGVM_ATTEST) };
	w.number_gpa = GUINT32_TO_LE(req->number_gpa);
	for (guint i = 0; i < CVM_GET_SHARED_GPA_MAX; i++)
		w.shared_gpa[i] = GUINT64_TO_LE(req->shared_gpa[i]);
	w.agent_data_length = GUINT32_TO_LE(req->agent_data_length);
	w.report_length = GUINT32_TO_LE(req->report_length);
	return g_bytes_new(&w, sizeof(w));
}

gboolean
cvm_get_igvm_attest_response_decode(const guint8 *data, gsize len, guint32 *length, GError **error)
{
	CvmGetIgvmAttestResponse r;

	if (data == NULL)
		len = 0;
	if (!check_exact(len, sizeof(r), "IgvmAttestResponse", error))
		return FALSE;
	memcpy(&r, data, sizeof(r));
	if (!check_header(&r.hdr, CVM_GET_HOST_RESPONSE, error))
		return FALSE;
	*length = cvm_le32(r.length);
	return TRUE;
}

GBytes *
cvm_get_igvm_attest_response_encode(guint32 length)
{
	CvmGetIgvmAttestResponse r = { { CVM_GET_MESSAGE_VERSION, CVM_GET_HOST_RESPONSE,
					 GUINT16_TO_LE(CVM_GET_IGVM_ATTEST) },
				       GUINT32_TO_LE(length) };

	return g_bytes_new(&r, sizeof(r));
}
