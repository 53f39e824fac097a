/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SNP certificate tables by chip ID and REPORTED_TCB, and the answer to a
 * KVM_EXIT_SNP_REQ_CERTS (ret values from the KVM uapi: 0, ENOSPC with the
 * pages needed, EAGAIN while busy, EIO only when the store cannot be read). */
#include "attest/cert-private.h"
#include "libcvm/libcvm-internal.h"

#include <cvm/error.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#define BUSY_FILE "update-in-progress"
#define BUSY_STALE_US (G_GINT64_CONSTANT(600) * G_USEC_PER_SEC)
#define PAGE 4096u

CvmSnpCertStore *
cvm_snp_cert_store_open(const char *dir, GError **error)
{
	/* 0700 like the rest of cvm's state: what the fill command fetched is
	 * nobody else's to read or replace. */
	if (g_mkdir_with_parents(dir, 0700) < 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "cannot create %s: %s", dir, g_strerror(errno));
		return NULL;
	}
	CvmSnpCertStore *s = g_new0(CvmSnpCertStore, 1);
	s->dir = g_strdup(dir);
	cvmi_cert_fill_init(s);
	return s;
}

void
cvm_snp_cert_store_free(CvmSnpCertStore *s)
{
	if (s == NULL)
		return;
	cvmi_cert_fill_clear(s);
	g_free(s->dir);
	g_free(s);
}

gchar *
cvmi_cert_table_path(const CvmSnpCertStore *s, const guint8 chip_id[64], guint64 tcb)
{
	g_autofree gchar *chip = cvmi_hex(chip_id, 64);
	g_autofree gchar *name = g_strdup_printf("%s-%016" G_GINT64_MODIFIER "x.certs", chip, tcb);
	return g_build_filename(s->dir, name, NULL);
}

gboolean
cvm_snp_cert_store_begin_update(CvmSnpCertStore *s, GError **error)
{
	g_autofree gchar *p = g_build_filename(s->dir, BUSY_FILE, NULL);
	g_autoptr(GError) local = NULL;

	/* 0600 like every private file here, never what the umask leaves. */
	if (!g_file_set_contents_full(p, "", 0, G_FILE_SET_CONTENTS_NONE, 0600, &local)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "%s", local->message);
		return FALSE;
	}
	return TRUE;
}

void
cvm_snp_cert_store_end_update(CvmSnpCertStore *s)
{
	g_autofree gchar *p = g_build_filename(s->dir, BUSY_FILE, NULL);
	g_unlink(p);
}

static gboolean
busy(const CvmSnpCertStore *s)
{
	g_autofree gchar *p = g_build_filename(s->dir, BUSY_FILE, NULL);
	GStatBuf st;

	return g_stat(p, &st) == 0 && g_get_real_time() - (gint64)st.st_mtime * G_USEC_PER_SEC < BUSY_STALE_US;
}

gboolean
cvm_snp_cert_store_import(CvmSnpCertStore *s, const guint8 chip_id[64], guint64 tcb, GBytes *table, GError **error)
{
	g_autofree gchar *path = cvmi_cert_table_path(s, chip_id, tcb);
	g_autoptr(GPtrArray) certs = cvm_snp_cert_table_decode(g_bytes_get_data(table, NULL), g_bytes_get_size(table), error);
	g_autoptr(GError) local = NULL;
	gboolean ok;

	if (certs == NULL) {
		g_prefix_error(error, "not a certificate table: ");
		return FALSE;
	}
	if (!cvm_snp_cert_store_begin_update(s, error))
		return FALSE;
	ok = g_file_set_contents_full(path, g_bytes_get_data(table, NULL), g_bytes_get_size(table),
				      G_FILE_SET_CONTENTS_CONSISTENT, 0644, &local);
	cvm_snp_cert_store_end_update(s);
	if (!ok)
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "%s", local->message);
	return ok;
}

void
cvm_snp_cert_answer_clear(CvmSnpCertAnswer *a)
{
	g_clear_pointer(&a->table, g_bytes_unref);
	memset(a, 0, sizeof(*a));
}

void
cvm_snp_cert_store_answer(CvmSnpCertStore *s, const guint8 chip_id[64], guint64 tcb, guint64 npages,
			  CvmSnpCertAnswer *out)
{
	g_autofree gchar *path = cvmi_cert_table_path(s, chip_id, tcb);
	g_autofree gchar *data = NULL;
	g_autoptr(GError) error = NULL;
	gsize len = 0;

	memset(out, 0, sizeof(*out));
	if (busy(s)) {
		out->ret = EAGAIN;
		return;
	}
	if (!g_file_get_contents(path, &data, &len, &error)) {
		if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			out->ret = EIO;
			return;
		}
		/* Being fetched by the operator's command: BUSY, the guest retries. */
		if (cvmi_cert_fill_start(s, path, chip_id, tcb)) {
			out->ret = EAGAIN;
			return;
		}
		/* No table for this chip and TCB: the empty table, as KVM gives. */
		out->table = g_bytes_new_take(g_malloc0(24), 24);
		len = 24;
	} else {
		out->table = g_bytes_new_take(g_steal_pointer(&data), len);
	}
	guint64 need = (len + PAGE - 1) / PAGE;
	if (need > npages) {
		g_clear_pointer(&out->table, g_bytes_unref);
		out->ret = ENOSPC;
		out->npages = need;
	}
}
