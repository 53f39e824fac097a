/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Running an operator's command with a deadline: the agent command of the
 * attestation proxy, the certificate store's fill command. */
#include "attest/proxy-private.h"

#include <cvm/error.h>

static gboolean
on_timeout(gpointer data)
{
	g_subprocess_force_exit(data);
	return G_SOURCE_REMOVE;
}

static void
on_done(GObject *source, GAsyncResult *res, gpointer data)
{
	(void)source;
	*(GAsyncResult **)data = g_object_ref(res);
}

gboolean
cvmi_command_run(const char *const *argv, GBytes *in, guint timeout_ms, GBytes **out, int *status,
		 gboolean *timed_out, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(GMainContext) ctx = g_main_context_new();
	g_autoptr(GAsyncResult) res = NULL;
	GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDOUT_PIPE |
				 (in ? G_SUBPROCESS_FLAGS_STDIN_PIPE : G_SUBPROCESS_FLAGS_STDIN_INHERIT);

	*out = NULL;
	*timed_out = FALSE;
	g_autoptr(GSubprocess) p = g_subprocess_newv(argv, flags, &local);
	if (p == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "%s: %s", argv[0], local->message);
		return FALSE;
	}
	/* Drive the pipes on a context of this thread, bounded by a timer. */
	g_main_context_push_thread_default(ctx);
	g_autoptr(GSource) timer = g_timeout_source_new(timeout_ms);
	g_source_set_callback(timer, on_timeout, p, NULL);
	g_source_attach(timer, ctx);
	g_subprocess_communicate_async(p, in, NULL, on_done, &res);
	while (res == NULL)
		g_main_context_iteration(ctx, TRUE);
	g_source_destroy(timer);
	gboolean ok = g_subprocess_communicate_finish(p, res, out, NULL, &local);
	g_main_context_pop_thread_default(ctx);
	if (!ok || g_subprocess_get_if_signaled(p)) {
		*timed_out = ok;
		g_set_error(error, CVM_ERROR, ok ? CVM_ERROR_TIMEOUT : CVM_ERROR_IO, "%s: %s", argv[0],
			    ok ? "killed at the deadline" : local->message);
		g_clear_pointer(out, g_bytes_unref);
		return FALSE;
	}
	*status = g_subprocess_get_exit_status(p);
	if (*out == NULL)
		*out = g_bytes_new(NULL, 0);
	return TRUE;
}
