/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the proxy files (and its test helpers). */
#pragma once

#include <cvm/attest-proxy.h>
#include <gio/gio.h>

/* Make @s blocking with kernel send and receive timeouts: what
 * cvmi_attest_send() and cvmi_attest_recv() expect. */
gboolean cvmi_attest_socket_prepare(GSocket *s, guint timeout_ms, GError **error);
/* timeout_ms rounded up to whole seconds for g_socket_set_timeout(), in 64
 * bits: in guint, timeout_ms + 999 wrapped to a small value for a timeout near
 * G_MAXUINT, and 0 s means no timeout at all. */
static inline guint
cvmi_attest_timeout_s(guint timeout_ms)
{
	return (guint)(((guint64)timeout_ms + 999) / 1000);
}
/* One length-prefixed message on a prepared socket. Reading refuses a
 * length above @max. */
gboolean cvmi_attest_send(GSocket *s, GBytes *msg, GError **error);
GBytes *cvmi_attest_recv(GSocket *s, gsize max, GError **error);
/* @msg with its length prefix. */
GBytes *cvmi_attest_frame(GBytes *msg);
/* How many bytes of @buf make the first framed request a VMM sends the
 * proxy: 0 while more are needed, -1 when it exceeds
 * CVM_IGVM_ATTEST_REQUEST_MAX (the front end's receive path). */
gssize cvmi_attest_frame_length(const guint8 *buf, gsize len);
/* Whether a proxy thread may poll a socket for up to CVMI_ATTEST_POLL_US
 * before it blocks: one thread at a time, and only while no other request
 * is being worked on (under load, polling would take the CPU from the
 * threads doing work). */
#define CVMI_ATTEST_POLL_US 100
typedef struct {
	gint polling; /* 0 or 1 */
	gint active;  /* requests being handled */
} CvmiPollGate;

/* The same, reading ahead: bytes after the message are kept in @carry (the
 * connection's, empty at first) and used by the next call. With a @gate,
 * polls first if it allows; @in_request says whether the caller is one of
 * the gate's active requests. */
GBytes *cvmi_attest_recv_buffered(GSocket *s, gsize max, GByteArray *carry, CvmiPollGate *gate,
				  gboolean in_request, GError **error);

/* Run @argv with @in (NULL: nothing) on its stdin until it exits or
 * @timeout_ms pass (then it is killed, *timed_out set and FALSE returned);
 * its stdout in *out and exit status in *status. */
gboolean cvmi_command_run(const char *const *argv, GBytes *in, guint timeout_ms, GBytes **out, int *status,
			  gboolean *timed_out, GError **error);

/* Why an attempt towards the agent failed (a CvmAttestProxyError), or 0. */
typedef struct {
	guint32 code;
	gchar *message;
} CvmiAttempt;

/* Idle connections to one agent socket, reused by the workers. */
typedef struct {
	GMutex lock;
	GQueue idle;     /* GSocket * */
	CvmiPollGate *gate; /* the proxy's */
} CvmiAgentPool;
void cvmi_agent_pool_init(CvmiAgentPool *pool, CvmiPollGate *gate);
void cvmi_agent_pool_clear(CvmiAgentPool *pool);

/* One attempt: the agent's response bytes, or NULL with @why filled. */
GBytes *cvmi_attest_backend_call(const CvmAttestBackend *backend, CvmiAgentPool *pool, GBytes *request,
				 CvmiAttempt *why);
