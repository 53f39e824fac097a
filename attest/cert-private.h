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
	GThreadPool *fill_pool; /* NULL once the store is being freed */
	guint fill_pending;     /* fills queued or running */
	gboolean fill_refusing; /* the queue was full and that was logged */
};

/* <dir>/<chip hex>-<tcb hex>.certs */
gchar *cvmi_cert_table_path(const CvmSnpCertStore *s, const guint8 chip_id[64], guint64 tcb);

void cvmi_cert_fill_init(CvmSnpCertStore *s);
/* Waits for running fill commands (each bounded by its timeout). */
void cvmi_cert_fill_clear(CvmSnpCertStore *s);
/* For a table the store lacks (@path, cvmi_cert_table_path()): TRUE while the fill command is fetching it
 * (queued now if it was not); FALSE without a fill command, when it failed
 * for this chip and TCB less than CVMI_CERT_FILL_RETRY_S seconds ago, or
 * when CVMI_CERT_FILL_RUNNING_MAX fills run and CVMI_CERT_FILL_QUEUE_MAX
 * wait already: each distinct chip ID and TCB a guest makes up is a
 * process, so their number is bounded. */
#define CVMI_CERT_FILL_RETRY_S 60
#define CVMI_CERT_FILL_RUNNING_MAX 2
#define CVMI_CERT_FILL_QUEUE_MAX 16
gboolean cvmi_cert_fill_start(CvmSnpCertStore *s, const char *path, const guint8 chip_id[64], guint64 tcb);

/* The certificate endpoint's answer to one request body from a VMM (@len
 * bytes, CVM_SNP_CERT_REQUEST_SIZE when well formed): {ret, npages, table},
 * framed. Bodies above CVMI_CERT_REQUEST_MAX close the connection. */
#define CVMI_CERT_REQUEST_MAX 4096u
GBytes *cvmi_cert_endpoint_handle(CvmSnpCertStore *store, const guint8 *req, gsize len);
