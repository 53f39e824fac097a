/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Host policy (cvm/policy.h): policy.d JSON merged into digest, ID-key and size rules. */
#include <string.h>
#include <cvm/policy.h>
#include <cvm/state.h>
#include "libcvm/libcvm-internal.h"

/* Policy files are hand-written; anything bigger is a mistake. */
#define POLICY_FILE_MAX (4 * 1024 * 1024)

typedef struct {
	GPtrArray *digests; /* lower-case hex, NULL = no rule */
	GPtrArray *id_keys; /* lower-case hex, NULL = no rule */
	gint64 max_update;  /* -1 = no rule */
} Rules;

struct _CvmPolicy {
	Rules global;
	GHashTable *guests; /* name -> Rules* */
	gboolean require;
};

static void
rules_clear(Rules *r)
{
	g_clear_pointer(&r->digests, g_ptr_array_unref);
	g_clear_pointer(&r->id_keys, g_ptr_array_unref);
}

static void
rules_free(gpointer p)
{
	rules_clear(p);
	g_free(p);
}

static Rules *
rules_new(void)
{
	Rules *r = g_new0(Rules, 1);

	r->max_update = -1;
	return r;
}

gchar *
cvm_policy_default_dir(void)
{
	const char *env = g_getenv("CVM_POLICY_DIR");

	if (env != NULL && *env != '\0')
		return g_strdup(env);
	return g_build_filename(CVM_SYSCONFDIR, "cvm", "policy.d", NULL);
}

CvmPolicy *
cvm_policy_new(void)
{
	CvmPolicy *p = g_new0(CvmPolicy, 1);

	p->global.max_update = -1;
	p->guests = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, rules_free);
	return p;
}

void
cvm_policy_free(CvmPolicy *policy)
{
	if (policy == NULL)
		return;
	rules_clear(&policy->global);
	g_hash_table_unref(policy->guests);
	g_free(policy);
}

void
cvm_policy_set_require(CvmPolicy *policy, gboolean require)
{
	policy->require = require;
}

static gboolean
perr(GError **error, const char *source, const char *path, const char *msg)
{
	g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA, "%s: %s: %s", source, path, msg);
	return FALSE;
}

static gboolean
is_hex(const char *s, gsize len)
{
	for (gsize i = 0; i < len; i++)
		if (!g_ascii_isxdigit(s[i]))
			return FALSE;
	return TRUE;
}

/* Appends a hex list; @sizes are the accepted byte lengths (0-terminated). */
static gboolean
parse_hex_list(json_object *arr, GPtrArray **out, const gsize *sizes, const char *source,
	       const char *path, GError **error)
{
	gsize n;

	if (!json_object_is_type(arr, json_type_array))
		return perr(error, source, path, "must be an array of hex strings");
	if (*out == NULL)
		*out = g_ptr_array_new_with_free_func(g_free);
	n = json_object_array_length(arr);
	for (gsize i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		const char *s = json_object_get_string(v);
		gsize len = s ? strlen(s) : 0;
		gboolean size_ok = FALSE;

		for (const gsize *z = sizes; *z != 0; z++)
			size_ok |= len == *z * 2;
		if (!json_object_is_type(v, json_type_string) || !size_ok || !is_hex(s, len)) {
			g_autofree gchar *where = g_strdup_printf("%s[%zu]", path, i);

			return perr(error, source, where,
				    "must be a hex string of the expected length");
		}
		g_ptr_array_add(*out, g_ascii_strdown(s, -1));
	}
	return TRUE;
}

static const gsize digest_sizes[] = { 32, 48, 0 };
static const gsize key_sizes[] = { 48, 0 };

static gboolean
parse_rules(json_object *obj, Rules *r, gboolean top, const char *source, const char *path,
	    GError **error)
{
	json_object_object_foreach(obj, key, val) {
		g_autofree gchar *where = g_strdup_printf("%s%s%s", path, *path ? "." : "", key);

		if (strcmp(key, "launch-digests") == 0) {
			if (!parse_hex_list(val, &r->digests, digest_sizes, source, where, error))
				return FALSE;
		} else if (strcmp(key, "id-block-keys") == 0) {
			if (!parse_hex_list(val, &r->id_keys, key_sizes, source, where, error))
				return FALSE;
		} else if (strcmp(key, "max-update-size") == 0) {
			if (!json_object_is_type(val, json_type_int) || json_object_get_int64(val) < 0)
				return perr(error, source, where, "must be a non-negative integer");
			r->max_update = json_object_get_int64(val);
		} else if (top && (strcmp(key, "version") == 0 || strcmp(key, "require") == 0 ||
				   strcmp(key, "guests") == 0)) {
			continue; /* handled by parse_document */
		} else {
			return perr(error, source, where, "unknown key");
		}
	}
	return TRUE;
}

static gboolean
parse_guests(CvmPolicy *p, json_object *guests, const char *source, GError **error)
{
	if (!json_object_is_type(guests, json_type_object))
		return perr(error, source, "guests", "must be an object keyed by guest name");
	json_object_object_foreach(guests, name, val) {
		g_autofree gchar *where = g_strdup_printf("guests.%s", name);
		g_autoptr(GError) bad = NULL;
		Rules *r;

		if (!cvm_name_check("guest name", name, &bad))
			return perr(error, source, where, bad->message);
		if (!json_object_is_type(val, json_type_object))
			return perr(error, source, where, "must be an object");
		r = g_hash_table_lookup(p->guests, name);
		if (r == NULL) {
			r = rules_new();
			g_hash_table_insert(p->guests, g_strdup(name), r);
		}
		if (!parse_rules(val, r, FALSE, source, where, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
parse_document(CvmPolicy *p, json_object *root, const char *source, GError **error)
{
	json_object *v;

	if (!json_object_is_type(root, json_type_object))
		return perr(error, source, "(root)", "must be a JSON object");
	if (json_object_object_get_ex(root, "version", &v) &&
	    (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) != 1))
		return perr(error, source, "version", "only version 1 is supported");
	if (json_object_object_get_ex(root, "require", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return perr(error, source, "require", "must be true or false");
		p->require = json_object_get_boolean(v);
	}
	if (json_object_object_get_ex(root, "guests", &v) && !parse_guests(p, v, source, error))
		return FALSE;
	return parse_rules(root, &p->global, TRUE, source, "", error);
}

static void
append_list(GPtrArray **dst, GPtrArray *src)
{
	if (src == NULL)
		return;
	if (*dst == NULL)
		*dst = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < src->len; i++)
		g_ptr_array_add(*dst, g_strdup(src->pdata[i]));
}

static void
merge_rules(Rules *dst, const Rules *src)
{
	append_list(&dst->digests, src->digests);
	append_list(&dst->id_keys, src->id_keys);
	if (src->max_update >= 0)
		dst->max_update = src->max_update;
}

gboolean
cvm_policy_merge_json(CvmPolicy *policy, const char *data, gsize len, const char *source,
		      GError **error)
{
	g_autoptr(CvmPolicy) tmp = cvm_policy_new();
	json_object *root;
	GHashTableIter it;
	gpointer name, rules;
	gboolean ok;

	root = cvmi_json_parse(data, len, source, error);
	if (root == NULL)
		return FALSE;
	tmp->require = policy->require;
	ok = parse_document(tmp, root, source, error);
	json_object_put(root);
	if (!ok)
		return FALSE;
	policy->require = tmp->require;
	merge_rules(&policy->global, &tmp->global);
	g_hash_table_iter_init(&it, tmp->guests);
	while (g_hash_table_iter_next(&it, &name, &rules)) {
		Rules *dst = g_hash_table_lookup(policy->guests, name);

		if (dst == NULL) {
			dst = rules_new();
			g_hash_table_insert(policy->guests, g_strdup(name), dst);
		}
		merge_rules(dst, rules);
	}
	return TRUE;
}

static gint
cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static gboolean
merge_file(CvmPolicy *policy, const char *path, GError **error)
{
	g_autofree gchar *data = NULL;
	g_autoptr(GError) local = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &data, &len, &local)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "policy: %s", local->message);
		return FALSE;
	}
	if (len > POLICY_FILE_MAX)
		return perr(error, path, "(file)", "larger than 4 MiB");
	return cvm_policy_merge_json(policy, data, len, path, error);
}

CvmPolicy *
cvm_policy_load_dir(const char *dir, GError **error)
{
	g_autoptr(CvmPolicy) policy = cvm_policy_new();
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) local = NULL;
	GDir *d;
	const char *entry;

	d = g_dir_open(dir, 0, &local);
	if (d == NULL) {
		if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return g_steal_pointer(&policy);
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "policy: %s", local->message);
		return NULL;
	}
	while ((entry = g_dir_read_name(d)) != NULL)
		if (g_str_has_suffix(entry, ".json") && entry[0] != '.')
			g_ptr_array_add(files, g_build_filename(dir, entry, NULL));
	g_dir_close(d);
	g_ptr_array_sort(files, cmp_str);
	for (guint i = 0; i < files->len; i++)
		if (!merge_file(policy, files->pdata[i], error))
			return NULL;
	return g_steal_pointer(&policy);
}

static const Rules *
guest_rules(const CvmPolicy *policy, const char *guest)
{
	return guest ? g_hash_table_lookup(policy->guests, guest) : NULL;
}

static const GPtrArray *
pick(const CvmPolicy *p, const char *guest, gboolean keys)
{
	const Rules *g = guest_rules(p, guest);
	const GPtrArray *l = g ? (keys ? g->id_keys : g->digests) : NULL;

	return l ? l : (keys ? p->global.id_keys : p->global.digests);
}

static gboolean
check_in(const CvmPolicy *p, const char *guest, gboolean keys, const guint8 *v, gsize len,
	 GError **error)
{
	const GPtrArray *list = pick(p, guest, keys);
	const char *what = keys ? "SNP ID-block key" : "launch digest";
	g_autofree gchar *hex = cvmi_hex(v, len);

	if (list == NULL && !p->require)
		return TRUE;
	if (list == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_POLICY_DENIED,
			    "host policy requires an expected %s for guest %s but has none", what,
			    guest ? guest : "(any)");
		return FALSE;
	}
	for (guint i = 0; i < list->len; i++)
		if (strcmp(list->pdata[i], hex) == 0)
			return TRUE;
	g_set_error(error, CVM_ERROR, keys ? CVM_ERROR_POLICY_DENIED : CVM_ERROR_MEASUREMENT_MISMATCH,
		    "%s %s of guest %s is not allowed by host policy", what, hex,
		    guest ? guest : "(any)");
	return FALSE;
}

gboolean
cvm_policy_check_launch_digest(const CvmPolicy *policy, const char *guest, const guint8 *digest,
			       gsize len, GError **error)
{
	if (digest == NULL || (len != 32 && len != 48)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "launch digest must be 32 or 48 bytes");
		return FALSE;
	}
	return check_in(policy, guest, FALSE, digest, len, error);
}

gboolean
cvm_policy_check_id_key(const CvmPolicy *policy, const char *guest, const guint8 *key_digest,
			gsize len, GError **error)
{
	if (key_digest == NULL || len != 48) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "ID key digest must be 48 bytes (SHA-384)");
		return FALSE;
	}
	return check_in(policy, guest, TRUE, key_digest, len, error);
}

gboolean
cvm_policy_has_launch_rules(const CvmPolicy *policy, const char *guest)
{
	return pick(policy, guest, FALSE) != NULL;
}

gboolean
cvm_policy_has_id_key_rules(const CvmPolicy *policy, const char *guest)
{
	return pick(policy, guest, TRUE) != NULL || policy->require;
}

guint64
cvm_policy_max_update_size(const CvmPolicy *policy, const char *guest)
{
	const Rules *g = guest_rules(policy, guest);

	if (g != NULL && g->max_update >= 0)
		return (guint64)g->max_update;
	if (policy->global.max_update >= 0)
		return (guint64)policy->global.max_update;
	return CVM_POLICY_DEFAULT_MAX_UPDATE_SIZE;
}

gboolean
cvm_policy_check_update_size(const CvmPolicy *policy, const char *guest, guint64 size,
			     GError **error)
{
	guint64 max = cvm_policy_max_update_size(policy, guest);

	if (size <= max)
		return TRUE;
	g_set_error(error, CVM_ERROR, CVM_ERROR_POLICY_DENIED,
		    "update of %" G_GUINT64_FORMAT " bytes exceeds the host policy limit of %"
		    G_GUINT64_FORMAT " bytes", size, max);
	return FALSE;
}
