/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The IGVM report as text (cvm_igvm_report_to_text()): the lines cvmctl
 * igvm inspect prints, rendered from the JSON object so both always agree. */
#include "igvm/report-private.h"

static const char *
str(json_object *o, const char *key)
{
	json_object *v = json_object_object_get(o, key);

	return v != NULL ? json_object_get_string(v) : "";
}

static void
print_list(GString *out, json_object *arr, const char *prefix)
{
	for (gsize i = 0; i < json_object_array_length(arr); i++)
		g_string_append_printf(out, "%s%s", i ? " " : prefix, json_object_get_string(json_object_array_get_idx(arr, i)));
}

static void
print_header(GString *out, const char *path, json_object *r)
{
	json_object *f = json_object_object_get(r, "file");
	json_object *arr = json_object_object_get(r, "platforms");

	g_string_append_printf(out, "%s: IGVM format version %s (%s), %s bytes, %s headers, checksum %s\n", path,
	       str(f, "format-version"), str(f, "architecture"), str(f, "total-file-size"),
	       str(f, "headers"), str(f, "checksum"));
	g_string_append_printf(out, "  variable headers at %s, %s bytes\n", str(f, "variable-header-offset"),
	       str(f, "variable-header-size"));
	g_string_append_printf(out, "Platforms:\n");
	for (gsize i = 0; i < json_object_array_length(arr); i++) {
		json_object *p = json_object_array_get_idx(arr, i);

		g_string_append_printf(out, "  %-8s mask %s, highest VTL %s, shared GPA boundary %s\n", str(p, "type"),
		       str(p, "mask"), str(p, "highest-vtl"), str(p, "shared-gpa-boundary"));
	}
	arr = json_object_object_get(r, "policies");
	if (json_object_array_length(arr) > 0)
		g_string_append_printf(out, "Guest policies:\n");
	for (gsize i = 0; i < json_object_array_length(arr); i++) {
		json_object *p = json_object_array_get_idx(arr, i);

		g_string_append_printf(out, "  [%s] %s:", str(p, "platforms"), str(p, "policy"));
		print_list(out, json_object_object_get(p, "bits"), " ");
		g_string_append_c(out, '\n');
	}
	g_string_append_printf(out, "Directives:\n");
	json_object_object_foreach(json_object_object_get(r, "directive-counts"), name, n)
		g_string_append_printf(out, "  %-28s %d\n", name, json_object_get_int(n));
}

static void
print_memory(GString *out, json_object *r)
{
	json_object *arr = json_object_object_get(r, "memory");

	g_string_append_printf(out, "Memory (coalesced page data):\n");
	for (gsize i = 0; i < json_object_array_length(arr); i++) {
		json_object *m = json_object_array_get_idx(arr, i);
		g_autofree gchar *range = g_strdup_printf("%s-%s", str(m, "start"), str(m, "end"));

		g_string_append_printf(out, "  %-37s %6s page(s) %-10s %-4s %s%s [%s]\n", range, str(m, "pages"), str(m, "data-type"), str(m, "contents"),
		       json_object_get_boolean(json_object_object_get(m, "measured")) ? "measured"
										 : "unmeasured",
		       json_object_get_boolean(json_object_object_get(m, "shared")) ? " shared" : "",
		       str(m, "platforms"));
	}
}

static void
print_rest(GString *out, json_object *r)
{
	json_object *arr = json_object_object_get(r, "vp-contexts");

	for (gsize i = 0; i < json_object_array_length(arr); i++) {
		json_object *v = json_object_array_get_idx(arr, i);

		g_string_append_printf(out, "%s  vp %s at %s [%s]: %s rip %s cs %s base %s\n", i ? "" : "VP contexts:\n",
		       str(v, "vp-index"), str(v, "gpa"), str(v, "platforms"), str(v, "format"),
		       str(v, "rip"), str(v, "cs-selector"), str(v, "cs-base"));
	}
	arr = json_object_object_get(r, "parameter-areas");
	for (gsize i = 0; i < json_object_array_length(arr); i++) {
		json_object *a = json_object_array_get_idx(arr, i);
		json_object *params = json_object_object_get(a, "parameters");
		json_object *ins = json_object_object_get(a, "inserted");

		g_string_append_printf(out, "%s  area %s: %s bytes%s;", i ? "" : "Parameter areas:\n", str(a, "index"),
		       str(a, "size"),
		       json_object_get_boolean(json_object_object_get(a, "initial-data"))
			       ? ", initial data" : "");
		for (gsize j = 0; j < json_object_array_length(params); j++) {
			json_object *p = json_object_array_get_idx(params, j);
			g_string_append_printf(out, " %s@%s", str(p, "type"), str(p, "offset"));
		}
		for (gsize j = 0; j < json_object_array_length(ins); j++) {
			json_object *p = json_object_array_get_idx(ins, j);
			g_string_append_printf(out, "; inserted at %s [%s]", str(p, "gpa"), str(p, "platforms"));
		}
		if (json_object_array_length(ins) == 0)
			g_string_append_printf(out, "; never inserted");
		g_string_append_c(out, '\n');
	}
	arr = json_object_object_get(r, "snp-id-blocks");
	for (gsize i = 0; i < json_object_array_length(arr); i++) {
		json_object *b = json_object_array_get_idx(arr, i);

		g_string_append_printf(out, "%s  [%s] version %s guest_svn %s id_key_algorithm %s author_key %s\n"
		       "    ld %s\n    family_id %s image_id %s\n",
		       i ? "" : "SNP ID blocks:\n", str(b, "platforms"), str(b, "version"),
		       str(b, "guest-svn"), str(b, "id-key-algorithm"),
		       str(b, "author-key-enabled"), str(b, "ld"), str(b, "family-id"),
		       str(b, "image-id"));
	}
}

gchar *
cvm_igvm_report_to_text(const CvmIgvmReport *report, guint32 filter)
{
	json_object *r = cvm_igvm_report_to_json(report, filter);
	GString *out = g_string_new(NULL);

	print_header(out, report->name, r);
	print_memory(out, r);
	print_rest(out, r);
	json_object_put(r);
	return g_string_free(out, FALSE);
}
