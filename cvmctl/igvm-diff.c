/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl igvm diff A B [--json]: what differs between two IGVM files, for a
 * reviewer: fixed-header fields, headers (one line each, file data as a
 * digest so moved offsets do not show up as changes), pages by GPA, and the
 * size of the file data. Exit 0 when the files are identical, 3 otherwise. */
#include "cvmctl/igvm.h"

#include <cvm/igvm-report.h>
#include <stdio.h>
#include <string.h>

static void
fixed_field(json_object *arr, const char *name, guint64 a, guint64 b)
{
	json_object *o;

	if (a == b)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "field", json_object_new_string(name));
	json_object_object_add(o, "a", json_object_new_int64((gint64)a));
	json_object_object_add(o, "b", json_object_new_int64((gint64)b));
	json_object_array_add(arr, o);
}

static json_object *
fixed_diff(const CvmIgvmReport *ra, const CvmIgvmReport *rb)
{
	const CvmIgvmReportFile *a = cvm_igvm_report_get_file(ra), *b = cvm_igvm_report_get_file(rb);
	json_object *arr = json_object_new_array();

	fixed_field(arr, "format-version", a->format_version, b->format_version);
	fixed_field(arr, "architecture", a->architecture, b->architecture);
	fixed_field(arr, "variable-header-offset", a->variable_header_offset,
		    b->variable_header_offset);
	fixed_field(arr, "variable-header-size", a->variable_header_size, b->variable_header_size);
	fixed_field(arr, "total-file-size", a->total_file_size, b->total_file_size);
	fixed_field(arr, "checksum", a->checksum, b->checksum);
	return arr;
}

/* Header lines (pages excluded: they are compared by GPA) as a multiset. */
static GPtrArray *
header_lines(const CvmIgvmReport *f)
{
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < cvm_igvm_report_get_n_headers(f); i++) {
		const CvmIgvmReportHeader *h = cvm_igvm_report_get_header(f, i);

		if (h->header.type != CVM_IGVM_VHT_PAGE_DATA)
			g_ptr_array_add(lines, cvm_igvm_report_header_line(f, h));
	}
	return lines;
}

/* Lines of @x not matched by a line of @y (each line of @y matches once). */
static json_object *
only_in(GPtrArray *x, GPtrArray *y)
{
	g_autoptr(GHashTable) count = g_hash_table_new(g_str_hash, g_str_equal);
	json_object *arr = json_object_new_array();

	for (guint i = 0; i < y->len; i++)
		g_hash_table_insert(count, y->pdata[i],
				    GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(count, y->pdata[i])) + 1));
	for (guint i = 0; i < x->len; i++) {
		guint n = GPOINTER_TO_UINT(g_hash_table_lookup(count, x->pdata[i]));

		if (n > 0)
			g_hash_table_insert(count, x->pdata[i], GUINT_TO_POINTER(n - 1));
		else
			json_object_array_add(arr, json_object_new_string(x->pdata[i]));
	}
	return arr;
}

typedef struct {
	guint64 gpa;
	guint32 mask;
} PageKey;

static guint
page_hash(gconstpointer p)
{
	const PageKey *k = p;

	return (guint)(k->gpa >> 12) ^ (k->mask * 2654435761u);
}

static gboolean
page_equal(gconstpointer a, gconstpointer b)
{
	const PageKey *x = a, *y = b;

	return x->gpa == y->gpa && x->mask == y->mask;
}

static GHashTable *
pages_of(const CvmIgvmReport *f)
{
	GHashTable *t = g_hash_table_new_full(page_hash, page_equal, g_free, NULL);

	for (guint i = 0; i < cvm_igvm_report_get_n_headers(f); i++) {
		const CvmIgvmReportHeader *h = cvm_igvm_report_get_header(f, i);
		const CvmIgvmPageData *pd = cvm_igvm_header_page_data(&h->header);
		PageKey *k;

		if (pd == NULL)
			continue;
		k = g_new(PageKey, 1);
		k->gpa = cvm_le64(pd->gpa);
		k->mask = cvm_le32(pd->compatibility_mask);
		g_hash_table_replace(t, k, (gpointer)h);
	}
	return t;
}

static gboolean
same_page(const CvmIgvmReportHeader *x, const CvmIgvmReportHeader *y)
{
	/* flags and data type at payload bytes 16..21 */
	if (memcmp((const guint8 *)x->header.payload + 16, (const guint8 *)y->header.payload + 16, 6) != 0 || (x->data == NULL) != (y->data == NULL))
		return FALSE;
	return x->data == NULL || (x->data_length == y->data_length &&
				   memcmp(x->data, y->data, x->data_length) == 0);
}

static gint
compare_gpa(gconstpointer a, gconstpointer b)
{
	guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;

	return x < y ? -1 : x > y;
}

/* Sorted GPAs as "0x1000-0x2fff" ranges. */
static json_object *
ranges(GArray *gpas)
{
	json_object *arr = json_object_new_array();

	g_array_sort(gpas, compare_gpa);
	for (guint i = 0; i < gpas->len;) {
		guint64 start = g_array_index(gpas, guint64, i), end = start;
		g_autofree gchar *s = NULL;

		while (++i < gpas->len && g_array_index(gpas, guint64, i) <= end + CVM_IGVM_PAGE_SIZE)
			end = g_array_index(gpas, guint64, i);
		s = g_strdup_printf("0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x",
				    start, end + CVM_IGVM_PAGE_SIZE - 1);
		json_object_array_add(arr, json_object_new_string(s));
	}
	return arr;
}

static json_object *
pages_diff(const CvmIgvmReport *a, const CvmIgvmReport *b, gboolean *differ)
{
	g_autoptr(GHashTable) pa = pages_of(a), pb = pages_of(b);
	g_autoptr(GArray) only_a = g_array_new(FALSE, FALSE, 8), only_b = g_array_new(FALSE, FALSE, 8);
	g_autoptr(GArray) changed = g_array_new(FALSE, FALSE, 8);
	json_object *o = json_object_new_object();
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, pa);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const CvmIgvmReportHeader *other = g_hash_table_lookup(pb, k);

		if (other == NULL)
			g_array_append_val(only_a, ((PageKey *)k)->gpa);
		else if (!same_page(v, other))
			g_array_append_val(changed, ((PageKey *)k)->gpa);
	}
	g_hash_table_iter_init(&it, pb);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (!g_hash_table_contains(pa, k))
			g_array_append_val(only_b, ((PageKey *)k)->gpa);
	*differ = only_a->len || only_b->len || changed->len;
	json_object_object_add(o, "only-in-a", ranges(only_a));
	json_object_object_add(o, "only-in-b", ranges(only_b));
	json_object_object_add(o, "changed", ranges(changed));
	return o;
}

static gsize
file_data_size(const CvmIgvm *igvm, const CvmIgvmReport *r)
{
	const CvmIgvmReportFile *f = cvm_igvm_report_get_file(r);
	gsize end = (gsize)f->variable_header_offset + f->variable_header_size;
	gsize size;

	cvm_igvm_get_data(igvm, &size);

	return size > end ? size - end : 0;
}

static gboolean
same_bytes(const CvmIgvm *a, const CvmIgvm *b)
{
	gsize na, nb;
	const guint8 *pa = cvm_igvm_get_data(a, &na), *pb = cvm_igvm_get_data(b, &nb);

	return na == nb && memcmp(pa, pb, na) == 0;
}

static json_object *
diff(const CvmIgvm *ia, const CvmIgvmReport *a, const CvmIgvm *ib, const CvmIgvmReport *b)
{
	g_autoptr(GPtrArray) la = header_lines(a), lb = header_lines(b);
	json_object *root = json_object_new_object(), *headers = json_object_new_object();
	json_object *fd = json_object_new_object();
	gboolean pages_differ = FALSE;

	json_object_object_add(root, "identical", json_object_new_boolean(same_bytes(ia, ib)));
	json_object_object_add(root, "fixed-header", fixed_diff(a, b));
	json_object_object_add(headers, "only-in-a", only_in(la, lb));
	json_object_object_add(headers, "only-in-b", only_in(lb, la));
	json_object_object_add(root, "headers", headers);
	json_object_object_add(root, "pages", pages_diff(a, b, &pages_differ));
	json_object_object_add(fd, "a-bytes", json_object_new_int64(file_data_size(ia, a)));
	json_object_object_add(fd, "b-bytes", json_object_new_int64(file_data_size(ib, b)));
	json_object_object_add(root, "file-data", fd);
	return root;
}

static void
print_strings(json_object *arr, const char *prefix)
{
	for (gsize i = 0; i < json_object_array_length(arr); i++)
		printf("%s%s\n", prefix, json_object_get_string(json_object_array_get_idx(arr, i)));
}

static void
print_text(const char *pa, const char *pb, json_object *d)
{
	json_object *arr = json_object_object_get(d, "fixed-header");
	json_object *h = json_object_object_get(d, "headers");
	json_object *p = json_object_object_get(d, "pages");
	json_object *fd = json_object_object_get(d, "file-data");

	printf("--- %s\n+++ %s\n", pa, pb);
	if (json_object_array_length(arr) > 0)
		printf("fixed header:\n");
	for (gsize i = 0; i < json_object_array_length(arr); i++) {
		json_object *o = json_object_array_get_idx(arr, i);

		printf("  %s: %s -> %s\n", json_object_get_string(json_object_object_get(o, "field")),
		       json_object_get_string(json_object_object_get(o, "a")),
		       json_object_get_string(json_object_object_get(o, "b")));
	}
	if (json_object_array_length(json_object_object_get(h, "only-in-a")) +
	    json_object_array_length(json_object_object_get(h, "only-in-b")) > 0)
		printf("headers (page data excluded):\n");
	print_strings(json_object_object_get(h, "only-in-a"), "  - ");
	print_strings(json_object_object_get(h, "only-in-b"), "  + ");
	print_strings(json_object_object_get(p, "changed"), "page data changed: ");
	print_strings(json_object_object_get(p, "only-in-a"), "pages only in A:   ");
	print_strings(json_object_object_get(p, "only-in-b"), "pages only in B:   ");
	printf("file data: %s -> %s bytes\n",
	       json_object_get_string(json_object_object_get(fd, "a-bytes")),
	       json_object_get_string(json_object_object_get(fd, "b-bytes")));
}

/* Unvalidated, so that a broken file can be compared; the report refuses
 * what it cannot read. */
static CvmIgvmReport *
open_report(const char *path, CvmIgvm **igvm, GError **error)
{
	*igvm = cvm_igvm_open(path, CVM_IGVM_NO_VALIDATE, error);
	return *igvm != NULL ? cvm_igvm_report_new(*igvm, path, error) : NULL;
}

int
cvmctl_igvm_diff(int argc, char **argv)
{
	gboolean json = FALSE;
	const GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) context = g_option_context_new("A B");
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvm) ia = NULL;
	g_autoptr(CvmIgvm) ib = NULL;
	g_autoptr(CvmIgvmReport) a = NULL;
	g_autoptr(CvmIgvmReport) b = NULL;
	json_object *d;
	gboolean identical;

	g_option_context_set_summary(context, "Show which headers, pages and file data differ "
					      "between two IGVM files. Exit 0 if identical, 3 if not.");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!cvmctl_parse_options(context, &argc, &argv))
		return CVMCTL_EXIT_USAGE;
	if (argc != 3) {
		fprintf(stderr, "cvmctl: need two files A and B\nTry '--help' for usage.\n");
		return CVMCTL_EXIT_USAGE;
	}
	a = open_report(argv[1], &ia, &error);
	if (a != NULL)
		b = open_report(argv[2], &ib, &error);
	if (b == NULL)
		return cvmctl_error(error);
	d = diff(ia, a, ib, b);
	identical = json_object_get_boolean(json_object_object_get(d, "identical"));
	if (json)
		cvmctl_print_json(d);
	else if (identical)
		printf("%s and %s are identical\n", argv[1], argv[2]);
	else
		print_text(argv[1], argv[2], d);
	json_object_put(d);
	return identical ? CVMCTL_EXIT_OK : CVMCTL_EXIT_CHECK_FAILED;
}
