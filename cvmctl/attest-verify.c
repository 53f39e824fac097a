/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl attest verify REPORT --vcek VCEK [--chain PEM] [--roots DIR]
 * [--expect-measurement HEX] [--expect-report-data HEX] [--at RFC3339]
 * [--bus B] [--json]: through cvmd's Attestation.VerifySnpReport() when it
 * runs, else in-process (cvmctl/ops.h); --roots always in-process, since
 * cvmd trusts only its own data folder's roots; in-process too when the
 * cvmd that runs is older than the method. */
#include "cvmctl/cvmctl.h"
#include "cvmctl/attest.h"
#include "cvmctl/ops.h"

#include <cvm/attest-snp.h>
#include <cvm/error.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static guint8 *
parse_hex(const char *text, gsize want, const char *what, GError **error)
{
	g_autofree guint8 *out = g_malloc0(want);

	if (text == NULL)
		return NULL;
	if (!cvmctl_parse_hex(text, out, want, what, error))
		return NULL;
	return g_steal_pointer(&out);
}

static int
report_result(gboolean ok, CvmSnpVerifyStep step, const GError *error, const char *report,
	      gboolean json)
{
	if (json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "report", json_object_new_string(report));
		json_object_object_add(o, "verified", json_object_new_boolean(ok));
		json_object_object_add(o, "failed-check",
				       ok ? NULL : json_object_new_string(cvm_snp_verify_step_to_string(step)));
		json_object_object_add(o, "message",
				       ok ? NULL : json_object_new_string(error->message));
		cvmctl_print_json(o);
		json_object_put(o);
	} else if (ok) {
		printf("%s: verified (chain, signature, TCB, chip ID, expected values)\n", report);
	} else {
		fprintf(stderr, "cvmctl: %s: %s check failed: %s\n", report,
			cvm_snp_verify_step_to_string(step), error->message);
	}
	return ok ? CVMCTL_EXIT_OK : cvmctl_exit_code(error);
}

/* At most CVM_SNP_VERIFY_INPUT_MAX bytes, cvmd's limit, on both paths so
 * that they answer alike. */
static GBytes *
read_bytes(const char *path, GError **error)
{
	g_autofree gchar *data = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &data, &len, error))
		return NULL;
	if (len > CVM_SNP_VERIFY_INPUT_MAX) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "%s is %" G_GSIZE_FORMAT " bytes: a report, certificate or chain is at most %d",
			    path, len, CVM_SNP_VERIFY_INPUT_MAX);
		return NULL;
	}
	return g_bytes_new_take(g_steal_pointer(&data), len);
}

/* What a cvmd from before VerifySnpReport answers for it. */
static gboolean
older_cvmd(const GError *error)
{
	return g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
	       g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE) ||
	       g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT);
}

int
cvmctl_attest_verify(int argc, char **argv)
{
	g_autofree gchar *vcek_path = NULL, *chain_path = NULL, *roots = NULL;
	g_autofree gchar *meas_hex = NULL, *rd_hex = NULL, *at = NULL, *bus = NULL;
	g_autofree guint8 *meas = NULL, *rd = NULL;
	g_autoptr(GBytes) report = NULL, vcek = NULL, chain = NULL;
	g_autoptr(GError) error = NULL, failure = NULL;
	g_autoptr(CvmctlOps) ops = NULL;
	gboolean json = FALSE;
	CvmSnpVerifyStep step = CVM_SNP_VERIFY_INPUT;
	const GOptionEntry entries[] = {
		{ "vcek", 0, 0, G_OPTION_ARG_FILENAME, &vcek_path, "VCEK or VLEK certificate (DER or PEM)", "FILE" },
		{ "chain", 0, 0, G_OPTION_ARG_FILENAME, &chain_path, "ASK/ASVK (+ARK) PEM instead of the built-in ASKs/ASVKs", "PEM" },
		{ "roots", 0, 0, G_OPTION_ARG_FILENAME, &roots, "Directory of trusted ark-*.pem (default: amd/ in the data folder, see CVM_DATA_DIR)", "DIR" },
		{ "expect-measurement", 0, 0, G_OPTION_ARG_STRING, &meas_hex, "Expected launch measurement (96 hex digits)", "HEX" },
		{ "expect-report-data", 0, 0, G_OPTION_ARG_STRING, &rd_hex, "Expected report_data (128 hex digits)", "HEX" },
		{ "at", 0, 0, G_OPTION_ARG_STRING, &at, "Certificates valid at this RFC 3339 time, not now", "TIME" },
		{ "bus", 0, 0, G_OPTION_ARG_STRING, &bus, "cvmd's bus: system, session or ADDRESS", "BUS" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "Result as JSON", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("REPORT - verify an SNP attestation report");
	CvmSnpVerifyOptions opts = { 0 };

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cvmctl_parse_options(ctx, &argc, &argv))
		return CVMCTL_EXIT_USAGE;
	if (argc != 2 || vcek_path == NULL) {
		fprintf(stderr, "cvmctl attest verify: need REPORT and --vcek FILE\n");
		return CVMCTL_EXIT_USAGE;
	}
	meas = parse_hex(meas_hex, 48, "--expect-measurement", &error);
	if (meas == NULL && error == NULL)
		rd = parse_hex(rd_hex, 64, "--expect-report-data", &error);
	if (error != NULL)
		return cvmctl_error(error);
	if (at != NULL) {
		g_autoptr(GDateTime) when = g_date_time_new_from_iso8601(at, NULL);
		if (when == NULL) {
			g_set_error(&error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
				    "--at %s is not an RFC 3339 time (e.g. 2025-06-01T12:00:00Z)", at);
			return cvmctl_error(error);
		}
		opts.at = g_date_time_to_unix(when);
	}
	report = read_bytes(argv[1], &error);
	if (report != NULL)
		vcek = read_bytes(vcek_path, &error);
	if (vcek != NULL && chain_path != NULL)
		chain = read_bytes(chain_path, &error);
	if (error != NULL)
		return cvmctl_error(error);
	opts = (CvmSnpVerifyOptions){ roots, chain, meas, rd, opts.at };
	ops = roots != NULL ? cvmctl_ops_open_local(bus, "--roots names roots cvmd does not trust (it trusts "
							 "only its own data folder's amd/)")
			    : cvmctl_ops_open(bus, NULL);
	if (!ops->vt->verify_snp_report(ops, report, vcek, &opts, &step, &failure, &error)) {
		if (!older_cvmd(error))
			return cvmctl_error(error);
		/* The check reads no guest state: what that cvmd cannot do runs here. */
		g_clear_error(&error);
		g_clear_pointer(&ops, cvmctl_ops_free);
		ops = cvmctl_ops_open_local(bus, "this cvmd has no Attestation.VerifySnpReport (it is older than cvmctl)");
		if (!ops->vt->verify_snp_report(ops, report, vcek, &opts, &step, &failure, &error))
			return cvmctl_error(error);
	}
	return report_result(step == CVM_SNP_VERIFY_OK, step, failure, argv[1], json);
}
