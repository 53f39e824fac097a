/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Running an operator's command with a deadline: the agent command of the
 * attestation proxy, the certificate store's fill command. */
#include "attest/proxy-private.h"

#include <cvm/error.h>
#include <signal.h>
#include <unistd.h>

typedef struct {
	GSubprocess *p;
	GCancellable *cancel;
} Deadline;

/* The whole process group: a shell's children would otherwise keep the
 * pipes open, and the wait going, long after the shell is gone. */
static gboolean
on_timeout(gpointer data)
{
	Deadline *d = data;
	const char *id = g_subprocess_get_identifier(d->p);

	if (id != NULL)
		kill(-(pid_t)g_ascii_strtoll(id, NULL, 10), SIGKILL);
	g_subprocess_force_exit(d->p);
	g_cancellable_cancel(d->cancel);
	return G_SOURCE_REMOVE;
}

static void
child_setup(gpointer data)
{
	(void)data;
	setpgid(0, 0);
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
	/* GLib wants a buffer for a piped stdin: an empty one closes it at once. */
	g_autoptr(GBytes) nothing = in ? NULL : g_bytes_new(NULL, 0);
	GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE;

	*out = NULL;
	*timed_out = FALSE;
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(flags);
	g_subprocess_launcher_set_child_setup(l, child_setup, NULL, NULL);
	g_autoptr(GSubprocess) p = g_subprocess_launcher_spawnv(l, argv, &local);
	if (p == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "%s: %s", argv[0], local->message);
		return FALSE;
	}
	/* Drive the pipes on a context of this thread, bounded by a timer. */
	g_autoptr(GCancellable) cancel = g_cancellable_new();
	Deadline d = {.p = p, .cancel = cancel};
	g_main_context_push_thread_default(ctx);
	g_autoptr(GSource) timer = g_timeout_source_new(timeout_ms);
	g_source_set_callback(timer, on_timeout, &d, NULL);
	g_source_attach(timer, ctx);
	g_subprocess_communicate_async(p, in ? in : nothing, cancel, on_done, &res);
	while (res == NULL)
		g_main_context_iteration(ctx, TRUE);
	g_source_destroy(timer);
	gboolean ok = g_subprocess_communicate_finish(p, res, out, NULL, &local);
	if (g_cancellable_is_cancelled(cancel))
		g_subprocess_wait(p, NULL, NULL); /* reaped: it was killed */
	g_main_context_pop_thread_default(ctx);
	if (g_cancellable_is_cancelled(cancel) || !ok || g_subprocess_get_if_signaled(p)) {
		gboolean late = g_cancellable_is_cancelled(cancel) || ok;
		*timed_out = late;
		g_set_error(error, CVM_ERROR, late ? CVM_ERROR_TIMEOUT : CVM_ERROR_IO, "%s: %s", argv[0],
			    late ? "killed at the deadline" : local->message);
		g_clear_pointer(out, g_bytes_unref);
		return FALSE;
	}
	*status = g_subprocess_get_exit_status(p);
	if (*out == NULL)
		*out = g_bytes_new(NULL, 0);
	return TRUE;
}
