/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the IGVM report (cvm/igvm-report.h) on arbitrary bytes
 * opened without validation, as cvmctl igvm inspect and diff open them:
 * building it either succeeds or sets an error, and a built report renders
 * as JSON and text, for every platform filter, with a line per header. */
#include <cvm/igvm-report.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const platforms[] = { "native", "vsm", "sev-snp", "tdx", "sev", "sev-es", "cca" };

static void
render(const CvmIgvmReport *r, guint32 filter)
{
	json_object *doc = cvm_igvm_report_to_json(r, filter);
	g_autofree gchar *text = cvm_igvm_report_to_text(r, filter);

	if (doc == NULL || text == NULL)
		__builtin_trap();
	json_object_put(doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GBytes) input = g_bytes_new(data, size);
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(input, CVM_IGVM_NO_VALIDATE, NULL);
	g_autoptr(CvmIgvmReport) r = NULL;

	if (igvm == NULL)
		return 0;
	r = cvm_igvm_report_new(igvm, "fuzz.igvm", &error);
	if (r == NULL) {
		if (error == NULL)
			__builtin_trap();
		return 0;
	}
	render(r, 0);
	for (guint i = 0; i < G_N_ELEMENTS(platforms); i++) {
		g_autoptr(GError) local = NULL;
		guint32 filter;

		if (cvm_igvm_report_platform_filter(r, platforms[i], &filter, &local))
			render(r, filter);
		else if (local == NULL)
			__builtin_trap();
	}
	for (guint i = 0; i < cvm_igvm_report_get_n_headers(r); i++)
		g_free(cvm_igvm_report_header_line(r, cvm_igvm_report_get_header(r, i)));
	return 0;
}
