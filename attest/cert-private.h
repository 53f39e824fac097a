/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the certificate store's files (cert-store.c, cert-fill.c). */
#pragma once

#include <cvm/attest-certs.h>

struct _CvmSnpCertStore {
	gchar *dir;
	GMutex lock;        /* what follows */
	gchar **fill_argv;  /* NULL: no fill command */
	guint fill_timeout_ms;
	GHashTable *fills;  /* table path -> CvmiCertFill */
	GPtrArray *threads; /* fill threads, joined at free */
};

/* <dir>/<chip hex>-<tcb hex>.certs */
gchar *cvmi_cert_table_path(const CvmSnpCertStore *s, const guint8 chip_id[64], guint64 tcb);

void cvmi_cert_fill_init(CvmSnpCertStore *s);
/* Waits for running fill commands (each bounded by its timeout). */
void cvmi_cert_fill_clear(CvmSnpCertStore *s);
/* For a table the store lacks (@path, cvmi_cert_table_path()): TRUE while the fill command is fetching it
 * (started now if it was not running); FALSE without a fill command, or
 * when it failed for this chip and TCB less than CVMI_CERT_FILL_RETRY_S
 * seconds ago. */
#define CVMI_CERT_FILL_RETRY_S 60
gboolean cvmi_cert_fill_start(CvmSnpCertStore *s, const char *path, const guint8 chip_id[64], guint64 tcb);
