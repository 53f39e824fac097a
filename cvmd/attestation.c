/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.cvm.Cvmd1.Attestation on the manager object: cvmd hosts the
 * IGVM-attest proxy (cvm/attest-proxy.h). Serve() configures a guest and
 * keeps the configuration as a state record ("attest"), so the guest is
 * served again after a restart; failures become RequestFailed signals. */
#include "cvmd/cvmd.h"

#include <cvm/attest-proxy.h>

#define PROXY_KEY "cvmd-attest-proxy"
#define IFACE_KEY "cvmd-attest-iface"

typedef struct {
	CvmDbusAttestation *iface;
	gchar *guest;
	CvmAttestFailure f;
} Failed;

static gboolean
emit_failed(gpointer data)
{
	Failed *x = data;
	cvm_dbus_attestation_emit_request_failed(x->iface, x->guest, x->f.error_code, x->f.http_status, x->f.retry);
	g_object_unref(x->iface);
	g_free(x->guest);
	g_free(x);
	return G_SOURCE_REMOVE;
}

/* Called on proxy worker threads: the signal goes out from the main context. */
static void
on_failure(const CvmAttestFailure *f, gpointer data)
{
	Failed *x = g_new0(Failed, 1);
	x->iface = g_object_ref(data);
	x->guest = g_strdup(f->guest);
	x->f = *f;
	g_main_context_invoke(NULL, emit_failed, x);
}

/* The agent: exactly one of an absolute socket path and a command whose
 * program is named (an empty list would be accepted as a command and fail
 * at every request instead of now). */
static gboolean
agent_check(json_object *cfg, char **argv, GError **error)
{
	const char *sock = cvm_record_get_string(cfg, "agent-socket", NULL);

	if ((sock == NULL) == (argv == NULL)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "exactly one of \"agent-socket\" and \"agent-command\" is needed");
		return FALSE;
	}
	if (sock != NULL && !g_path_is_absolute(sock)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "\"agent-socket\" must be an absolute path");
		return FALSE;
	}
	if (argv != NULL && (argv[0] == NULL || argv[0][0] == '\0')) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "\"agent-command\" must name a program (an empty list or name is not one)");
		return FALSE;
	}
	return TRUE;
}

/* A config record ({listen, agent-socket | agent-command, timeout-ms, ...}) in service. */
static gboolean
serve(Cvmd *d, const char *guest, json_object *cfg, GError **error)
{
	CvmAttestProxy *proxy = g_object_get_data(G_OBJECT(d->manager), PROXY_KEY);
	CvmAttestBackend b;
	g_auto(GStrv) argv = cvm_record_get_strv(cfg, "agent-command");
	const char *listen = cvmd_attest_listen(cfg, error);

	if (listen == NULL || !agent_check(cfg, argv, error))
		return FALSE;
	cvm_attest_backend_init(&b);
	b.agent_socket = cvm_record_get_string(cfg, "agent-socket", b.agent_socket);
	b.agent_argv = (const char *const *)argv;
	b.timeout_ms = (guint)cvm_record_get_int(cfg, "timeout-ms", b.timeout_ms);
	b.attempts = (guint)cvm_record_get_int(cfg, "attempts", b.attempts);
	b.breaker_failures = (guint)cvm_record_get_int(cfg, "breaker", b.breaker_failures);
	return cvm_attest_proxy_add_guest(proxy, guest, listen, &b, error);
}

const char *
cvmd_attest_listen(json_object *rec, GError **error)
{
	const char *l = cvm_record_get_string(rec, "listen", NULL);

	if (l == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "\"listen\" is missing");
		return NULL;
	}
	return cvm_attest_listen_check(l, error) ? l : NULL;
}

/* a{sv} -> the JSON record kept in the state directory. */
static json_object *
config_record(GVariant *config, GError **error)
{
	static const char *const strings[] = {"listen", "agent-socket", NULL};
	static const char *const numbers[] = {"timeout-ms", "attempts", "breaker", NULL};
	static const char *const lists[] = {"agent-command", NULL};
	json_object *o = cvmd_attest_config_record(config, strings, numbers, lists, error);

	if (o == NULL)
		g_prefix_error(error, "attestation ");
	return o;
}

static gboolean
on_serve(CvmDbusAttestation *iface, GDBusMethodInvocation *inv, const char *guest, GVariant *config, gpointer data)
{
	Cvmd *d = data;
	g_autoptr(GError) error = NULL;
	json_object *rec = NULL;

	if (cvm_name_check("guest name", guest, &error) && (rec = config_record(config, &error)) != NULL)
		cvmd_attest_keep_and_serve(d, "attest", guest, rec, serve, &error);
	if (rec != NULL)
		json_object_put(rec);
	if (error != NULL)
		cvmd_return_error(inv, error);
	else
		cvm_dbus_attestation_complete_serve(iface, inv);
	return TRUE;
}

static gboolean
on_counters(CvmDbusAttestation *iface, GDBusMethodInvocation *inv, gpointer data)
{
	Cvmd *d = data;
	CvmAttestStats st;
	GVariantBuilder b;

	cvm_attest_proxy_get_stats(g_object_get_data(G_OBJECT(d->manager), PROXY_KEY), &st);
	g_variant_builder_init(&b, G_VARIANT_TYPE("a{st}"));
	g_variant_builder_add(&b, "{st}", "requests", st.requests);
	g_variant_builder_add(&b, "{st}", "failures", st.failures);
	g_variant_builder_add(&b, "{st}", "retries", st.retries);
	g_variant_builder_add(&b, "{st}", "passthrough-errors", st.passthrough_errors);
	cvm_dbus_attestation_complete_get_counters(iface, inv, g_variant_builder_end(&b));
	return TRUE;
}

static gboolean
attach_manager(Cvmd *d, GError **error)
{
	CvmDbusAttestation *iface = cvm_dbus_attestation_skeleton_new();
	g_autoptr(GHashTable) configs = NULL;
	GHashTableIter it;
	gpointer name, rec;

	g_object_set_data_full(G_OBJECT(d->manager), IFACE_KEY, iface, g_object_unref);
	g_object_set_data_full(G_OBJECT(d->manager), PROXY_KEY, cvm_attest_proxy_new(on_failure, iface),
			       (GDestroyNotify)cvm_attest_proxy_free);
	g_signal_connect(iface, "g-authorize-method", G_CALLBACK(cvmd_caller_authorize), d);
	g_signal_connect(iface, "handle-serve", G_CALLBACK(on_serve), d);
	g_signal_connect(iface, "handle-get-counters", G_CALLBACK(on_counters), d);
	cvmd_attest_services_connect(d, iface);
	cvmd_attest_verify_connect(d, iface);
	if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(iface), d->bus, CVM_BUS_PATH, error))
		return FALSE;
	configs = cvm_state_load_all(d->state, "attest", NULL, NULL);
	if (configs == NULL)
		return TRUE;
	g_hash_table_iter_init(&it, configs);
	while (g_hash_table_iter_next(&it, &name, &rec)) {
		g_autoptr(GError) local = NULL;
		if (!serve(d, name, rec, &local))
			g_printerr("cvmd: attestation for %s not served: %s\n", (const char *)name, local->message);
	}
	return TRUE;
}

static const char *const public_methods[] = {"GetCounters", "VerifySnpReport", NULL};

const CvmdInterface cvmd_iface_attestation = {
	.name = "org.cvm.Cvmd1.Attestation",
	.attach_manager = attach_manager,
	.public_methods = public_methods,
};
