/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A QGS-compatible endpoint for QEMU's quote-generation-socket: requests
 * are forwarded to the real QGS under the same per-guest bound and deadline
 * as the GetQuote service; what goes wrong comes back as a QGS response
 * QEMU understands (cvm/attest-quote.h). */
#include "attest/quote-private.h"
#include "libcvm/socket-uri-internal.h"

#include <cvm/error.h>

struct _CvmTdxQgsFront {
	CvmTdxQuoteService *svc;
	gchar *guest;
	CvmiService *service;
};

static GBytes *
answer_error(guint32 code)
{
	CvmQgsMessage resp = {.type = CVM_QGS_GET_QUOTE_RESP, .error_code = code, .data = g_bytes_new(NULL, 0)};
	GBytes *framed = cvm_qgs_message_encode(&resp, NULL);
	cvm_qgs_message_clear(&resp);
	return framed;
}

gssize
cvmi_qgs_front_frame(const guint8 *buf, gsize len)
{
	guint32 n;

	if (len < 4)
		return 0;
	/* A bad prefix is a whole (malformed) request: it gets its answer. */
	if (!cvm_qgs_frame_length(buf, &n, NULL))
		return 4;
	return len - 4 >= n ? (gssize)(4 + n) : 0;
}

GBytes *
cvmi_qgs_front_handle(CvmTdxQuoteService *svc, const char *guest, const guint8 *req, gsize len, gint64 deadline)
{
	CvmQgsMessage msg = {0};
	guint64 status;
	guint32 n;

	if (len < 4 || !cvm_qgs_frame_length(req, &n, NULL) || n != len - 4 ||
	    !cvm_qgs_message_decode(req + 4, n, &msg, NULL) || msg.type != CVM_QGS_GET_QUOTE_REQ) {
		cvm_qgs_message_clear(&msg);
		return answer_error(CVM_QGS_ERROR_INVALID_PARAMETER);
	}
	if (!cvmi_quote_take(svc, guest)) {
		cvm_qgs_message_clear(&msg);
		return answer_error(CVM_QGS_ERROR_UNEXPECTED);
	}
	CvmQgsMessage *resp = cvmi_quote_roundtrip(svc, &msg, deadline, &status);
	cvmi_quote_release(svc, guest);
	cvm_qgs_message_clear(&msg);
	if (resp == NULL)
		return answer_error(CVM_QGS_ERROR_UNEXPECTED);
	GBytes *framed = cvm_qgs_message_encode(resp, NULL);
	cvm_qgs_message_clear(resp);
	g_free(resp);
	return framed;
}

/* One request per connection, as QEMU sends; its deadline runs from the
 * first byte. */
static GBytes *
serve_request(gpointer owner, const guint8 *req, gsize len, gint64 started, gboolean *keep)
{
	CvmTdxQgsFront *f = owner;

	*keep = FALSE;
	return cvmi_qgs_front_handle(f->svc, f->guest, req, len, started + (gint64)f->svc->deadline_ms * 1000);
}

CvmTdxQgsFront *
cvm_tdx_qgs_front_new(CvmTdxQuoteService *svc, const char *guest, const char *listen, GError **error)
{
	CvmTdxQgsFront *f = g_new0(CvmTdxQgsFront, 1);
	/* More workers than the per-guest bound, so the 17th request is
	 * answered, not queued. */
	CvmiServiceSpec spec = {.frame = cvmi_qgs_front_frame, .handle = serve_request,
				.workers = CVM_TDX_QUOTES_IN_FLIGHT_MAX + 4};

	f->svc = svc;
	f->guest = g_strdup(guest);
	f->service = cvmi_service_new(listen, &spec, f, error);
	if (f->service == NULL) {
		cvm_tdx_qgs_front_free(f);
		return NULL;
	}
	return f;
}

void
cvm_tdx_qgs_front_free(CvmTdxQgsFront *f)
{
	if (f == NULL)
		return;
	cvmi_service_free(f->service);
	g_free(f->guest);
	g_free(f);
}
