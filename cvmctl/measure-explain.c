/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl measure --ovmf FILE --explain HEX [--max-vcpus N] [--json] ... and
 * cvmctl igvm measure FILE --explain HEX ...: which launch parameters give the
 * digest a report carries (docs/measurement.md, "Explaining a digest"). */
#include "cvmctl/measure-explain.h"

#include <cvm/error.h>
#include <cvm/measure-explain.h>
#include <stdio.h>
#include <string.h>

/* KVM's limit on x86 (KVM_MAX_VCPUS), as for --vcpus. */
#define EXPLAIN_MAX_VCPUS 4096

void
cvmctl_explain_add_entries(GOptionContext *context, CvmctlExplainArgs *a)
{
	const GOptionEntry entries[] = {
		{ "explain", 0, 0, G_OPTION_ARG_STRING, &a->digest,
		  "Find the launch parameters that give this digest (exit 3: none)", "HEX" },
		{ "max-vcpus", 0, 0, G_OPTION_ARG_INT, &a->max_vcpus,
		  "--explain: highest vCPU count tried (default 64 for OVMF, 512 for IGVM)", "N" },
		{ NULL }
	};

	g_option_context_add_main_entries(context, entries, NULL);
}

void
cvmctl_explain_args_clear(CvmctlExplainArgs *a)
{
	g_free(a->digest);
}

static gboolean
parse_digest(const char *hex, guint8 out[CVM_MEASURE_DIGEST_MAX], gsize *len, GError **error)
{
	gsize n = strlen(hex);

	if (n != 64 && n != 96) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "--explain takes 64 (SEV, SEV-ES) or 96 hex digits (SEV-SNP, TDX), not %zu", n);
		return FALSE;
	}
	*len = n / 2;
	return cvmctl_parse_hex(hex, out, *len, "--explain", error);
}

int
cvmctl_explain_run(const CvmctlExplainArgs *a, GBytes *file, const char *path, gboolean igvm,
		   const CvmMeasureOptions *given, gboolean json)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmExplain) e = NULL;
	guint8 digest[CVM_MEASURE_DIGEST_MAX];
	gsize dlen = 0, len = 0;
	const guint8 *data = g_bytes_get_data(file, &len);
	CvmMeasureOptions o = *given;

	if (!parse_digest(a->digest, digest, &dlen, &error) ||
	    !cvmctl_check_range("--max-vcpus", a->max_vcpus, 0, EXPLAIN_MAX_VCPUS, &error))
		return cvmctl_error(error);
	o.trace = NULL;
	e = igvm ? cvm_measure_explain_igvm(data, len, &o, digest, dlen, (guint)a->max_vcpus, &error)
		 : cvm_measure_explain_ovmf(data, len, &o, digest, dlen, (guint)a->max_vcpus, &error);
	if (e == NULL) {
		g_prefix_error(&error, "%s: ", path);
		return cvmctl_error(error);
	}
	g_autofree gchar *quoted = g_shell_quote(path);
	g_autofree gchar *command = igvm ? g_strdup_printf("cvmctl igvm measure %s", quoted)
					 : g_strdup_printf("cvmctl measure --ovmf %s", quoted);
	g_autofree gchar *out = json ? cvm_explain_to_json(e, command) : cvm_explain_to_text(e, command);
	fputs(out, stdout);
	if (json)
		fputc('\n', stdout);
	if (cvm_explain_get_match(e, 0) != NULL)
		return CVMCTL_EXIT_OK;
	/* "No match" exits as every other check that found a mismatch. */
	g_set_error(&error, CVM_ERROR, CVM_ERROR_MEASUREMENT_MISMATCH, "no match");
	return cvmctl_exit_code(error);
}
