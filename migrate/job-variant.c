/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Migration job options <-> the a{sv} of cvmd's Migration.Start(). */
#include "migrate/job-private.h"

#include <cvm/error.h>

typedef enum { T_STR, T_U64, T_U32, T_BOOL, T_MODE } Kind;

typedef struct {
	const char *key;
	Kind kind;
	gsize offset;
} Field;

#define F(k, t, m) {k, t, G_STRUCT_OFFSET(CvmMigrateJobOptions, m)}
static const Field fields[] = {
	F("dest-connect", T_STR, dest_connect),	 F("dest-name", T_STR, dest_name),
	F("page-gpa", T_U64, page_gpa),		 F("dest-page-gpa", T_U64, dest_page_gpa),
	F("source-memory", T_STR, source_memory), F("source-memory-base", T_U64, source_memory_base),
	F("dest-memory", T_STR, dest_memory),	 F("dest-memory-base", T_U64, dest_memory_base),
	F("mode", T_MODE, mode),		 F("keep-source", T_BOOL, keep_source),
	F("timeout-ms", T_U32, timeout_ms),
};

static const GVariantType *
type_of(Kind k)
{
	switch (k) {
	case T_STR:
	case T_MODE:
		return G_VARIANT_TYPE_STRING;
	case T_U64:
		return G_VARIANT_TYPE_UINT64;
	case T_U32:
		return G_VARIANT_TYPE_UINT32;
	default:
		return G_VARIANT_TYPE_BOOLEAN;
	}
}

static gboolean
set_field(const Field *f, GVariant *v, CvmMigrateJobOptions *out, GError **error)
{
	gpointer p = G_STRUCT_MEMBER_P(out, f->offset);

	switch (f->kind) {
	case T_STR:
		*(const char **)p = g_variant_get_string(v, NULL);
		return TRUE;
	case T_MODE:
		return cvm_migrate_mode_from_string(g_variant_get_string(v, NULL), (CvmMigrateMode *)p, error);
	case T_U64:
		*(guint64 *)p = g_variant_get_uint64(v);
		return TRUE;
	case T_U32:
		*(guint *)p = g_variant_get_uint32(v);
		return TRUE;
	default:
		*(gboolean *)p = g_variant_get_boolean(v);
		return TRUE;
	}
}

gboolean
cvm_migrate_job_options_from_variant(GVariant *options, CvmMigrateJobOptions *out, GError **error)
{
	GVariantIter it;
	const char *key;
	GVariant *val;

	if (!g_variant_is_of_type(options, G_VARIANT_TYPE_VARDICT)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "migration options must be a{sv}");
		return FALSE;
	}
	g_variant_iter_init(&it, options);
	while (g_variant_iter_next(&it, "{&sv}", &key, &val)) {
		g_autoptr(GVariant) v = val;
		const Field *f = NULL;
		for (guint i = 0; i < G_N_ELEMENTS(fields) && f == NULL; i++)
			if (g_str_equal(fields[i].key, key))
				f = &fields[i];
		if (f == NULL || !g_variant_is_of_type(v, type_of(f->kind))) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
				    f ? "migration option \"%s\": wrong type" : "unknown migration option \"%s\"", key);
			return FALSE;
		}
		if (!set_field(f, v, out, error))
			return FALSE;
	}
	return TRUE;
}

GVariant *
cvm_migrate_job_options_to_variant(const CvmMigrateJobOptions *opts)
{
	CvmMigrateJobOptions def;
	GVariantBuilder b;

	cvm_migrate_job_options_init(&def);
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
		const Field *f = &fields[i];
		gconstpointer p = G_STRUCT_MEMBER_P(opts, f->offset), d = G_STRUCT_MEMBER_P(&def, f->offset);
		GVariant *v = NULL;
		switch (f->kind) {
		case T_STR:
			v = *(const char *const *)p ? g_variant_new_string(*(const char *const *)p) : NULL;
			break;
		case T_MODE:
			v = *(const CvmMigrateMode *)p != *(const CvmMigrateMode *)d
				    ? g_variant_new_string(cvm_migrate_mode_to_string(*(const CvmMigrateMode *)p))
				    : NULL;
			break;
		case T_U64:
			v = *(const guint64 *)p ? g_variant_new_uint64(*(const guint64 *)p) : NULL;
			break;
		case T_U32:
			v = *(const guint *)p != *(const guint *)d ? g_variant_new_uint32(*(const guint *)p) : NULL;
			break;
		default:
			v = *(const gboolean *)p ? g_variant_new_boolean(TRUE) : NULL;
		}
		if (v != NULL)
			g_variant_builder_add(&b, "{sv}", f->key, v);
	}
	return g_variant_builder_end(&b);
}
