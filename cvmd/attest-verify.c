/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Attestation.VerifySnpReport: cvm_snp_verify_report() for callers on the
 * bus. The caller sends bytes, never paths, and cannot name the roots: cvmd
 * trusts only amd/ in its own data folder. Open to anyone (it reads no
 * guest state and changes nothing), so every input is bounded
 * (CVM_SNP_VERIFY_INPUT_MAX: a report is 1184 bytes, a certificate or chain
 * a few KiB) and the work, a few signature checks, runs in cvmd's bounded
 * job pool (jobs.c), off the main loop. */
#include "cvmd/cvmd.h"

#include <cvm/attest-snp.h>
#include <cvm/bus.h>

static GBytes *
bounded(GVariant *v, const char *what, GError **error)
{
	if (g_variant_get_size(v) > CVM_SNP_VERIFY_INPUT_MAX) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "%s is %" G_GSIZE_FORMAT " bytes, more than %d",
			    what, g_variant_get_size(v), CVM_SNP_VERIFY_INPUT_MAX);
		return NULL;
	}
	return g_variant_get_data_as_bytes(v);
}

typedef struct {
	GBytes *report;
	GBytes *cert;
	CvmSnpVerifyOptions o;
} Verify;

static void
verify_free(Verify *v)
{
	g_clear_pointer(&v->report, g_bytes_unref);
	g_clear_pointer(&v->cert, g_bytes_unref);
	g_clear_pointer(&v->o.chain_pem, g_bytes_unref);
	g_free(v);
}

/* Job (cvmd_job_start): a verdict is a reply, only bad arguments an error. */
static GVariant *
verify_job(Cvmd *d, GDBusMethodInvocation *inv, gpointer data, GError **error)
{
	Verify *v = data;
	g_autoptr(GError) failure = NULL;
	CvmSnpVerifyStep step = CVM_SNP_VERIFY_INPUT;

	(void)d, (void)inv, (void)error;
	if (cvm_snp_verify_report(g_bytes_get_data(v->report, NULL), g_bytes_get_size(v->report), v->cert, &v->o,
				  &step, &failure))
		return g_variant_new("(bsss)", TRUE, "", "", "");
	return g_variant_new("(bsss)", FALSE, cvm_snp_verify_step_to_string(step),
			     cvm_bus_error_name(failure->domain == CVM_ERROR ? failure->code : CVM_ERROR_FAILED),
			     failure->message);
}

static gboolean
on_verify(CvmDbusAttestation *iface, GDBusMethodInvocation *inv, GVariant *report_v, GVariant *cert_v,
	  GVariant *options, gpointer data)
{
	g_autoptr(GError) error = NULL;
	Verify *v = g_new0(Verify, 1);

	(void)iface;
	v->report = bounded(report_v, "report", &error);
	if (v->report != NULL)
		v->cert = bounded(cert_v, "certificate", &error);
	/* roots_dir stays NULL: amd/ in cvmd's data folder */
	if (v->cert == NULL || !cvm_snp_verify_options_from_variant(options, &v->o, &error)) {
		verify_free(v);
		cvmd_return_error(inv, error);
		return TRUE;
	}
	cvmd_job_start(data, inv, verify_job, v, (GDestroyNotify)verify_free);
	return TRUE;
}

void
cvmd_attest_verify_connect(Cvmd *d, CvmDbusAttestation *iface)
{
	g_signal_connect(iface, "handle-verify-snp-report", G_CALLBACK(on_verify), d);
}
