/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SNP extended-guest-request certificate table codec. */
#include <cvm/attest-snp.h>
#include <cvm/error.h>
#include <string.h>

static const guint8 zero_entry[sizeof(CvmSnpCertTableEntry)];

static gboolean
guid_parse(const char *text, guint8 out[16])
{
	/* RFC 4122 byte order is the text order: the hex digits left to right. */
	gsize n = 0;

	if (text == NULL || strlen(text) != 36)
		return FALSE;
	for (gsize i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (text[i] != '-')
				return FALSE;
			continue;
		}
		if (!g_ascii_isxdigit(text[i]) || !g_ascii_isxdigit(text[i + 1]))
			return FALSE;
		out[n++] = (guint8)(g_ascii_xdigit_value(text[i]) << 4 |
				    g_ascii_xdigit_value(text[i + 1]));
		i++;
	}
	return n == 16;
}

gchar *
cvm_snp_cert_guid_to_string(const guint8 g[16])
{
	return g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
			       "%02x%02x%02x%02x%02x%02x",
			       g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9],
			       g[10], g[11], g[12], g[13], g[14], g[15]);
}

CvmSnpCert *
cvm_snp_cert_new(const char *guid_text, GBytes *data, GError **error)
{
	g_autoptr(CvmSnpCert) cert = g_new0(CvmSnpCert, 1);

	if (!guid_parse(guid_text, cert->guid)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "'%s' is not a GUID", guid_text != NULL ? guid_text : "(null)");
		return NULL;
	}
	cert->data = g_bytes_ref(data);
	return g_steal_pointer(&cert);
}

void
cvm_snp_cert_free(CvmSnpCert *cert)
{
	if (cert == NULL)
		return;
	g_clear_pointer(&cert->data, g_bytes_unref);
	g_free(cert);
}

/* Counts entries up to the terminator; fails when the buffer ends first. */
static gboolean
count_entries(const guint8 *data, gsize len, gsize *count, GError **error)
{
	gsize off = 0;

	for (;;) {
		if (len - off < sizeof(CvmSnpCertTableEntry)) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
				    "SNP certificate table: entry at offset %" G_GSIZE_FORMAT
				    " needs 24 bytes, buffer has %" G_GSIZE_FORMAT " (no zero terminator)",
				    off, len - off);
			return FALSE;
		}
		if (memcmp(data + off, zero_entry, sizeof(zero_entry)) == 0)
			break;
		off += sizeof(CvmSnpCertTableEntry);
	}
	*count = off / sizeof(CvmSnpCertTableEntry);
	return TRUE;
}

GPtrArray *
cvm_snp_cert_table_decode(const guint8 *data, gsize len, GError **error)
{
	g_autoptr(GPtrArray) certs = g_ptr_array_new_with_free_func((GDestroyNotify)cvm_snp_cert_free);
	gsize count = 0, table_end;

	if (len > CVM_SNP_CERT_TABLE_MAX) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "SNP certificate table: %" G_GSIZE_FORMAT " bytes exceed the %u-byte maximum",
			    len, CVM_SNP_CERT_TABLE_MAX);
		return NULL;
	}
	if (data == NULL && len > 0)
		len = 0;
	if (!count_entries(data, len, &count, error))
		return NULL;
	table_end = (count + 1) * sizeof(CvmSnpCertTableEntry);
	for (gsize i = 0; i < count; i++) {
		gsize at = i * sizeof(CvmSnpCertTableEntry);
		CvmSnpCertTableEntry e;
		CvmSnpCert *cert;
		guint64 off, length;

		memcpy(&e, data + at, sizeof(e));
		off = cvm_le32(e.offset);
		length = cvm_le32(e.length);
		if (off < table_end || off + length > len) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
				    "SNP certificate table: entry %" G_GSIZE_FORMAT " at offset %" G_GSIZE_FORMAT
				    " points to [%" G_GUINT64_FORMAT ", +%" G_GUINT64_FORMAT
				    "), outside [%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ")",
				    i, at, off, length, table_end, len);
			return NULL;
		}
		cert = g_new0(CvmSnpCert, 1);
		memcpy(cert->guid, e.guid, 16);
		cert->data = g_bytes_new(data + off, length);
		g_ptr_array_add(certs, cert);
	}
	return g_steal_pointer(&certs);
}

GBytes *
cvm_snp_cert_table_encode(GPtrArray *certs, GError **error)
{
	gsize n = certs != NULL ? certs->len : 0;
	gsize total = (n + 1) * sizeof(CvmSnpCertTableEntry), off;
	guint8 *buf;

	for (gsize i = 0; i < n; i++) {
		const CvmSnpCert *c = g_ptr_array_index(certs, i);

		total += g_bytes_get_size(c->data);
		if (total > CVM_SNP_CERT_TABLE_MAX) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
				    "SNP certificate table: more than %u bytes", CVM_SNP_CERT_TABLE_MAX);
			return NULL;
		}
	}
	buf = g_malloc0(total);
	off = (n + 1) * sizeof(CvmSnpCertTableEntry);
	for (gsize i = 0; i < n; i++) {
		const CvmSnpCert *c = g_ptr_array_index(certs, i);
		gsize clen = 0;
		const guint8 *cdata = g_bytes_get_data(c->data, &clen);
		CvmSnpCertTableEntry e;

		memcpy(e.guid, c->guid, 16);
		e.offset = GUINT32_TO_LE((guint32)off);
		e.length = GUINT32_TO_LE((guint32)clen);
		memcpy(buf + i * sizeof(e), &e, sizeof(e));
		if (clen > 0)
			memcpy(buf + off, cdata, clen);
		off += clen;
	}
	return g_bytes_new_take(buf, total);
}
