/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The IGVM-attest proxy: per-guest front ends, retries with backoff, a
 * circuit breaker per guest, a bound on requests in flight, and the v1/v2
 * answer rules of cvm/attest-proxy.h. */
#include "attest/proxy-private.h"
#include "libcvm/socket-uri-internal.h"

#include <cvm/error.h>
#include <string.h>

typedef struct {
	CvmAttestProxy *proxy;
	gchar *name;
	CvmAttestBackend backend;
	GStrv argv;
	gchar *agent_socket;
	CvmiAgentPool pool;
	CvmiService *service;
	GMutex lock;      /* inflight and the breaker */
	guint inflight;
	guint failures;   /* consecutive failed requests */
	gint64 open_until;
} Guest;

struct _CvmAttestProxy {
	GMutex lock; /* guests table and stats */
	GHashTable *guests;
	CvmAttestStats stats;
	CvmAttestFailureFunc func;
	gpointer user_data;
	CvmiPollGate gate;
};

void
cvm_attest_backend_init(CvmAttestBackend *b)
{
	*b = (CvmAttestBackend){.timeout_ms = 5000, .attempts = 3, .backoff_ms = 100, .breaker_failures = 5,
			       .breaker_open_ms = 10000, .max_inflight = 16};
}

static void
guest_free(Guest *g)
{
	cvmi_service_free(g->service);
	g_free(g->name);
	g_strfreev(g->argv);
	g_free(g->agent_socket);
	cvmi_agent_pool_clear(&g->pool);
	g_mutex_clear(&g->lock);
	g_free(g);
}

CvmAttestProxy *
cvm_attest_proxy_new(CvmAttestFailureFunc func, gpointer user_data)
{
	CvmAttestProxy *p = g_new0(CvmAttestProxy, 1);

	g_mutex_init(&p->lock);
	/* Guests are freed outside the lock: stopping one waits for its
	 * handlers, which take the lock. */
	p->guests = g_hash_table_new(g_str_hash, g_str_equal);
	p->func = func;
	p->user_data = user_data;
	return p;
}

static void
free_guest_value(gpointer key, gpointer value, gpointer data)
{
	(void)key;
	(void)data;
	guest_free(value);
}

void
cvm_attest_proxy_free(CvmAttestProxy *p)
{
	if (p == NULL)
		return;
	g_hash_table_foreach(p->guests, free_guest_value, NULL);
	g_hash_table_unref(p->guests);
	g_mutex_clear(&p->lock);
	g_free(p);
}

void
cvm_attest_proxy_get_stats(CvmAttestProxy *p, CvmAttestStats *out)
{
	g_mutex_lock(&p->lock);
	*out = p->stats;
	g_mutex_unlock(&p->lock);
}

static void
count(CvmAttestProxy *p, guint64 *field, guint64 n)
{
	g_mutex_lock(&p->lock);
	*field += n;
	g_mutex_unlock(&p->lock);
}

/* HTTP status and whether the failure is worth retrying (docs/attest.md). */
static void
classify(guint32 code, guint32 *http, gboolean *transient)
{
	*transient = TRUE;
	switch (code) {
	case CVM_ATTEST_PROXY_ERROR_AGENT_TIMEOUT: *http = 504; break;
	case CVM_ATTEST_PROXY_ERROR_AGENT_BAD_RESPONSE: *http = 502; break;
	case CVM_ATTEST_PROXY_ERROR_BAD_REQUEST: *http = 400; *transient = FALSE; break;
	default: *http = 503; break;
	}
}

/* A failure as the request's version allows: a v2 header, or v1's nothing. */
static GBytes *
failure(CvmAttestProxy *p, const Guest *g, const CvmIgvmAttestRequest *req, gboolean decoded, guint32 code)
{
	gboolean v2 = decoded && req->data_version == 2 && (req->capabilities & CVM_IGVM_CAP_ERROR_CODE);
	gboolean retry_cap = v2 && (req->capabilities & CVM_IGVM_CAP_RETRY);
	CvmIgvmAttestResponse r = {.version = 2, .error_code = code};
	CvmAttestFailure f = {.guest = g->name, .error_code = code};
	gboolean transient;

	count(p, &p->stats.failures, 1);
	classify(code, &r.http_status_code, &transient);
	r.igvm_signal = retry_cap && transient ? CVM_IGVM_SIGNAL_RETRY : 0;
	f.http_status = v2 ? r.http_status_code : 0;
	f.retry = r.igvm_signal != 0;
	if (p->func != NULL)
		p->func(&f, p->user_data);
	if (!v2)
		return g_bytes_new(NULL, 0);
	return cvm_igvm_attest_response_encode(&r, NULL);
}

static gboolean
breaker_allows(Guest *g)
{
	g_mutex_lock(&g->lock);
	gboolean ok = g->open_until <= g_get_monotonic_time();
	if (ok && g->inflight >= g->backend.max_inflight)
		ok = FALSE;
	else if (ok)
		g->inflight++;
	g_mutex_unlock(&g->lock);
	return ok;
}

static void
breaker_done(Guest *g, gboolean success)
{
	g_mutex_lock(&g->lock);
	g->inflight--;
	g->failures = success ? 0 : g->failures + 1;
	if (g->failures >= g->backend.breaker_failures) {
		g->open_until = g_get_monotonic_time() + (gint64)g->backend.breaker_open_ms * 1000;
		g->failures = 0;
	}
	g_mutex_unlock(&g->lock);
}

/* The agent's answer, with retries for transient failures. */
static GBytes *
forward(CvmAttestProxy *p, Guest *g, GBytes *request, guint32 *code)
{
	guint delay = g->backend.backoff_ms;

	for (guint i = 0; i < g->backend.attempts; i++) {
		CvmiAttempt why = {0};
		CvmIgvmAttestResponse r;
		g_autoptr(GError) error = NULL;
		if (i > 0) {
			count(p, &p->stats.retries, 1);
			g_usleep((gulong)delay * 1000);
			delay *= 2;
		}
		GBytes *resp = cvmi_attest_backend_call(&g->backend, &g->pool, request, &why);
		/* An empty answer is how a v1 agent says it failed: pass it on. */
		if (resp != NULL && (g_bytes_get_size(resp) == 0 ||
				     cvm_igvm_attest_response_decode(g_bytes_get_data(resp, NULL), g_bytes_get_size(resp),
								     &r, &error))) {
			if (g_bytes_get_size(resp) != 0) {
				if (r.error_code != 0)
					count(p, &p->stats.passthrough_errors, 1);
				cvm_igvm_attest_response_clear(&r);
			}
			return resp;
		}
		if (resp != NULL) {
			g_bytes_unref(resp);
			why.code = CVM_ATTEST_PROXY_ERROR_AGENT_BAD_RESPONSE;
		}
		g_debug("attest proxy: %s: attempt %u: %s", g->name, i + 1, why.message ? why.message : "bad response");
		*code = why.code;
		g_free(why.message);
	}
	return NULL;
}

/* A request for @g, which stays alive meanwhile (its front end's handler,
 * or the caller of cvm_attest_proxy_handle(), holds it). */
static GBytes *
handle_guest(CvmAttestProxy *p, Guest *g, GBytes *request)
{
	CvmIgvmAttestRequest req = {0};
	g_autoptr(GError) error = NULL;
	guint32 code = CVM_ATTEST_PROXY_ERROR_AGENT_UNREACHABLE;

	count(p, &p->stats.requests, 1);
	gboolean decoded = cvm_igvm_attest_request_decode(g_bytes_get_data(request, NULL), g_bytes_get_size(request),
							 &req, &error);
	if (!decoded)
		return failure(p, g, &req, FALSE, CVM_ATTEST_PROXY_ERROR_BAD_REQUEST);
	if (!breaker_allows(g)) {
		gboolean open;
		g_mutex_lock(&g->lock);
		open = g->open_until > g_get_monotonic_time();
		g_mutex_unlock(&g->lock);
		GBytes *r = failure(p, g, &req, TRUE, open ? CVM_ATTEST_PROXY_ERROR_CIRCUIT_OPEN : CVM_ATTEST_PROXY_ERROR_OVERLOADED);
		cvm_igvm_attest_request_clear(&req);
		return r;
	}
	GBytes *resp = forward(p, g, request, &code);
	breaker_done(g, resp != NULL);
	if (resp == NULL)
		resp = failure(p, g, &req, TRUE, code);
	else if (g_bytes_get_size(resp) == 0)
		count(p, &p->stats.failures, 1);
	cvm_igvm_attest_request_clear(&req);
	return resp;
}

GBytes *
cvm_attest_proxy_handle(CvmAttestProxy *p, const char *guest, GBytes *request)
{
	g_mutex_lock(&p->lock);
	Guest *g = g_hash_table_lookup(p->guests, guest);
	if (g == NULL)
		p->stats.requests++;
	g_mutex_unlock(&p->lock);
	return g != NULL ? handle_guest(p, g, request) : g_bytes_new(NULL, 0);
}

gssize
cvmi_attest_frame_length(const guint8 *buf, gsize len)
{
	return cvmi_service_frame_le32(buf, len, CVM_IGVM_ATTEST_REQUEST_MAX);
}

/* A whole framed request from the guest's VMM; the connection may carry
 * any number of them, one after another. */
static GBytes *
serve_request(gpointer owner, const guint8 *req, gsize len, gint64 started, gboolean *keep)
{
	Guest *g = owner;
	CvmAttestProxy *p = g->proxy;
	g_autoptr(GBytes) body = g_bytes_new(req + 4, len - 4);

	(void)started;
	g_atomic_int_inc(&p->gate.active);
	g_autoptr(GBytes) resp = handle_guest(p, g, body);
	g_atomic_int_add(&p->gate.active, -1);
	*keep = TRUE;
	return cvmi_attest_frame(resp);
}

gboolean
cvm_attest_listen_check(const char *listen, GError **error)
{
	return cvmi_service_uri_check(listen, error);
}

gboolean
cvm_attest_proxy_add_guest(CvmAttestProxy *p, const char *guest, const char *listen,
			   const CvmAttestBackend *backend, GError **error)
{
	Guest *g;

	if ((backend->agent_socket == NULL) == (backend->agent_argv == NULL) || backend->attempts == 0 ||
	    backend->attempts > 10 || backend->timeout_ms == 0 || backend->max_inflight == 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "an attestation back end needs exactly one of an agent socket and an agent command, "
			    "a timeout, 1-10 attempts and room for one request");
		return FALSE;
	}
	g = g_new0(Guest, 1);
	g_mutex_init(&g->lock);
	cvmi_agent_pool_init(&g->pool, &p->gate);
	g->proxy = p;
	g->name = g_strdup(guest);
	g->backend = *backend;
	g->argv = backend->agent_argv ? g_strdupv((gchar **)backend->agent_argv) : NULL;
	g->backend.agent_argv = (const char *const *)g->argv;
	g->agent_socket = g_strdup(backend->agent_socket);
	g->backend.agent_socket = g->agent_socket;
	/* A few workers more than max_inflight: the request past the bound is
	 * answered OVERLOADED at once rather than queued. */
	CvmiServiceSpec spec = {.frame = cvmi_attest_frame_length, .handle = serve_request,
				.workers = backend->max_inflight + 4};
	g->service = cvmi_service_new(listen, &spec, g, error);
	if (g->service == NULL) {
		guest_free(g);
		return FALSE;
	}
	g_mutex_lock(&p->lock);
	Guest *old = g_hash_table_lookup(p->guests, guest);
	g_hash_table_replace(p->guests, g->name, g);
	g_mutex_unlock(&p->lock);
	if (old != NULL)
		guest_free(old);
	return TRUE;
}
