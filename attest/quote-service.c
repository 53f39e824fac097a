/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TDX GetQuote through a Quote Generation Service, with QEMU's rules for
 * in-flight requests, the deadline and the status codes (cvm/attest-quote.h). */
#include "attest/quote-private.h"
#include "libcvm/socket-uri-internal.h"

#include <cvm/error.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <string.h>

typedef struct {
	gchar *guest;
	CvmGuestMemory *mem;
	guint64 gpa, size;
} Job;

CvmQgsMessage *
cvmi_quote_roundtrip(CvmTdxQuoteService *svc, const CvmQgsMessage *req, gint64 deadline, guint64 *status)
{
	g_autoptr(GSocket) s = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, NULL);
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(svc->qgs);
	g_autoptr(GBytes) framed = cvm_qgs_message_encode(req, NULL);
	guint8 prefix[4];
	guint32 len;

	if (s == NULL || !g_socket_connect(s, addr, NULL, NULL)) {
		*status = CVM_TDX_QUOTE_STATUS_SERVICE_UNAVAILABLE;
		return NULL;
	}
	g_socket_set_blocking(s, FALSE);
	*status = CVM_TDX_QUOTE_STATUS_ERROR;
	if (framed == NULL ||
	    !cvmi_socket_io(s, (guint8 *)g_bytes_get_data(framed, NULL), g_bytes_get_size(framed), TRUE, deadline) ||
	    !cvmi_socket_io(s, prefix, 4, FALSE, deadline) || !cvm_qgs_frame_length(prefix, &len, NULL))
		return NULL;
	g_autofree guint8 *body = g_malloc(len);
	CvmQgsMessage *resp = g_new0(CvmQgsMessage, 1);
	if (!cvmi_socket_io(s, body, len, FALSE, deadline) || !cvm_qgs_message_decode(body, len, resp, NULL) ||
	    resp->type != CVM_QGS_GET_QUOTE_RESP) {
		cvm_qgs_message_clear(resp);
		g_free(resp);
		return NULL;
	}
	*status = CVM_TDX_QUOTE_STATUS_SUCCESS;
	return resp;
}

/* The quote for @report, or the status to publish instead. */
static GBytes *
fetch(CvmTdxQuoteService *svc, const guint8 *report, gsize report_len, guint64 *status)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)svc->deadline_ms * 1000;
	CvmQgsMessage req = {.type = CVM_QGS_GET_QUOTE_REQ, .data = g_bytes_new(report, report_len)};
	CvmQgsMessage *resp = cvmi_quote_roundtrip(svc, &req, deadline, status);
	GBytes *quote = NULL;

	cvm_qgs_message_clear(&req);
	if (resp == NULL)
		return NULL;
	if (resp->error_code == 0)
		quote = g_bytes_ref(resp->data);
	else
		*status = CVM_TDX_QUOTE_STATUS_ERROR;
	cvm_qgs_message_clear(resp);
	g_free(resp);
	return quote;
}

static void
run(gpointer data, gpointer user)
{
	Job *job = data;
	CvmTdxQuoteService *svc = user;
	g_autofree guint8 *buf = g_malloc(job->size);
	CvmTdxQuoteBufHeader hdr;
	const guint8 *report = NULL;
	guint64 status = CVM_TDX_QUOTE_STATUS_ERROR;

	if (cvm_guest_memory_read(job->mem, job->gpa, buf, job->size, NULL) &&
	    cvm_tdx_quote_buf_decode(buf, job->size, &hdr, &report, NULL)) {
		g_autoptr(GBytes) quote = fetch(svc, report, hdr.in_len, &status);
		gsize qlen = quote ? g_bytes_get_size(quote) : 0;
		/* A quote that does not fit is never written: ERROR instead. */
		if (quote == NULL || !cvm_tdx_quote_buf_complete(buf, job->size, status, g_bytes_get_data(quote, NULL), qlen, NULL))
			cvm_tdx_quote_buf_complete(buf, job->size, quote ? CVM_TDX_QUOTE_STATUS_ERROR : status, NULL, 0, NULL);
		cvm_guest_memory_write(job->mem, job->gpa, buf, job->size, NULL);
	}
	cvmi_quote_release(svc, job->guest);
	g_free(job->guest);
	g_free(job);
}

gboolean
cvmi_quote_take(CvmTdxQuoteService *svc, const char *guest)
{
	g_mutex_lock(&svc->lock);
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(svc->inflight, guest));
	gboolean ok = n < CVM_TDX_QUOTES_IN_FLIGHT_MAX;
	if (ok) {
		g_hash_table_insert(svc->inflight, g_strdup(guest), GUINT_TO_POINTER(n + 1));
		svc->total++;
	}
	g_mutex_unlock(&svc->lock);
	return ok;
}

void
cvmi_quote_release(CvmTdxQuoteService *svc, const char *guest)
{
	g_mutex_lock(&svc->lock);
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(svc->inflight, guest));
	g_hash_table_insert(svc->inflight, g_strdup(guest), GUINT_TO_POINTER(n - 1));
	if (--svc->total == 0)
		g_cond_broadcast(&svc->idle);
	g_mutex_unlock(&svc->lock);
}

CvmTdxQuoteService *
cvm_tdx_quote_service_new(const char *qgs_socket, guint deadline_ms)
{
	CvmTdxQuoteService *svc = g_new0(CvmTdxQuoteService, 1);

	svc->qgs = g_strdup(qgs_socket);
	svc->deadline_ms = deadline_ms;
	g_mutex_init(&svc->lock);
	g_cond_init(&svc->idle);
	svc->inflight = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	svc->pool = g_thread_pool_new(run, svc, 64, FALSE, NULL);
	return svc;
}

void
cvm_tdx_quote_service_wait_idle(CvmTdxQuoteService *svc)
{
	g_mutex_lock(&svc->lock);
	while (svc->total > 0)
		g_cond_wait(&svc->idle, &svc->lock);
	g_mutex_unlock(&svc->lock);
}

void
cvm_tdx_quote_service_free(CvmTdxQuoteService *svc)
{
	if (svc == NULL)
		return;
	cvm_tdx_quote_service_wait_idle(svc);
	g_thread_pool_free(svc->pool, FALSE, TRUE);
	g_hash_table_unref(svc->inflight);
	g_mutex_clear(&svc->lock);
	g_cond_clear(&svc->idle);
	g_free(svc->qgs);
	g_free(svc);
}

guint64
cvm_tdx_quote_service_submit(CvmTdxQuoteService *svc, const char *guest, CvmGuestMemory *mem, guint64 gpa, guint64 size)
{
	g_autofree guint8 *buf = NULL;
	CvmTdxQuoteBufHeader hdr;

	if (size < sizeof(hdr) || size > CVM_TDX_QUOTE_BUF_MAX || !cvm_guest_memory_contains(mem, gpa, size))
		return CVM_TDVMCALL_INVALID_OPERAND;
	buf = g_malloc(size);
	if (!cvm_guest_memory_read(mem, gpa, buf, size, NULL) || !cvm_tdx_quote_buf_decode(buf, size, &hdr, NULL, NULL))
		return CVM_TDVMCALL_INVALID_OPERAND;
	if (!cvmi_quote_take(svc, guest))
		return CVM_TDVMCALL_RETRY;
	/* The guest polls the status: IN_FLIGHT until the quote is there. */
	guint64 inflight = GUINT64_TO_LE(CVM_TDX_QUOTE_STATUS_IN_FLIGHT);
	cvm_guest_memory_write(mem, gpa + G_STRUCT_OFFSET(CvmTdxQuoteBufHeader, status), &inflight, 8, NULL);
	Job *job = g_new0(Job, 1);
	job->guest = g_strdup(guest);
	job->mem = mem;
	job->gpa = gpa;
	job->size = size;
	g_thread_pool_push(svc->pool, job, NULL);
	return CVM_TDVMCALL_SUCCESS;
}
