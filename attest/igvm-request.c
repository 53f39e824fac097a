/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IGVM attest request blob codec ("HCLA" header, report slot, request data
 * v1/v2, runtime claims). */
#include <cvm/attest-igvm.h>
#include <cvm/error.h>
#include <json-c/json.h>
#include <string.h>

#define DATA_OFFSET 0x4C0u
#define V1_DATA_SIZE 20u

static gboolean
check_sizes(const CvmIgvmAttestRequestBase *b, gsize len, gsize *claims_at, GError **error)
{
	guint32 version = cvm_le32(b->data_version);
	guint64 data_size = cvm_le32(b->data_size), report_size = cvm_le32(b->report_size);
	guint64 claims = cvm_le32(b->variable_data_size);
	guint64 fixed = V1_DATA_SIZE + (version == 2 ? 4 : 0);

	if (version != 1 && version != 2) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "IGVM attest request: request-data version %u at offset 0x4c4 is not 1 or 2",
			    version);
		return FALSE;
	}
	if (data_size != fixed + claims) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "IGVM attest request: data_size %" G_GUINT64_FORMAT " at offset 0x4c0 is not %"
			    G_GUINT64_FORMAT " + variable_data_size %" G_GUINT64_FORMAT,
			    data_size, fixed, claims);
		return FALSE;
	}
	if (report_size < DATA_OFFSET + data_size) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "IGVM attest request: report_size %" G_GUINT64_FORMAT " at offset 0x8 is smaller "
			    "than the %" G_GUINT64_FORMAT " bytes the request data needs",
			    report_size, DATA_OFFSET + data_size);
		return FALSE;
	}
	if (report_size > len) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
			    "IGVM attest request: report_size %" G_GUINT64_FORMAT " at offset 0x8 exceeds "
			    "the %" G_GSIZE_FORMAT " bytes received", report_size, len);
		return FALSE;
	}
	*claims_at = DATA_OFFSET + fixed;
	return TRUE;
}

gboolean
cvm_igvm_attest_request_decode(const guint8 *data, gsize len, CvmIgvmAttestRequest *out,
			       GError **error)
{
	CvmIgvmAttestRequestBase b;
	gsize claims_at = 0;

	memset(out, 0, sizeof(*out));
	if (len > CVM_IGVM_ATTEST_REQUEST_MAX) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "IGVM attest request: %" G_GSIZE_FORMAT " bytes exceed the %u-byte maximum",
			    len, CVM_IGVM_ATTEST_REQUEST_MAX);
		return FALSE;
	}
	if (data == NULL || len < sizeof(b)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
			    "IGVM attest request: %" G_GSIZE_FORMAT " bytes, the request data ends at offset 0x4d4",
			    data == NULL ? 0 : len);
		return FALSE;
	}
	memcpy(&b, data, sizeof(b));
	if (cvm_le32(b.signature) != CVM_IGVM_ATTEST_SIGNATURE) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "IGVM attest request: signature 0x%08x at offset 0 is not \"HCLA\"",
			    cvm_le32(b.signature));
		return FALSE;
	}
	if (!check_sizes(&b, len, &claims_at, error))
		return FALSE;
	out->header_version = cvm_le32(b.version);
	out->request_type = cvm_le32(b.request_type);
	out->status = cvm_le32(b.status);
	memcpy(out->report, b.attestation_report, sizeof(out->report));
	out->data_version = cvm_le32(b.data_version);
	out->report_type = cvm_le32(b.report_type);
	out->hash_type = cvm_le32(b.report_data_hash_type);
	if (out->data_version == 2) {
		guint32 cap;

		memcpy(&cap, data + sizeof(b), 4);
		out->capabilities = cvm_le32(cap);
	}
	out->claims = g_bytes_new(data + claims_at, cvm_le32(b.variable_data_size));
	return TRUE;
}

GBytes *
cvm_igvm_attest_request_encode(const CvmIgvmAttestRequest *req, GError **error)
{
	gsize claims = req->claims != NULL ? g_bytes_get_size(req->claims) : 0;
	gsize fixed = V1_DATA_SIZE + (req->data_version == 2 ? 4 : 0);
	gsize total = DATA_OFFSET + fixed + claims;
	CvmIgvmAttestRequestBase b = { 0 };
	guint8 *buf;

	if (req->data_version != 1 && req->data_version != 2) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "IGVM attest request: data version %u is not 1 or 2", req->data_version);
		return NULL;
	}
	if (req->data_version == 1 && req->capabilities != 0) {
		g_set_error_literal(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
				    "IGVM attest request: a v1 request has no capability bitmap");
		return NULL;
	}
	if (total > CVM_IGVM_ATTEST_REQUEST_MAX) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "IGVM attest request: %" G_GSIZE_FORMAT " bytes exceed the maximum", total);
		return NULL;
	}
	b.signature = GUINT32_TO_LE(CVM_IGVM_ATTEST_SIGNATURE);
	b.version = GUINT32_TO_LE(req->header_version);
	b.report_size = GUINT32_TO_LE((guint32)total);
	b.request_type = GUINT32_TO_LE(req->request_type);
	b.status = GUINT32_TO_LE(req->status);
	memcpy(b.attestation_report, req->report, sizeof(b.attestation_report));
	b.data_size = GUINT32_TO_LE((guint32)(fixed + claims));
	b.data_version = GUINT32_TO_LE(req->data_version);
	b.report_type = GUINT32_TO_LE(req->report_type);
	b.report_data_hash_type = GUINT32_TO_LE(req->hash_type);
	b.variable_data_size = GUINT32_TO_LE((guint32)claims);
	buf = g_malloc0(total);
	memcpy(buf, &b, sizeof(b));
	if (req->data_version == 2) {
		guint32 cap = GUINT32_TO_LE(req->capabilities);

		memcpy(buf + sizeof(b), &cap, 4);
	}
	if (claims > 0)
		memcpy(buf + DATA_OFFSET + fixed, g_bytes_get_data(req->claims, NULL), claims);
	return g_bytes_new_take(buf, total);
}

struct json_object *
cvm_igvm_attest_request_claims(const CvmIgvmAttestRequest *req, GError **error)
{
	gsize len = 0;
	const char *text = req->claims != NULL ? g_bytes_get_data(req->claims, &len) : NULL;
	json_tokener *tok = json_tokener_new();
	json_object *obj = NULL;

	if (text != NULL && len > 0 && len <= G_MAXINT)
		obj = json_tokener_parse_ex(tok, text, (int)len);
	if (obj != NULL && (json_tokener_get_parse_end(tok) != len ||
			    !json_object_is_type(obj, json_type_object)))
		g_clear_pointer(&obj, json_object_put);
	json_tokener_free(tok);
	if (obj == NULL)
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "IGVM attest request: runtime claims (%" G_GSIZE_FORMAT " bytes) are not "
			    "one JSON object", len);
	return obj;
}

void
cvm_igvm_attest_request_clear(CvmIgvmAttestRequest *req)
{
	if (req == NULL)
		return;
	g_clear_pointer(&req->claims, g_bytes_unref);
	memset(req, 0, sizeof(*req));
}
