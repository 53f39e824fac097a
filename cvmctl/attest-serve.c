/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl attest serve: the IGVM-attest proxy in the foreground, for one
 * guest (debugging, and where no cvmd runs). Every failed request is logged
 * on stderr; SIGINT/SIGTERM stop it and print the counters as JSON. */
#include "cvmctl/attest.h"
#include "cvmctl/cvmctl.h"
#include "cvmctl/ops.h"

#include <cvm/attest-proxy.h>
#include <cvm/error.h>
#include <glib-unix.h>
#include <json-c/json.h>
#include <stdio.h>

static void
on_failure(const CvmAttestFailure *f, gpointer data)
{
	(void)data;
	fprintf(stderr, "cvmctl: attest: %s: failed request, error 0x%x, HTTP %u, retry %s\n", f->guest, f->error_code,
		f->http_status, f->retry ? "yes" : "no");
}

int
cvmctl_attest_serve(int argc, char **argv)
{
	g_autofree gchar *guest = NULL, *listen = NULL, *agent = NULL, *command = NULL;
	CvmAttestBackend b;
	gint timeout = -1, attempts = -1, breaker = -1;
	cvm_attest_backend_init(&b);
	GOptionEntry entries[] = {
		{ "guest", 0, 0, G_OPTION_ARG_STRING, &guest, "the guest's name", "NAME" },
		{ "listen", 0, 0, G_OPTION_ARG_FILENAME, &listen, "the front end: a unix socket path or vsock:CID:PORT", "ADDRESS" },
		{ "agent-socket", 0, 0, G_OPTION_ARG_FILENAME, &agent, "the agent's unix socket", "PATH" },
		{ "agent-command", 0, 0, G_OPTION_ARG_STRING, &command, "the agent command (run per request)", "CMD" },
		{ "timeout", 0, 0, G_OPTION_ARG_INT, &timeout, "ms per attempt (default 5000)", "MS" },
		{ "attempts", 0, 0, G_OPTION_ARG_INT, &attempts, "attempts per request, 1-10 (default 3)", "N" },
		{ "breaker", 0, 0, G_OPTION_ARG_INT, &breaker, "failed requests that open the circuit (default 5)", "N" },
		CVMCTL_ENTRY_JSON_ALWAYS,
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- run the IGVM-attest proxy for one guest");
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) cmd_argv = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cvmctl_parse_options(ctx, &argc, &argv))
		return CVMCTL_EXIT_USAGE;
	if (guest == NULL || listen == NULL || (agent == NULL) == (command == NULL) ||
	    (command != NULL && !g_shell_parse_argv(command, NULL, &cmd_argv, NULL))) {
		fprintf(stderr, "cvmctl: attest serve needs --guest, --listen and one of --agent-socket, --agent-command\n");
		return CVMCTL_EXIT_USAGE;
	}
	b.agent_socket = agent;
	b.agent_argv = (const char *const *)cmd_argv;
	if (timeout > 0)
		b.timeout_ms = (guint)timeout;
	if (attempts > 0)
		b.attempts = (guint)attempts;
	if (breaker > 0)
		b.breaker_failures = (guint)breaker;
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autoptr(CvmAttestProxy) proxy = cvm_attest_proxy_new(on_failure, NULL);
	if (!cvm_attest_proxy_add_guest(proxy, guest, listen, &b, &error))
		return cvmctl_error(error);
	printf("serving %s on %s\n", guest, listen);
	fflush(stdout);
	cvmctl_run_until_signal(loop);
	CvmAttestStats st;
	cvm_attest_proxy_get_stats(proxy, &st);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "requests", json_object_new_int64((gint64)st.requests));
	json_object_object_add(o, "failures", json_object_new_int64((gint64)st.failures));
	json_object_object_add(o, "retries", json_object_new_int64((gint64)st.retries));
	json_object_object_add(o, "passthrough-errors", json_object_new_int64((gint64)st.passthrough_errors));
	cvmctl_print_json(o);
	json_object_put(o);
	return CVMCTL_EXIT_OK;
}

int
cvmctl_attest_stats(int argc, char **argv)
{
	g_autofree gchar *bus = NULL;
	gboolean json = FALSE;
	GOptionEntry entries[] = {
		{ "bus", 0, 0, G_OPTION_ARG_STRING, &bus, "cvmd's bus: system, session or ADDRESS", "BUS" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "JSON output", NULL },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- the attestation proxy's counters in cvmd");
	g_autoptr(GError) error = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cvmctl_parse_options(ctx, &argc, &argv))
		return CVMCTL_EXIT_USAGE;
	g_autoptr(CvmctlOps) ops = cvmctl_ops_open(bus, NULL);
	json_object *o = ops->vt->attest_counters(ops, &error);
	if (o == NULL)
		return cvmctl_error(error);
	if (json) {
		cvmctl_print_json(o);
	} else {
		json_object_object_foreach(o, key, val)
			printf("%-20s %s\n", key, json_object_get_string(val));
	}
	json_object_put(o);
	return CVMCTL_EXIT_OK;
}
