/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the GetQuote service (quote-service.c) and its QGS front end
 * (quote-qgs-front.c): both count against the same per-guest bound. */
#pragma once

#include <cvm/attest-quote.h>
#include <gio/gio.h>

struct _CvmTdxQuoteService {
	gchar *qgs;
	guint deadline_ms;
	GThreadPool *pool;
	GMutex lock;
	GCond idle;
	GHashTable *inflight; /* guest -> count */
	guint total;
};

/* One more quote in flight for @guest, unless it has the maximum already. */
gboolean cvmi_quote_take(CvmTdxQuoteService *svc, const char *guest);
void cvmi_quote_release(CvmTdxQuoteService *svc, const char *guest);
/* One GET_QUOTE exchange with the QGS: its response (any error code), or
 * NULL with *status SERVICE_UNAVAILABLE (no QGS) or ERROR (it failed or was
 * late). */
CvmQgsMessage *cvmi_quote_roundtrip(CvmTdxQuoteService *svc, const CvmQgsMessage *req, gint64 deadline,
				    guint64 *status);

/* The QGS front end's receive path: how many bytes of @buf make QEMU's
 * first request (0: more needed; a bad length prefix is a whole, malformed
 * request of 4 bytes), and the framed QGS response to such a request
 * (INVALID_PARAMETER when malformed, UNEXPECTED when over the guest's bound
 * or the QGS failed; @deadline bounds the QGS exchange). */
gssize cvmi_qgs_front_frame(const guint8 *buf, gsize len);
GBytes *cvmi_qgs_front_handle(CvmTdxQuoteService *svc, const char *guest, const guint8 *req, gsize len,
			      gint64 deadline);
