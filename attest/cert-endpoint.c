/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SNP certificate endpoint: a VMM handling KVM_EXIT_SNP_REQ_CERTS asks
 * over a unix socket and gets the exit's ret value and, with 0, the table to
 * write at the guest's gpa. Framing as the attestation proxy's. */
#include "attest/cert-private.h"
#include "attest/proxy-private.h"
#include "libcvm/socket-uri-internal.h"

#include <cvm/igvm-defs.h>
#include <cvm/attest-certs.h>
#include <cvm/error.h>
#include <string.h>

struct _CvmSnpCertEndpoint {
	CvmSnpCertStore *store;
	CvmiService *service;
};

GBytes *
cvmi_cert_endpoint_handle(CvmSnpCertStore *store, const guint8 *p, gsize len)
{
	CvmSnpCertAnswer a;
	g_autoptr(GByteArray) out = g_byte_array_new();
	guint64 head[2];

	if (len != CVM_SNP_CERT_REQUEST_SIZE) {
		/* A malformed request from the VMM, not the guest's fault: the
		 * guest must not be told GENERIC; BUSY makes it retry. */
		a = (CvmSnpCertAnswer){.ret = EAGAIN};
	} else {
		cvm_snp_cert_store_answer(store, p, cvm_read_le64(p + 64), cvm_read_le64(p + 80), &a);
	}
	head[0] = GUINT64_TO_LE(a.ret);
	head[1] = GUINT64_TO_LE(a.npages);
	g_byte_array_append(out, (const guint8 *)head, sizeof head);
	if (a.table != NULL)
		g_byte_array_append(out, g_bytes_get_data(a.table, NULL), g_bytes_get_size(a.table));
	cvm_snp_cert_answer_clear(&a);
	g_autoptr(GBytes) body = g_byte_array_free_to_bytes(g_steal_pointer(&out));
	return cvmi_attest_frame(body);
}

static gssize
frame(const guint8 *buf, gsize len)
{
	return cvmi_service_frame_le32(buf, len, CVMI_CERT_REQUEST_MAX);
}

static GBytes *
serve_request(gpointer owner, const guint8 *req, gsize len, gint64 started, gboolean *keep)
{
	CvmSnpCertEndpoint *e = owner;

	(void)started;
	*keep = TRUE;
	return cvmi_cert_endpoint_handle(e->store, req + 4, len - 4);
}

CvmSnpCertEndpoint *
cvm_snp_cert_endpoint_new(CvmSnpCertStore *store, const char *listen, GError **error)
{
	CvmSnpCertEndpoint *e = g_new0(CvmSnpCertEndpoint, 1);
	CvmiServiceSpec spec = {.frame = frame, .handle = serve_request, .workers = 8};

	e->store = store;
	e->service = cvmi_service_new(listen, &spec, e, error);
	if (e->service == NULL) {
		g_free(e);
		return NULL;
	}
	return e;
}

void
cvm_snp_cert_endpoint_free(CvmSnpCertEndpoint *e)
{
	if (e == NULL)
		return;
	cvmi_service_free(e->service);
	g_free(e);
}
