/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CvmClient: cvmctl's calls to cvmd over D-Bus (guests, launch, fwupdate, migration). */
#include <string.h>
#include <cvm/bus.h>
#include <cvm/client.h>
#include <cvm/state.h>
#include <cvm/guest-record.h>

/* cvmd answers reads from memory; launches may boot a guest. */
#define READ_TIMEOUT_MS 10000
#define LAUNCH_TIMEOUT_MS 300000

struct _CvmClient {
	GDBusConnection *bus;
};

CvmClient *
cvm_client_connect(const char *bus, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(GDBusConnection) c = NULL;
	g_autoptr(GVariant) r = NULL;
	gboolean has = FALSE;
	CvmClient *client;

	cvm_bus_errors_register();
	c = cvm_bus_connect(bus, &local);
	if (c == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "%s", local->message);
		return NULL;
	}
	r = g_dbus_connection_call_sync(c, "org.freedesktop.DBus", "/org/freedesktop/DBus",
					"org.freedesktop.DBus", "NameHasOwner",
					g_variant_new("(s)", CVM_BUS_NAME), G_VARIANT_TYPE("(b)"),
					G_DBUS_CALL_FLAGS_NONE, 2000, NULL, &local);
	if (r != NULL)
		g_variant_get(r, "(b)", &has);
	if (!has) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "cvmd is not running on the %s bus",
			    bus ? bus : "system");
		return NULL;
	}
	client = g_new0(CvmClient, 1);
	client->bus = g_steal_pointer(&c);
	return client;
}

void
cvm_client_free(CvmClient *client)
{
	if (client == NULL)
		return;
	g_clear_object(&client->bus);
	g_free(client);
}

static GVariant *
call(CvmClient *c, const char *path, const char *iface, const char *method, GVariant *args,
     const GVariantType *type, int timeout, GError **error)
{
	GVariant *r = g_dbus_connection_call_sync(c->bus, CVM_BUS_NAME, path, iface, method, args,
						  type, G_DBUS_CALL_FLAGS_NO_AUTO_START, timeout,
						  NULL, error);

	if (r == NULL && error != NULL && *error != NULL)
		g_dbus_error_strip_remote_error(*error);
	return r;
}

/* The guest's properties through the record type, so the status has the
 * same keys and forms as the in-process one (cvm_local_list_guests()). */
static json_object *
guest_json(CvmClient *c, const char *path, GError **error)
{
	g_autoptr(GVariant) r = call(c, path, "org.freedesktop.DBus.Properties", "GetAll",
				     g_variant_new("(s)", "org.cvm.Cvmd1.Guest"),
				     G_VARIANT_TYPE("(a{sv})"), READ_TIMEOUT_MS, error);
	g_autoptr(GVariant) dict = NULL;
	g_autoptr(CvmGuestRecord) rec = NULL;

	if (r == NULL)
		return NULL;
	dict = g_variant_get_child_value(r, 0);
	rec = cvm_guest_record_from_variant(dict);
	return cvm_guest_record_to_json(rec);
}

static int
by_name(const void *a, const void *b)
{
	json_object *x = *(json_object *const *)a, *y = *(json_object *const *)b;

	return strcmp(json_object_get_string(json_object_object_get(x, "name")),
		      json_object_get_string(json_object_object_get(y, "name")));
}

json_object *
cvm_client_list_guests(CvmClient *client, GError **error)
{
	g_autoptr(GVariant) r = call(client, CVM_BUS_PATH, "org.cvm.Cvmd1.Manager", "ListGuests",
				     NULL, G_VARIANT_TYPE("(ao)"), READ_TIMEOUT_MS, error);
	g_autoptr(GVariantIter) it = NULL;
	json_object *arr;
	const char *path;

	if (r == NULL)
		return NULL;
	arr = json_object_new_array();
	g_variant_get(r, "(ao)", &it);
	while (g_variant_iter_next(it, "&o", &path)) {
		json_object *g = guest_json(client, path, NULL);

		/* a guest forgotten between the two calls is simply not listed */
		if (g != NULL)
			json_object_array_add(arr, g);
	}
	json_object_array_sort(arr, by_name);
	return arr;
}

static gchar *
guest_path(CvmClient *client, const char *name, GError **error)
{
	g_autoptr(GVariant) r = NULL;
	gchar *path = NULL;

	if (!cvm_name_check("guest name", name, error))
		return NULL;
	r = call(client, CVM_BUS_PATH, "org.cvm.Cvmd1.Manager", "GetGuest",
		 g_variant_new("(s)", name), G_VARIANT_TYPE("(o)"), READ_TIMEOUT_MS, error);
	if (r != NULL)
		g_variant_get(r, "(o)", &path);
	return path;
}

json_object *
cvm_client_guest_status(CvmClient *client, const char *name, GError **error)
{
	g_autofree gchar *path = guest_path(client, name, error);

	return path ? guest_json(client, path, error) : NULL;
}

gboolean
cvm_client_guest_action(CvmClient *client, const char *name, const char *action, GError **error)
{
	static const char *const actions[][2] = {
		{ "start", "Start" },	{ "stop", "Stop" },	  { "destroy", "Destroy" },
		{ "reboot", "Reboot" }, { "reset", "Reset" }, { "forget", "Forget" },
	};
	g_autofree gchar *path = NULL;
	g_autoptr(GVariant) r = NULL;
	const char *method = NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(actions); i++)
		if (g_strcmp0(action, actions[i][0]) == 0)
			method = actions[i][1];
	if (method == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "unknown action %s",
			    action ? action : "(null)");
		return FALSE;
	}
	path = guest_path(client, name, error);
	if (path == NULL)
		return FALSE;
	r = call(client, path, "org.cvm.Cvmd1.Guest", method, NULL, NULL, LAUNCH_TIMEOUT_MS, error);
	return r != NULL;
}

gchar *
cvm_client_launch(CvmClient *client, GVariant *spec, GError **error)
{
	g_autoptr(GVariant) r = call(client, CVM_BUS_PATH, "org.cvm.Cvmd1.Manager", "LaunchGuest",
				     g_variant_new_tuple(&spec, 1), G_VARIANT_TYPE("(o)"),
				     LAUNCH_TIMEOUT_MS, error);
	gchar *path = NULL;

	if (r != NULL)
		g_variant_get(r, "(o)", &path);
	return path;
}

gboolean
cvm_client_fwupdate(CvmClient *client, const char *name, const char *method, const char *igvm_path, gchar **json,
		    GError **error)
{
	g_autofree gchar *path = guest_path(client, name, error);
	g_autoptr(GVariant) r = NULL;
	gboolean status = g_strcmp0(method, "Status") == 0;

	if (path == NULL)
		return FALSE;
	r = call(client, path, "org.cvm.Cvmd1.FirmwareUpdate", method,
		 g_strcmp0(method, "Stage") == 0 ? g_variant_new("(s)", igvm_path) : NULL,
		 status ? G_VARIANT_TYPE("(s)") : NULL, LAUNCH_TIMEOUT_MS, error);
	if (r == NULL)
		return FALSE;
	if (json != NULL && status)
		g_variant_get(r, "(s)", json);
	return TRUE;
}

json_object *
cvm_client_attest_counters(CvmClient *client, GError **error)
{
	g_autoptr(GVariant) r = call(client, CVM_BUS_PATH, "org.cvm.Cvmd1.Attestation", "GetCounters", NULL,
				     G_VARIANT_TYPE("(a{st})"), READ_TIMEOUT_MS, error);
	g_autoptr(GVariantIter) it = NULL;
	const char *key;
	guint64 value;
	json_object *o;

	if (r == NULL)
		return NULL;
	o = json_object_new_object();
	g_variant_get(r, "(a{st})", &it);
	while (g_variant_iter_next(it, "{&st}", &key, &value))
		json_object_object_add(o, key, json_object_new_int64((gint64)value));
	return o;
}

gboolean
cvm_client_verify_snp_report(CvmClient *client, GBytes *report, GBytes *certificate, GVariant *options,
			     gboolean *verified, gchar **failed_check, GError **failure, GError **error)
{
	g_autoptr(GVariant) r = call(client, CVM_BUS_PATH, "org.cvm.Cvmd1.Attestation", "VerifySnpReport",
				     g_variant_new("(@ay@ay@a{sv})",
						   g_variant_new_from_bytes(G_VARIANT_TYPE_BYTESTRING, report, TRUE),
						   g_variant_new_from_bytes(G_VARIANT_TYPE_BYTESTRING, certificate, TRUE),
						   options),
				     G_VARIANT_TYPE("(bsss)"), READ_TIMEOUT_MS, error);
	const char *step, *error_name, *message;
	gboolean ok;

	if (r == NULL)
		return FALSE;
	g_variant_get(r, "(b&s&s&s)", &ok, &step, &error_name, &message);
	if (verified != NULL)
		*verified = ok;
	if (failed_check != NULL)
		*failed_check = g_strdup(step);
	if (!ok && failure != NULL) {
		/* the error name carries the CVM_ERROR code (cvm_bus_errors_register()) */
		*failure = g_dbus_error_new_for_dbus_error(error_name, message);
		g_dbus_error_strip_remote_error(*failure);
	}
	return TRUE;
}

gchar *
cvm_client_migrate_start(CvmClient *client, const char *guest, const char *to, GVariant *options, GError **error)
{
	g_autoptr(GVariant) r = call(client, CVM_BUS_PATH, "org.cvm.Cvmd1.Migration", "Start",
				     g_variant_new("(ss@a{sv})", guest, to, options), G_VARIANT_TYPE("(s)"),
				     READ_TIMEOUT_MS, error);
	gchar *id = NULL;

	if (r != NULL)
		g_variant_get(r, "(s)", &id);
	return id;
}

gboolean
cvm_client_migrate_cancel(CvmClient *client, const char *id, GError **error)
{
	g_autoptr(GVariant) r = call(client, CVM_BUS_PATH, "org.cvm.Cvmd1.Migration", "Cancel",
				     g_variant_new("(s)", id), NULL, READ_TIMEOUT_MS, error);
	return r != NULL;
}

json_object *
cvm_client_migrate_status(CvmClient *client, const char *id, GError **error)
{
	g_autoptr(GVariant) r = call(client, CVM_BUS_PATH, "org.cvm.Cvmd1.Migration", "GetStatus",
				     g_variant_new("(s)", id), G_VARIANT_TYPE("(a{sv})"), READ_TIMEOUT_MS, error);
	g_autoptr(GVariant) dict = NULL;
	GVariantIter it;
	const char *key;
	GVariant *val;
	json_object *o;

	if (r == NULL)
		return NULL;
	dict = g_variant_get_child_value(r, 0);
	o = json_object_new_object();
	g_variant_iter_init(&it, dict);
	while (g_variant_iter_next(&it, "{&sv}", &key, &val)) {
		g_autoptr(GVariant) v = val;
		if (g_variant_is_of_type(v, G_VARIANT_TYPE_STRING))
			json_object_object_add(o, key, json_object_new_string(g_variant_get_string(v, NULL)));
		else if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64))
			json_object_object_add(o, key, json_object_new_int64((gint64)g_variant_get_uint64(v)));
		else if (g_variant_is_of_type(v, G_VARIANT_TYPE_INT64))
			json_object_object_add(o, key, json_object_new_int64(g_variant_get_int64(v)));
		else if (g_variant_is_of_type(v, G_VARIANT_TYPE_DOUBLE))
			json_object_object_add(o, key, json_object_new_double(g_variant_get_double(v)));
	}
	return o;
}

gchar **
cvm_client_migrate_list(CvmClient *client, GError **error)
{
	g_autoptr(GVariant) r = call(client, CVM_BUS_PATH, "org.cvm.Cvmd1.Migration", "List", NULL,
				     G_VARIANT_TYPE("(as)"), READ_TIMEOUT_MS, error);
	gchar **ids = NULL;

	if (r != NULL)
		g_variant_get(r, "(^as)", &ids);
	return ids;
}
