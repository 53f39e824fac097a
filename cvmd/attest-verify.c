/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Attestation.VerifySnpReport: cvm_snp_verify_report() for callers on the
 * bus. The caller sends bytes, never paths, and cannot name the roots: cvmd
 * trusts only amd/ in its own data folder. Open to anyone (it reads no
 * guest state and changes nothing), so every input is bounded
 * (CVM_SNP_VERIFY_INPUT_MAX: a report is 1184 bytes, a certificate or chain
 * a few KiB) and the work is a few signature checks. */
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

static gboolean
on_verify(CvmDbusAttestation *iface, GDBusMethodInvocation *inv, GVariant *report_v, GVariant *cert_v,
	  GVariant *options, gpointer data)
{
	g_autoptr(GError) error = NULL, failure = NULL;
	g_autoptr(GBytes) report = NULL, cert = NULL;
	CvmSnpVerifyOptions o;
	CvmSnpVerifyStep step = CVM_SNP_VERIFY_INPUT;

	(void)data;
	report = bounded(report_v, "report", &error);
	if (report != NULL)
		cert = bounded(cert_v, "certificate", &error);
	/* roots_dir stays NULL: amd/ in cvmd's data folder */
	if (cert == NULL || !cvm_snp_verify_options_from_variant(options, &o, &error)) {
		cvmd_return_error(inv, error);
		return TRUE;
	}
	if (cvm_snp_verify_report(g_bytes_get_data(report, NULL), g_bytes_get_size(report), cert, &o, &step, &failure))
		cvm_dbus_attestation_complete_verify_snp_report(iface, inv, TRUE, "", "", "");
	else
		cvm_dbus_attestation_complete_verify_snp_report(
			iface, inv, FALSE, cvm_snp_verify_step_to_string(step),
			cvm_bus_error_name(failure->domain == CVM_ERROR ? failure->code : CVM_ERROR_FAILED),
			failure->message);
	g_clear_pointer(&o.chain_pem, g_bytes_unref);
	return TRUE;
}

void
cvmd_attest_verify_connect(Cvmd *d, CvmDbusAttestation *iface)
{
	g_signal_connect(iface, "handle-verify-snp-report", G_CALLBACK(on_verify), d);
}
