/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The attestation services cvmd hosts besides the IGVM-attest proxy:
 * QGS-compatible endpoints for TDX guests' quotes (one per guest, each with
 * its QGS) and the host's SNP certificate endpoint. Each configuration is a
 * state record (kinds "attest-quotes" and "attest-certs"), so the services
 * come back after a restart. */
#include "cvmd/cvmd.h"

#include <cvm/attest-certs.h>
#include <cvm/attest-quote.h>
#include <cvm/error.h>

#define QUOTES_KEY "cvmd-attest-quotes"
#define CERTS_KEY "cvmd-attest-certs"

typedef struct {
	CvmTdxQuoteService *svc;
	CvmTdxQgsFront *front;
} Quotes;

static void
quotes_free(Quotes *q)
{
	cvm_tdx_qgs_front_free(q->front);
	cvm_tdx_quote_service_free(q->svc);
	g_free(q);
}

typedef struct {
	CvmSnpCertStore *store;
	CvmSnpCertEndpoint *endpoint;
} Certs;

static void
certs_free(Certs *c)
{
	cvm_snp_cert_endpoint_free(c->endpoint);
	cvm_snp_cert_store_free(c->store);
	g_free(c);
}

static const char *
rec_path(json_object *rec, const char *key, GError **error)
{
	const char *p = cvm_record_get_string(rec, key, NULL);

	if (p != NULL && g_path_is_absolute(p))
		return p;
	g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "\"%s\" must be an absolute path", key);
	return NULL;
}

static gboolean
serve_quotes(Cvmd *d, const char *guest, json_object *rec, GError **error)
{
	GHashTable *all = g_object_get_data(G_OBJECT(d->manager), QUOTES_KEY);
	const char *listen = cvmd_attest_listen(rec, error), *qgs = listen ? rec_path(rec, "qgs-socket", error) : NULL;
	guint deadline = (guint)cvm_record_get_int(rec, "deadline-ms", 30000);

	if (qgs == NULL)
		return FALSE;
	Quotes *q = g_new0(Quotes, 1);
	q->svc = cvm_tdx_quote_service_new(qgs, deadline ? deadline : 30000);
	q->front = cvm_tdx_qgs_front_new(q->svc, guest, listen, error);
	if (q->front == NULL) {
		quotes_free(q);
		return FALSE;
	}
	g_hash_table_replace(all, g_strdup(guest), q);
	return TRUE;
}

static gboolean
serve_certs(Cvmd *d, const char *host, json_object *rec, GError **error)
{
	(void)host;
	const char *listen = cvmd_attest_listen(rec, error);
	g_autofree gchar *dir = g_build_filename(cvm_state_get_dir(d->state), "snp-certs", NULL);

	g_auto(GStrv) fill = cvm_record_get_strv(rec, "fill-command");

	if (listen == NULL)
		return FALSE;
	/* An empty list means no fill; a list whose program is empty would
	 * only fail later, at the first table a guest asks for. */
	if (fill != NULL && fill[0] != NULL && fill[0][0] == '\0') {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "\"fill-command\" must name a program (an empty name is not one)");
		return FALSE;
	}
	Certs *c = g_new0(Certs, 1);
	c->store = cvm_snp_cert_store_open(dir, error);
	if (c->store != NULL)
		cvm_snp_cert_store_set_fill_command(c->store, (const char *const *)fill,
						    (guint)cvm_record_get_int(rec, "fill-timeout-ms", 0));
	c->endpoint = c->store ? cvm_snp_cert_endpoint_new(c->store, listen, error) : NULL;
	if (c->endpoint == NULL) {
		certs_free(c);
		return FALSE;
	}
	g_object_set_data_full(G_OBJECT(d->manager), CERTS_KEY, c, (GDestroyNotify)certs_free);
	return TRUE;
}

/* What a number key of a service configuration may be. Found by
 * test-cvmd-hostile.sh: timeouts near G_MAXUINT32 wrapped to "no timeout" in
 * the proxy's socket set-up, breaker 0 opened the circuit after every
 * request, and a 0 deadline or fill timeout silently meant the default. */
static const struct {
	const char *key;
	guint32 min, max;
} number_ranges[] = {
	{"timeout-ms", 1, CVMD_ATTEST_MS_MAX}, {"deadline-ms", 1, CVMD_ATTEST_MS_MAX},
	{"fill-timeout-ms", 1, CVMD_ATTEST_MS_MAX}, {"attempts", 1, 10}, {"breaker", 1, 1000},
};

static gboolean
number_in_range(const char *key, guint32 v, GError **error)
{
	for (guint i = 0; i < G_N_ELEMENTS(number_ranges); i++) {
		if (strcmp(number_ranges[i].key, key) != 0)
			continue;
		if (v >= number_ranges[i].min && v <= number_ranges[i].max)
			return TRUE;
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "config: \"%s\" must be %u-%u", key,
			    number_ranges[i].min, number_ranges[i].max);
		return FALSE;
	}
	return TRUE;
}

gboolean
cvmd_attest_keep_and_serve(Cvmd *d, const char *kind, const char *name, json_object *rec, CvmdAttestServeFn serve,
			   GError **error)
{
	g_autoptr(GError) local = NULL;
	json_object *old;

	/* Kept first: a record that cannot be written (a full or read-only
	 * state folder) must not leave a service running that a restart would
	 * drop. Found by test-cvmd-faults.sh: the service ran, the caller got
	 * IO. */
	old = cvm_state_read(d->state, kind, name, NULL);
	if (!cvm_state_write(d->state, kind, name, rec, error)) {
		json_object_put(old);
		return FALSE;
	}
	if (serve(d, name, rec, error)) {
		json_object_put(old);
		return TRUE;
	}
	/* refused: the configuration before (still served) is the kept one */
	if (old != NULL ? !cvm_state_write(d->state, kind, name, old, &local)
			: !cvm_state_remove(d->state, kind, name, &local))
		g_printerr("cvmd: %s/%s: cannot restore the record of a refused configuration: %s\n", kind, name,
			   local->message);
	json_object_put(old);
	return FALSE;
}

json_object *
cvmd_attest_config_record(GVariant *config, const char *const *strings, const char *const *numbers,
			  const char *const *string_lists, GError **error)
{
	json_object *o = json_object_new_object();
	GVariantIter it;
	const char *key;
	GVariant *val;

	g_variant_iter_init(&it, config);
	while (g_variant_iter_next(&it, "{&sv}", &key, &val)) {
		g_autoptr(GVariant) v = val;
		if (strings != NULL && g_strv_contains(strings, key) && g_variant_is_of_type(v, G_VARIANT_TYPE_STRING)) {
			json_object_object_add(o, key, json_object_new_string(g_variant_get_string(v, NULL)));
		} else if (numbers != NULL && g_strv_contains(numbers, key) &&
			   g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32)) {
			if (!number_in_range(key, g_variant_get_uint32(v), error)) {
				json_object_put(o);
				return NULL;
			}
			json_object_object_add(o, key, json_object_new_int64(g_variant_get_uint32(v)));
		} else if (string_lists != NULL && g_strv_contains(string_lists, key) &&
			   g_variant_is_of_type(v, G_VARIANT_TYPE_STRING_ARRAY)) {
			json_object *a = json_object_new_array();
			g_autofree const gchar **items = g_variant_get_strv(v, NULL);
			for (guint i = 0; items[i] != NULL; i++)
				json_object_array_add(a, json_object_new_string(items[i]));
			json_object_object_add(o, key, a);
		} else {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "config: bad key \"%s\"", key);
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}

static gboolean
on_serve_quotes(CvmDbusAttestation *iface, GDBusMethodInvocation *inv, const char *guest, GVariant *config,
		gpointer data)
{
	static const char *const strings[] = {"listen", "qgs-socket", NULL}, *const numbers[] = {"deadline-ms", NULL};
	Cvmd *d = data;
	g_autoptr(GError) error = NULL;
	json_object *rec = NULL;

	if (cvm_name_check("guest name", guest, &error) &&
	    (rec = cvmd_attest_config_record(config, strings, numbers, NULL, &error)) != NULL)
		cvmd_attest_keep_and_serve(d, "attest-quotes", guest, rec, serve_quotes, &error);
	if (rec != NULL)
		json_object_put(rec);
	if (error != NULL)
		cvmd_return_error(inv, error);
	else
		cvm_dbus_attestation_complete_serve_quotes(iface, inv);
	return TRUE;
}

static gboolean
on_serve_certs(CvmDbusAttestation *iface, GDBusMethodInvocation *inv, GVariant *config, gpointer data)
{
	static const char *const strings[] = {"listen", NULL}, *const numbers[] = {"fill-timeout-ms", NULL},
				 *const lists[] = {"fill-command", NULL};
	Cvmd *d = data;
	g_autoptr(GError) error = NULL;
	json_object *rec = cvmd_attest_config_record(config, strings, numbers, lists, &error);

	if (rec != NULL)
		cvmd_attest_keep_and_serve(d, "attest-certs", "host", rec, serve_certs, &error);
	if (rec != NULL)
		json_object_put(rec);
	if (error != NULL)
		cvmd_return_error(inv, error);
	else
		cvm_dbus_attestation_complete_serve_certificates(iface, inv);
	return TRUE;
}

/* Serve again what was configured before a restart. */
static void
restore(Cvmd *d)
{
	g_autoptr(GHashTable) quotes = cvm_state_load_all(d->state, "attest-quotes", NULL, NULL);
	g_autoptr(GHashTable) certs = cvm_state_load_all(d->state, "attest-certs", NULL, NULL);
	GHashTableIter it;
	gpointer name, rec;

	if (quotes != NULL) {
		g_hash_table_iter_init(&it, quotes);
		while (g_hash_table_iter_next(&it, &name, &rec)) {
			g_autoptr(GError) local = NULL;
			if (!serve_quotes(d, name, rec, &local))
				g_printerr("cvmd: quotes for %s not served: %s\n", (const char *)name, local->message);
		}
	}
	json_object *host = certs ? g_hash_table_lookup(certs, "host") : NULL;
	g_autoptr(GError) local = NULL;
	if (host != NULL && !serve_certs(d, "host", host, &local))
		g_printerr("cvmd: SNP certificates not served: %s\n", local->message);
}

void
cvmd_attest_services_connect(Cvmd *d, CvmDbusAttestation *iface)
{
	g_object_set_data_full(G_OBJECT(d->manager), QUOTES_KEY,
			       g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)quotes_free),
			       (GDestroyNotify)g_hash_table_unref);
	g_signal_connect(iface, "handle-serve-quotes", G_CALLBACK(on_serve_quotes), d);
	g_signal_connect(iface, "handle-serve-certificates", G_CALLBACK(on_serve_certs), d);
	restore(d);
}
