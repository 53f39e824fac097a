/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The guest record (cvm/guest-record.h): the one place that knows its keys,
 * their types and how older versions are read. */
#include <stddef.h>
#include <string.h>
#include <cvm/error.h>
#include <cvm/guest-record.h>
#include "libcvm/libcvm-internal.h"

#define KEY_VERSION "record-version"

typedef enum { F_STR, F_U64, F_U32, F_I64, F_BOOL, F_STRV } FieldType;

/* Every stored key, its JSON type and its field. "snp-policy" is here too;
 * its presence is has_snp_policy. */
static const struct {
	const char *key;
	FieldType type;
	gsize offset;
} fields[] = {
	{ "name", F_STR, offsetof(CvmGuestRecord, name) },
	{ "uuid", F_STR, offsetof(CvmGuestRecord, uuid) },
	{ "state", F_STR, offsetof(CvmGuestRecord, state) },
	{ "platform", F_STR, offsetof(CvmGuestRecord, platform) },
	{ "igvm-path", F_STR, offsetof(CvmGuestRecord, image.igvm_path) },
	{ "igvm-sha256", F_STR, offsetof(CvmGuestRecord, image.igvm_sha256) },
	{ "expected-measurement", F_STR, offsetof(CvmGuestRecord, image.measurement) },
	{ "strategy", F_STR, offsetof(CvmGuestRecord, strategy) },
	{ "accel", F_STR, offsetof(CvmGuestRecord, accel) },
	{ "accel-requested", F_STR, offsetof(CvmGuestRecord, accel_requested) },
	{ "accel-fallback", F_STR, offsetof(CvmGuestRecord, accel_fallback) },
	{ "serial-log", F_STR, offsetof(CvmGuestRecord, serial_log) },
	{ "uri", F_STR, offsetof(CvmGuestRecord, uri) },
	{ "disk", F_STR, offsetof(CvmGuestRecord, disk) },
	{ "network", F_STR, offsetof(CvmGuestRecord, network) },
	{ "command-line", F_STR, offsetof(CvmGuestRecord, command_line) },
	{ "memory-mib", F_U64, offsetof(CvmGuestRecord, memory_mib) },
	{ "vcpus", F_U32, offsetof(CvmGuestRecord, vcpus) },
	{ "snp-policy", F_U64, offsetof(CvmGuestRecord, snp_policy) },
	{ "created", F_I64, offsetof(CvmGuestRecord, created) },
	{ "rebuilt", F_I64, offsetof(CvmGuestRecord, rebuilt) },
	{ "staged-igvm-path", F_STR, offsetof(CvmGuestRecord, staged.igvm_path) },
	{ "staged-igvm-sha256", F_STR, offsetof(CvmGuestRecord, staged.igvm_sha256) },
	{ "staged-measurement", F_STR, offsetof(CvmGuestRecord, staged.measurement) },
	{ "previous-igvm-path", F_STR, offsetof(CvmGuestRecord, previous.igvm_path) },
	{ "previous-igvm-sha256", F_STR, offsetof(CvmGuestRecord, previous.igvm_sha256) },
	{ "previous-measurement", F_STR, offsetof(CvmGuestRecord, previous.measurement) },
	{ "host-igvm-path", F_STR, offsetof(CvmGuestRecord, host_igvm_path) },
	{ "fwupdate-disabled", F_BOOL, offsetof(CvmGuestRecord, fwupdate_disabled) },
	{ "fwupdate-one-reset", F_BOOL, offsetof(CvmGuestRecord, fwupdate_one_reset) },
	{ "fwupdate-restore-host", F_BOOL, offsetof(CvmGuestRecord, fwupdate_restore_host) },
	{ "svsm-devices", F_STRV, offsetof(CvmGuestRecord, svsm_devices) },
	{ "migration", F_STR, offsetof(CvmGuestRecord, migration) },
	{ "migration-peer", F_STR, offsetof(CvmGuestRecord, migration_peer) },
	{ "migration-started", F_I64, offsetof(CvmGuestRecord, migration_started) },
	{ "migration-error", F_STR, offsetof(CvmGuestRecord, migration_error) },
};

/* Status-only string fields: never stored, in the status JSON and a{sv}. */
static const struct {
	const char *key;
	gsize offset;
} status_fields[] = {
	{ "state-reason", offsetof(CvmGuestRecord, state_reason) },
	{ "qemu-log", offsetof(CvmGuestRecord, qemu_log) },
	{ "qemu-log-tail", offsetof(CvmGuestRecord, qemu_log_tail) },
};

/* The org.cvm.Cvmd1.Guest properties (docs/dbus/org.cvm.Cvmd1.Guest.xml),
 * their fields and status keys; @optional ones are left out of the status
 * JSON when empty. Created (t) is handled on its own. */
static const struct {
	const char *prop;
	const char *key;
	gsize offset;
	gboolean optional;
} props[] = {
	{ "Name", "name", offsetof(CvmGuestRecord, name), FALSE },
	{ "UUID", "uuid", offsetof(CvmGuestRecord, uuid), FALSE },
	{ "State", "state", offsetof(CvmGuestRecord, state), FALSE },
	{ "Platform", "platform", offsetof(CvmGuestRecord, platform), FALSE },
	{ "IgvmPath", "igvm-path", offsetof(CvmGuestRecord, image.igvm_path), FALSE },
	{ "IgvmSha256", "igvm-sha256", offsetof(CvmGuestRecord, image.igvm_sha256), FALSE },
	{ "ExpectedMeasurement", "expected-measurement", offsetof(CvmGuestRecord, image.measurement), FALSE },
	{ "ConnectionUri", "uri", offsetof(CvmGuestRecord, uri), FALSE },
	{ "Accel", "accel", offsetof(CvmGuestRecord, accel), TRUE },
	{ "AccelFallback", "accel-fallback", offsetof(CvmGuestRecord, accel_fallback), TRUE },
	{ "StateReason", "state-reason", offsetof(CvmGuestRecord, state_reason), TRUE },
	{ "QemuLog", "qemu-log", offsetof(CvmGuestRecord, qemu_log), TRUE },
	{ "QemuLogTail", "qemu-log-tail", offsetof(CvmGuestRecord, qemu_log_tail), TRUE },
	{ "SerialLog", "serial-log", offsetof(CvmGuestRecord, serial_log), TRUE },
	{ "Strategy", "strategy", offsetof(CvmGuestRecord, strategy), TRUE },
	{ "AccelRequested", "accel-requested", offsetof(CvmGuestRecord, accel_requested), TRUE },
};

#define STR_AT(rec, off) ((gchar **)((char *)(rec) + (off)))
#define CSTR_AT(rec, off) (*(gchar *const *)((const char *)(rec) + (off)))
#define STRV_AT(rec, off) ((GStrv *)((char *)(rec) + (off)))

void
cvm_guest_record_set(gchar **field, const char *value)
{
	gchar *old = *field;

	*field = g_strdup(value);
	g_free(old);
}

void
cvm_guest_image_clear(CvmGuestImage *image)
{
	g_clear_pointer(&image->igvm_path, g_free);
	g_clear_pointer(&image->igvm_sha256, g_free);
	g_clear_pointer(&image->measurement, g_free);
}

void
cvm_guest_image_set(CvmGuestImage *dst, const CvmGuestImage *src)
{
	cvm_guest_record_set(&dst->igvm_path, src->igvm_path);
	cvm_guest_record_set(&dst->igvm_sha256, src->igvm_sha256);
	cvm_guest_record_set(&dst->measurement, src->measurement);
}

CvmGuestRecord *
cvm_guest_record_new(const char *name)
{
	CvmGuestRecord *rec = g_new0(CvmGuestRecord, 1);

	rec->name = g_strdup(name);
	return rec;
}

void
cvm_guest_record_free(CvmGuestRecord *rec)
{
	if (rec == NULL)
		return;
	for (gsize i = 0; i < G_N_ELEMENTS(fields); i++)
		if (fields[i].type == F_STR)
			g_free(*STR_AT(rec, fields[i].offset));
		else if (fields[i].type == F_STRV)
			g_strfreev(*STRV_AT(rec, fields[i].offset));
	for (gsize i = 0; i < G_N_ELEMENTS(status_fields); i++)
		g_free(*STR_AT(rec, status_fields[i].offset));
	if (rec->unknown != NULL)
		json_object_put(rec->unknown);
	g_free(rec);
}

CvmGuestRecord *
cvm_guest_record_copy(const CvmGuestRecord *rec)
{
	CvmGuestRecord *out = g_new0(CvmGuestRecord, 1);

	*out = *rec;
	for (gsize i = 0; i < G_N_ELEMENTS(fields); i++)
		if (fields[i].type == F_STR)
			*STR_AT(out, fields[i].offset) = g_strdup(CSTR_AT(rec, fields[i].offset));
		else if (fields[i].type == F_STRV)
			*STRV_AT(out, fields[i].offset) = g_strdupv(*STRV_AT((CvmGuestRecord *)rec, fields[i].offset));
	for (gsize i = 0; i < G_N_ELEMENTS(status_fields); i++)
		*STR_AT(out, status_fields[i].offset) = g_strdup(CSTR_AT(rec, status_fields[i].offset));
	out->unknown = NULL;
	if (rec->unknown != NULL)
		json_object_deep_copy(rec->unknown, &out->unknown, NULL);
	return out;
}

static gboolean
out_of_range(GError **error, const char *key, gint64 n, const char *range)
{
	g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA, "field \"%s\" is %" G_GINT64_FORMAT ", not in %s", key,
		    n, range);
	return FALSE;
}

static gboolean
bad_field(GError **error, const char *key, json_object *v, const char *want)
{
	g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA, "field \"%s\" is %s, not %s (%s)", key,
		    json_type_to_name(json_object_get_type(v)), want,
		    json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	return FALSE;
}

/* An array of strings into a NULL-terminated vector (an empty array: none). */
static gboolean
decode_strv(GStrv *at, const char *key, json_object *v, GError **error)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();
	gsize n;

	if (!json_object_is_type(v, json_type_array))
		return bad_field(error, key, v, "array of strings");
	n = json_object_array_length(v);
	for (gsize i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(v, i);

		if (!json_object_is_type(s, json_type_string))
			return bad_field(error, key, v, "array of strings");
		g_strv_builder_add(b, json_object_get_string(s));
	}
	g_strfreev(*at);
	*at = n > 0 ? g_strv_builder_end(b) : NULL;
	return TRUE;
}

/* One known key into its field, its JSON type and range checked. */
static gboolean
decode_field(CvmGuestRecord *rec, gsize i, json_object *v, GError **error)
{
	void *at = (char *)rec + fields[i].offset;
	const char *key = fields[i].key;
	gint64 n;

	switch (fields[i].type) {
	case F_STR:
		if (!json_object_is_type(v, json_type_string))
			return bad_field(error, key, v, "string");
		cvm_guest_record_set(at, json_object_get_string(v));
		return TRUE;
	case F_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			return bad_field(error, key, v, "boolean");
		*(gboolean *)at = json_object_get_boolean(v);
		return TRUE;
	case F_STRV:
		return decode_strv(at, key, v, error);
	default:
		break;
	}
	if (!json_object_is_type(v, json_type_int))
		return bad_field(error, key, v, "int");
	n = json_object_get_int64(v);
	switch (fields[i].type) {
	case F_U64:
		/* json-c clamps above INT64_MAX; an SNP policy and a RAM size fit. */
		if (n < 0)
			return out_of_range(error, key, n, "0..9223372036854775807");
		*(guint64 *)at = (guint64)n;
		break;
	case F_U32:
		if (n < 0 || n > G_MAXUINT32)
			return out_of_range(error, key, n, "0..4294967295");
		*(guint *)at = (guint)n;
		break;
	default:
		*(gint64 *)at = n;
		break;
	}
	if (strcmp(key, "snp-policy") == 0)
		rec->has_snp_policy = TRUE;
	return TRUE;
}

/* Version 1 (no "record-version"): records before this type. Its keys are
 * those of version 2, but a firmware switch away from an image with no path
 * stored the previous slot as empty strings, and only rebuilt records had a
 * "name". An empty previous slot is no slot; the name is the file's. */
static void
migrate_v1(CvmGuestRecord *rec)
{
	if (rec->previous.igvm_path != NULL && *rec->previous.igvm_path == '\0')
		cvm_guest_image_clear(&rec->previous);
}

CvmGuestRecord *
cvm_guest_record_from_json(json_object *obj, const char *name, GError **error)
{
	g_autoptr(CvmGuestRecord) rec = g_new0(CvmGuestRecord, 1);
	gint64 version = 1;
	json_object *v;

	if (!json_object_is_type(obj, json_type_object)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA, "guest record is not a JSON object");
		return NULL;
	}
	if (json_object_object_get_ex(obj, KEY_VERSION, &v)) {
		if (!json_object_is_type(v, json_type_int)) {
			bad_field(error, KEY_VERSION, v, "int");
			return NULL;
		}
		if (json_object_get_int64(v) < 1) {
			out_of_range(error, KEY_VERSION, json_object_get_int64(v), "1..");
			return NULL;
		}
		version = json_object_get_int64(v);
		if (version > CVM_GUEST_RECORD_VERSION) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED,
				    "record-version %" G_GINT64_FORMAT " is newer than this cvm's (%d)", version,
				    CVM_GUEST_RECORD_VERSION);
			return NULL;
		}
	}
	rec->unknown = json_object_new_object();
	json_object_object_foreach(obj, key, val) {
		gsize i;

		if (strcmp(key, KEY_VERSION) == 0)
			continue;
		for (i = 0; i < G_N_ELEMENTS(fields) && strcmp(fields[i].key, key) != 0; i++)
			;
		if (i == G_N_ELEMENTS(fields))
			json_object_object_add(rec->unknown, key, json_object_get(val));
		else if (!decode_field(rec, i, val, error))
			return NULL;
	}
	if (rec->name == NULL)
		rec->name = g_strdup(name);
	if (version < 2)
		migrate_v1(rec);
	/* Version 2 had no "svsm-devices" and no migration keys: its guests
	 * kept no devices (a relaunch dropped them; nothing here can recover
	 * them) and had no job in progress, which is what the absent keys
	 * read as. Nothing else changed. */
	return g_steal_pointer(&rec);
}

json_object *
cvm_guest_record_to_disk_json(const CvmGuestRecord *rec)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, KEY_VERSION, json_object_new_int(CVM_GUEST_RECORD_VERSION));
	for (gsize i = 0; i < G_N_ELEMENTS(fields); i++) {
		const void *at = (const char *)rec + fields[i].offset;
		json_object *v = NULL;

		switch (fields[i].type) {
		case F_STR:
			if (*(gchar *const *)at != NULL)
				v = json_object_new_string(*(gchar *const *)at);
			break;
		case F_STRV: {
			GStrv sv = *(const GStrv *)at;
			if (sv != NULL && sv[0] != NULL) {
				v = json_object_new_array();
				for (gsize k = 0; sv[k] != NULL; k++)
					json_object_array_add(v, json_object_new_string(sv[k]));
			}
			break;
		}
		case F_BOOL:
			/* a mark that is off is no mark */
			if (*(const gboolean *)at)
				v = json_object_new_boolean(TRUE);
			break;
		case F_U64:
			if (strcmp(fields[i].key, "snp-policy") != 0 || rec->has_snp_policy)
				v = json_object_new_int64((gint64)*(const guint64 *)at);
			break;
		case F_U32:
			v = json_object_new_int64(*(const guint *)at);
			break;
		case F_I64:
			if (*(const gint64 *)at != 0 || strcmp(fields[i].key, "created") == 0)
				v = json_object_new_int64(*(const gint64 *)at);
			break;
		}
		if (v != NULL)
			json_object_object_add(o, fields[i].key, v);
	}
	if (rec->unknown != NULL) {
		json_object_object_foreach(rec->unknown, key, val)
			if (!json_object_object_get_ex(o, key, NULL))
				json_object_object_add(o, key, json_object_get(val));
	}
	return o;
}

json_object *
cvm_guest_record_to_json(const CvmGuestRecord *rec)
{
	json_object *o = json_object_new_object();
	g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(rec->created);
	g_autofree gchar *created = t != NULL ? g_date_time_format_iso8601(t) : NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(props); i++) {
		const char *v = CSTR_AT(rec, props[i].offset);

		if (!props[i].optional || (v != NULL && *v != '\0'))
			json_object_object_add(o, props[i].key, json_object_new_string(v != NULL ? v : ""));
	}
	json_object_object_add(o, "created", json_object_new_string(created != NULL ? created : ""));
	return o;
}

GVariant *
cvm_guest_record_to_variant(const CvmGuestRecord *rec)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	for (gsize i = 0; i < G_N_ELEMENTS(props); i++) {
		const char *v = CSTR_AT(rec, props[i].offset);

		g_variant_builder_add(&b, "{sv}", props[i].prop, g_variant_new_string(v != NULL ? v : ""));
	}
	g_variant_builder_add(&b, "{sv}", "Created", g_variant_new_uint64((guint64)MAX(rec->created, 0)));
	return g_variant_builder_end(&b);
}

CvmGuestRecord *
cvm_guest_record_from_variant(GVariant *dict)
{
	CvmGuestRecord *rec = g_new0(CvmGuestRecord, 1);
	guint64 created = 0;

	for (gsize i = 0; i < G_N_ELEMENTS(props); i++) {
		const char *v = NULL;

		if (g_variant_lookup(dict, props[i].prop, "&s", &v) && (!props[i].optional || *v != '\0'))
			*STR_AT(rec, props[i].offset) = g_strdup(v);
	}
	if (g_variant_lookup(dict, "Created", "t", &created))
		rec->created = (gint64)MIN(created, (guint64)G_MAXINT64);
	return rec;
}

gboolean
cvm_guest_record_check(json_object *rec, GError **error)
{
	g_autoptr(CvmGuestRecord) r = cvm_guest_record_from_json(rec, NULL, error);

	return r != NULL;
}

CvmGuestRecord *
cvm_guest_record_load(CvmState *state, const char *name, GError **error)
{
	json_object *obj = cvm_state_read(state, "guests", name, error);
	CvmGuestRecord *rec;

	if (obj == NULL)
		return NULL;
	rec = cvm_guest_record_from_json(obj, name, error);
	json_object_put(obj);
	return rec;
}

gboolean
cvm_guest_record_write(CvmState *state, const CvmGuestRecord *rec, GError **error)
{
	json_object *obj = cvm_guest_record_to_disk_json(rec);
	gboolean ok = cvm_state_write(state, "guests", rec->name, obj, error);

	json_object_put(obj);
	return ok;
}

gboolean
cvm_guest_record_unlink(CvmState *state, const char *name, GError **error)
{
	return cvm_state_remove(state, "guests", name, error);
}

gboolean
cvm_guest_record_save(CvmState *state, const CvmGuestRecord *rec, GError **error)
{
	gpointer data;
	CvmGuestRecordWriter writer = cvmi_state_guest_writer(state, &data);

	if (!cvm_name_check("guest name", rec->name, error))
		return FALSE;
	return writer != NULL ? writer(rec, rec->name, data, error) : cvm_guest_record_write(state, rec, error);
}

gboolean
cvm_guest_record_remove(CvmState *state, const char *name, GError **error)
{
	gpointer data;
	CvmGuestRecordWriter writer = cvmi_state_guest_writer(state, &data);

	return writer != NULL ? writer(NULL, name, data, error) : cvm_guest_record_unlink(state, name, error);
}

GHashTable *
cvm_guest_record_load_all(CvmState *state, GPtrArray **problems, GPtrArray **set_aside, GError **error)
{
	g_autoptr(GHashTable) objs = cvm_state_load_all_full(state, "guests", problems, set_aside, error);
	GHashTable *out;
	GHashTableIter it;
	gpointer name, obj;

	if (objs == NULL)
		return NULL;
	out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)cvm_guest_record_free);
	g_hash_table_iter_init(&it, objs);
	while (g_hash_table_iter_next(&it, &name, &obj)) {
		/* cvm_state_load_all_full() decoded each one already (read_path) */
		CvmGuestRecord *rec = cvm_guest_record_from_json(obj, name, NULL);

		if (rec != NULL)
			g_hash_table_insert(out, g_strdup(name), rec);
	}
	return out;
}
