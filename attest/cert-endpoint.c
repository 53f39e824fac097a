/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SNP certificate endpoint: a VMM handling KVM_EXIT_SNP_REQ_CERTS asks
 * over a unix socket and gets the exit's ret value and, with 0, the table to
 * write at the guest's gpa. Framing as the attestation proxy's. */
#include "attest/proxy-private.h"
#include "libcvm/socket-uri-private.h"

#include <cvm/igvm-defs.h>
#include <cvm/attest-certs.h>
#include <cvm/error.h>
#include <string.h>

struct _CvmSnpCertEndpoint {
	CvmSnpCertStore *store;
	gchar *path;
	GSocketService *service;
	CvmiServiceGuard *guard;
};

static GBytes *
handle(CvmSnpCertStore *store, GBytes *req)
{
	gsize len;
	const guint8 *p = g_bytes_get_data(req, &len);
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
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

static void
serve_conn(gpointer owner, GSocketConnection *conn)
{
	CvmSnpCertEndpoint *e = owner;
	GSocket *s = g_socket_connection_get_socket(conn);

	if (!cvmi_attest_socket_prepare(s, 30000, NULL))
		return;
	for (;;) {
		g_autoptr(GBytes) req = cvmi_attest_recv(s, 4096, NULL);
		if (req == NULL)
			return;
		g_autoptr(GBytes) resp = handle(e->store, req);
		if (!cvmi_attest_send(s, resp, NULL))
			return;
	}
}

CvmSnpCertEndpoint *
cvm_snp_cert_endpoint_new(CvmSnpCertStore *store, const char *listen, GError **error)
{
	CvmSnpCertEndpoint *e = g_new0(CvmSnpCertEndpoint, 1);

	e->store = store;
	e->service = g_threaded_socket_service_new(8);
	if (!cvmi_service_uri_listen(G_SOCKET_LISTENER(e->service), listen, &e->path, error)) {
		g_clear_object(&e->service);
		cvm_snp_cert_endpoint_free(e);
		return NULL;
	}
	e->guard = cvmi_service_serve(e->service, serve_conn, e);
	g_socket_service_start(e->service);
	return e;
}

void
cvm_snp_cert_endpoint_free(CvmSnpCertEndpoint *e)
{
	if (e == NULL)
		return;
	if (e->service != NULL)
		cvmi_service_uri_stop(e->service, e->path, e->guard);
	g_free(e->path);
	g_free(e);
}
