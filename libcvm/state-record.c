/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading the fields of a state record (cvm/state.h). */
#include <cvm/state.h>

const char *
cvm_record_get_string(json_object *rec, const char *key, const char *fallback)
{
	json_object *v;

	if (rec != NULL && json_object_object_get_ex(rec, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return fallback;
}

gint64
cvm_record_get_int(json_object *rec, const char *key, gint64 fallback)
{
	json_object *v;

	return rec != NULL && json_object_object_get_ex(rec, key, &v) ? json_object_get_int64(v) : fallback;
}

gboolean
cvm_record_get_bool(json_object *rec, const char *key)
{
	json_object *v;

	return rec != NULL && json_object_object_get_ex(rec, key, &v) && json_object_get_boolean(v);
}

gchar **
cvm_record_get_strv(json_object *rec, const char *key)
{
	json_object *v;

	if (rec == NULL || !json_object_object_get_ex(rec, key, &v) || !json_object_is_type(v, json_type_array))
		return NULL;
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();
	for (gsize i = 0; i < json_object_array_length(v); i++) {
		json_object *e = json_object_array_get_idx(v, i);
		if (json_object_is_type(e, json_type_string))
			g_strv_builder_add(b, json_object_get_string(e));
	}
	return g_strv_builder_end(b);
}

/* The fields cvm reads from a guest record and their types: a record with
 * one of them of another type was not written by cvm (or was damaged), and
 * reading it would silently blank the field. */
static const struct {
	const char *key;
	json_type type;
} guest_fields[] = {
	{ "name", json_type_string },
	{ "uuid", json_type_string },
	{ "state", json_type_string },
	{ "platform", json_type_string },
	{ "igvm-path", json_type_string },
	{ "igvm-sha256", json_type_string },
	{ "expected-measurement", json_type_string },
	{ "strategy", json_type_string },
	{ "serial-log", json_type_string },
	{ "uri", json_type_string },
	{ "disk", json_type_string },
	{ "network", json_type_string },
	{ "command-line", json_type_string },
	{ "staged-igvm-path", json_type_string },
	{ "staged-igvm-sha256", json_type_string },
	{ "staged-measurement", json_type_string },
	{ "previous-igvm-path", json_type_string },
	{ "previous-igvm-sha256", json_type_string },
	{ "previous-measurement", json_type_string },
	{ "memory-mib", json_type_int },
	{ "vcpus", json_type_int },
	{ "snp-policy", json_type_int },
	{ "created", json_type_int },
	{ "rebuilt", json_type_int },
};

gboolean
cvm_guest_record_check(json_object *rec, GError **error)
{
	json_object *v;

	if (!json_object_is_type(rec, json_type_object)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA, "guest record is not a JSON object");
		return FALSE;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(guest_fields); i++) {
		if (!json_object_object_get_ex(rec, guest_fields[i].key, &v) || json_object_is_type(v, guest_fields[i].type))
			continue;
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA, "field \"%s\" is %s, not %s", guest_fields[i].key,
			    json_type_to_name(json_object_get_type(v)), json_type_to_name(guest_fields[i].type));
		return FALSE;
	}
	return TRUE;
}
