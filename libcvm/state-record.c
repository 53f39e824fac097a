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
