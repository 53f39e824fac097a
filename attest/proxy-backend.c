/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One attempt towards a guest's agent: over its unix socket, or by running
 * the agent command with the request on stdin. Every wait is bounded by the
 * backend's timeout. */
#include "attest/proxy-private.h"

#include <cvm/error.h>

static GBytes *
fail(CvmiAttempt *why, guint32 code, const char *what, const GError *error)
{
	why->code = code;
	why->message = g_strdup_printf("%s%s%s", what, error ? ": " : "", error ? error->message : "");
	return NULL;
}

void
cvmi_agent_pool_init(CvmiAgentPool *pool, CvmiPollGate *gate)
{
	pool->gate = gate;
	g_mutex_init(&pool->lock);
	g_queue_init(&pool->idle);
}

void
cvmi_agent_pool_clear(CvmiAgentPool *pool)
{
	g_queue_clear_full(&pool->idle, g_object_unref);
	g_mutex_clear(&pool->lock);
}

static GSocket *
pool_take(CvmiAgentPool *pool)
{
	g_mutex_lock(&pool->lock);
	GSocket *s = g_queue_pop_head(&pool->idle);
	g_mutex_unlock(&pool->lock);
	return s;
}

static void
pool_give(CvmiAgentPool *pool, GSocket *s)
{
	g_mutex_lock(&pool->lock);
	g_queue_push_head(&pool->idle, g_object_ref(s));
	g_mutex_unlock(&pool->lock);
}

/* One exchange on a connection (pooled, or made here). */
static GBytes *
exchange(const CvmAttestBackend *b, CvmiAgentPool *pool, GSocket *reused, GBytes *request, CvmiAttempt *why)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocket) s = reused;
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(b->agent_socket);

	if (s == NULL) {
		s = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, &error);
		if (s == NULL)
			return fail(why, CVM_ATTEST_PROXY_ERROR_AGENT_UNREACHABLE, "socket", error);
		g_socket_set_timeout(s, cvmi_attest_timeout_s(b->timeout_ms));
		if (!g_socket_connect(s, addr, NULL, &error) || !cvmi_attest_socket_prepare(s, b->timeout_ms, &error))
			return fail(why, CVM_ATTEST_PROXY_ERROR_AGENT_UNREACHABLE, "agent unreachable", error);
	}
	if (!cvmi_attest_send(s, request, &error)) {
		gboolean t = g_error_matches(error, CVM_ERROR, CVM_ERROR_TIMEOUT);
		return fail(why, t ? CVM_ATTEST_PROXY_ERROR_AGENT_TIMEOUT : CVM_ATTEST_PROXY_ERROR_AGENT_UNREACHABLE,
			    "sending to the agent", error);
	}
	g_autoptr(GByteArray) carry = g_byte_array_new();
	GBytes *resp = cvmi_attest_recv_buffered(s, CVM_IGVM_ATTEST_RESPONSE_MAX, carry, pool->gate, TRUE, &error);
	if (resp == NULL) {
		gboolean t = g_error_matches(error, CVM_ERROR, CVM_ERROR_TIMEOUT);
		return fail(why, t ? CVM_ATTEST_PROXY_ERROR_AGENT_TIMEOUT : CVM_ATTEST_PROXY_ERROR_AGENT_BAD_RESPONSE,
			    "the agent's answer", error);
	}
	/* Bytes after the answer were never asked for: not a connection to reuse. */
	if (carry->len == 0)
		pool_give(pool, s);
	return resp;
}

static GBytes *
call_socket(const CvmAttestBackend *b, CvmiAgentPool *pool, GBytes *request, CvmiAttempt *why)
{
	GSocket *idle = pool_take(pool);

	if (idle != NULL) {
		/* An idle connection the agent may have closed meanwhile: a failure
		 * on it is not the agent's, try once more on a new one. */
		CvmiAttempt first = {0};
		GBytes *resp = exchange(b, pool, idle, request, &first);
		g_free(first.message);
		if (resp != NULL)
			return resp;
	}
	return exchange(b, pool, NULL, request, why);
}

static GBytes *
call_command(const CvmAttestBackend *b, GBytes *request, CvmiAttempt *why)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) out = NULL;
	gsize len;
	gboolean late = FALSE;
	int status;
	g_autoptr(GBytes) in = cvmi_attest_frame(request);
	if (!cvmi_command_run(b->agent_argv, in, b->timeout_ms, &out, &status, &late, &error))
		return late ? fail(why, CVM_ATTEST_PROXY_ERROR_AGENT_TIMEOUT, "the agent command did not answer in time", error)
			    : fail(why, CVM_ATTEST_PROXY_ERROR_AGENT_UNREACHABLE, "cannot run the agent", error);
	/* Its exit status is not looked at: its answer may be its own v2 error. */
	const guint8 *o = g_bytes_get_data(out, &len);
	guint32 n;
	if (o == NULL || len < 4 || (memcpy(&n, o, 4), GUINT32_FROM_LE(n)) != len - 4 || len - 4 > CVM_IGVM_ATTEST_RESPONSE_MAX)
		return fail(why, CVM_ATTEST_PROXY_ERROR_AGENT_BAD_RESPONSE, "the agent command's output is not one framed response",
			    NULL);
	return g_bytes_new(o + 4, len - 4);
}

GBytes *
cvmi_attest_backend_call(const CvmAttestBackend *backend, CvmiAgentPool *pool, GBytes *request, CvmiAttempt *why)
{
	return backend->agent_socket != NULL ? call_socket(backend, pool, request, why)
					     : call_command(backend, request, why);
}
