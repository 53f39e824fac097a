/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the proxy files (and its test helpers). */
#pragma once

#include <cvm/attest-proxy.h>
#include <gio/gio.h>

/* One length-prefixed message on a blocking socket with a timeout. Reading
 * refuses a length above @max. */
gboolean cvmi_attest_send(GSocket *s, GBytes *msg, GError **error);
GBytes *cvmi_attest_recv(GSocket *s, gsize max, GError **error);

/* Why an attempt towards the agent failed (a CvmAttestProxyError), or 0. */
typedef struct {
	guint32 code;
	gchar *message;
} CvmiAttempt;

/* Idle connections to one agent socket, reused by the workers. */
typedef struct {
	GMutex lock;
	GQueue idle; /* GSocket * */
} CvmiAgentPool;
void cvmi_agent_pool_init(CvmiAgentPool *pool);
void cvmi_agent_pool_clear(CvmiAgentPool *pool);

/* One attempt: the agent's response bytes, or NULL with @why filled. */
GBytes *cvmi_attest_backend_call(const CvmAttestBackend *backend, CvmiAgentPool *pool, GBytes *request,
				 CvmiAttempt *why);
