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
/* Send or receive all of @buf on a non-blocking socket before @deadline. */
gboolean cvmi_quote_io(GSocket *s, guint8 *buf, gsize len, gboolean out, gint64 deadline);
/* One GET_QUOTE exchange with the QGS: its response (any error code), or
 * NULL with *status SERVICE_UNAVAILABLE (no QGS) or ERROR (it failed or was
 * late). */
CvmQgsMessage *cvmi_quote_roundtrip(CvmTdxQuoteService *svc, const CvmQgsMessage *req, gint64 deadline,
				    guint64 *status);
