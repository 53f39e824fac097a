/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A QGS-compatible endpoint for QEMU's quote-generation-socket: requests
 * are forwarded to the real QGS under the same per-guest bound and deadline
 * as the GetQuote service; what goes wrong comes back as a QGS response
 * QEMU understands (cvm/attest-quote.h). */
#include "attest/quote-private.h"
#include "libcvm/socket-uri-private.h"

#include <cvm/error.h>

struct _CvmTdxQgsFront {
	CvmTdxQuoteService *svc;
	gchar *guest;
	gchar *path;
	GSocketService *service;
	CvmiServiceGuard *guard;
};

static void
answer(GSocket *s, const CvmQgsMessage *resp, gint64 deadline)
{
	g_autoptr(GBytes) framed = cvm_qgs_message_encode(resp, NULL);
	if (framed != NULL)
		cvmi_quote_io(s, (guint8 *)g_bytes_get_data(framed, NULL), g_bytes_get_size(framed), TRUE, deadline);
}

static void
answer_error(GSocket *s, guint32 code, gint64 deadline)
{
	CvmQgsMessage resp = {.type = CVM_QGS_GET_QUOTE_RESP, .error_code = code, .data = g_bytes_new(NULL, 0)};
	answer(s, &resp, deadline);
	cvm_qgs_message_clear(&resp);
}

/* One request from QEMU: NULL (answered already) when it is malformed. */
static gboolean
read_request(GSocket *s, gint64 deadline, CvmQgsMessage *req)
{
	guint8 prefix[4];
	guint32 len;

	if (!cvmi_quote_io(s, prefix, sizeof prefix, FALSE, deadline))
		return FALSE; /* gone or silent: nobody to answer */
	if (!cvm_qgs_frame_length(prefix, &len, NULL)) {
		answer_error(s, CVM_QGS_ERROR_INVALID_PARAMETER, deadline);
		return FALSE;
	}
	g_autofree guint8 *body = g_malloc(len);
	if (!cvmi_quote_io(s, body, len, FALSE, deadline))
		return FALSE;
	if (!cvm_qgs_message_decode(body, len, req, NULL) || req->type != CVM_QGS_GET_QUOTE_REQ) {
		cvm_qgs_message_clear(req);
		answer_error(s, CVM_QGS_ERROR_INVALID_PARAMETER, deadline);
		return FALSE;
	}
	return TRUE;
}

static void
serve_conn(gpointer owner, GSocketConnection *conn)
{
	CvmTdxQgsFront *f = owner;
	GSocket *s = g_socket_connection_get_socket(conn);
	gint64 deadline = g_get_monotonic_time() + (gint64)f->svc->deadline_ms * 1000;
	CvmQgsMessage req = {0};
	guint64 status;

	g_socket_set_blocking(s, FALSE);
	if (!read_request(s, deadline, &req))
		return;
	if (!cvmi_quote_take(f->svc, f->guest)) {
		answer_error(s, CVM_QGS_ERROR_UNEXPECTED, deadline);
	} else {
		CvmQgsMessage *resp = cvmi_quote_roundtrip(f->svc, &req, deadline, &status);
		if (resp != NULL)
			answer(s, resp, deadline);
		else /* the deadline may be spent already: a second more to say so */
			answer_error(s, CVM_QGS_ERROR_UNEXPECTED, deadline + G_USEC_PER_SEC);
		if (resp != NULL) {
			cvm_qgs_message_clear(resp);
			g_free(resp);
		}
		cvmi_quote_release(f->svc, f->guest);
	}
	cvm_qgs_message_clear(&req);
}

CvmTdxQgsFront *
cvm_tdx_qgs_front_new(CvmTdxQuoteService *svc, const char *guest, const char *listen, GError **error)
{
	CvmTdxQgsFront *f = g_new0(CvmTdxQgsFront, 1);

	f->svc = svc;
	f->guest = g_strdup(guest);
	/* More than the per-guest bound, so the 17th request is answered, not queued. */
	f->service = g_threaded_socket_service_new((int)CVM_TDX_QUOTES_IN_FLIGHT_MAX + 4);
	g_socket_listener_set_backlog(G_SOCKET_LISTENER(f->service), 64);
	if (!cvmi_service_uri_listen(G_SOCKET_LISTENER(f->service), listen, &f->path, error)) {
		g_clear_object(&f->service);
		cvm_tdx_qgs_front_free(f);
		return NULL;
	}
	f->guard = cvmi_service_serve(f->service, serve_conn, f);
	g_socket_service_start(f->service);
	return f;
}

void
cvm_tdx_qgs_front_free(CvmTdxQgsFront *f)
{
	if (f == NULL)
		return;
	if (f->service != NULL)
		cvmi_service_uri_stop(f->service, f->path, f->guard);
	g_free(f->guest);
	g_free(f->path);
	g_free(f);
}
