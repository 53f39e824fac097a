/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl measure --ovmf FILE [--platform P] [--json] ...: the launch digest of
 * an OVMF firmware (sev-snp-measure / tdx-measure parity), plus the option
 * set the IGVM measurement commands share. */
#include "cvmctl/measure-args.h"
#include "cvmctl/measure-explain.h"

#include <cvm/error.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* KVM's limit on x86 (KVM_MAX_VCPUS): one VMSA is measured per vCPU. */
#define MEASURE_MAX_VCPUS 4096

void
cvmctl_measure_add_entries(GOptionContext *context, CvmctlMeasureArgs *a, gboolean igvm)
{
	GOptionEntry common[] = {
		{ "platform", 'p', 0, G_OPTION_ARG_STRING, &a->platform, "sev-snp (default), sev-es, sev or tdx", "P" },
		{ "vcpus", 0, 0, G_OPTION_ARG_INT, &a->vcpus, "Number of vCPUs (default 1)", "N" },
		{ "vcpu-type", 0, 0, G_OPTION_ARG_STRING, &a->vcpu_type, "QEMU vCPU model (default EPYC-v4)", "TYPE" },
		{ "vcpu-sig", 0, 0, G_OPTION_ARG_STRING, &a->vcpu_sig, "vCPU signature, CPUID(1).EAX", "SIG" },
		{ "vmm-type", 0, 0, G_OPTION_ARG_STRING, &a->vmm, "qemu (default), ec2 or gce", "VMM" },
		{ "guest-features", 0, 0, G_OPTION_ARG_STRING, &a->features, "SNP sev_features (default 0x1)", "HEX" },
		{ "kernel", 0, 0, G_OPTION_ARG_FILENAME, &a->kernel, "-kernel file (SEV hash table)", "FILE" },
		{ "initrd", 0, 0, G_OPTION_ARG_FILENAME, &a->initrd, "-initrd file", "FILE" },
		{ "append", 0, 0, G_OPTION_ARG_STRING, &a->append, "-append command line", "CMDLINE" },
		{ "jobs", 'j', 0, G_OPTION_ARG_INT, &a->jobs, "Hashing threads (default: one per CPU)", "N" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &a->json, "Every platform's digest and the parameters, as JSON", NULL },
		{ "trace", 0, 0, G_OPTION_ARG_NONE, &a->trace, "One line per measured page on stderr", NULL },
		{ NULL }
	};
	const GOptionEntry ovmf[] = {
		{ "svsm", 0, 0, G_OPTION_ARG_FILENAME, &a->svsm, "SNP:SVSM mode with this SVSM binary", "FILE" },
		{ "vars-size", 0, 0, G_OPTION_ARG_INT64, &a->vars_size, "OVMF vars size (SNP:SVSM)", "BYTES" },
		{ "snp-ovmf-hash", 0, 0, G_OPTION_ARG_STRING, &a->ovmf_hash, "Precomputed SNP OVMF hash", "HEX" },
		{ "tdx-two-pass", 0, 0, G_OPTION_ARG_NONE, &a->two_pass, "TDX: PAGE.ADDs before MR.EXTENDs", NULL },
		{ "ap-eip", 0, 0, G_OPTION_ARG_STRING, &a->ap_eip,
		  "SEV-ES/SNP: APs' start EIP (default: the firmware's SEV-ES reset block)", "HEX" },
		{ NULL }
	};
	const GOptionEntry igvm_entries[] = {
		{ "native-zero", 'n', 0, G_OPTION_ARG_NONE, &a->native_zero, "Data-less pages as SNP ZERO pages", NULL },
		{ "one-page-parameter", 0, 0, G_OPTION_ARG_NONE, &a->one_page_param,
		  "PARAMETER_INSERT as one page (igvmmeasure)", NULL },
		{ "bsp-only", 0, 0, G_OPTION_ARG_NONE, &a->bsp_only, "Measure only the VMSAs in the file", NULL },
		{ "check-kvm", 'c', 0, G_OPTION_ARG_NONE, &a->check_kvm, "Report what KVM would refuse", NULL },
		{ NULL }
	};

	/* -1 until given, so that an explicit --vcpus 0 is refused. */
	a->vcpus = -1;
	if (a->no_json)
		cvmctl_entries_drop(common, (const char *[]){ "json", NULL });
	g_option_context_add_main_entries(context, common, NULL);
	g_option_context_add_main_entries(context, igvm ? igvm_entries : ovmf, NULL);
}

void
cvmctl_measure_args_clear(CvmctlMeasureArgs *a)
{
	g_free(a->platform);
	g_free(a->vcpu_type);
	g_free(a->vcpu_sig);
	g_free(a->vmm);
	g_free(a->features);
	g_free(a->kernel);
	g_free(a->initrd);
	g_free(a->append);
	g_free(a->svsm);
	g_free(a->ovmf_hash);
	g_free(a->ap_eip);
}

static gboolean
parse_u64(const char *text, const char *what, guint64 *out, GError **error)
{
	char *end = NULL;
	guint64 v = g_ascii_strtoull(text, &end, 0);

	if (end == text || *end != '\0') {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "bad %s '%s'", what, text);
		return FALSE;
	}
	*out = v;
	return TRUE;
}

gboolean
cvmctl_measure_args_to_options(const CvmctlMeasureArgs *a, CvmMeasureOptions *o, GError **error)
{
	guint64 v;

	cvm_measure_options_init(o);
	if (a->platform && (!cvm_platform_from_string(a->platform, &o->platform, error) ||
			    !cvm_measure_platform_check(o->platform, error)))
		return FALSE;
	if ((a->vcpus != -1 && !cvmctl_check_range("--vcpus", a->vcpus, 1, MEASURE_MAX_VCPUS, error)) ||
	    !cvmctl_check_range("--jobs", a->jobs, 0, G_MAXINT, error) ||
	    !cvmctl_check_range("--vars-size", a->vars_size, 0, G_MAXINT64, error))
		return FALSE;
	o->vcpus = a->vcpus != -1 ? (guint)a->vcpus : 1;
	o->jobs = (guint)a->jobs;
	if (a->vcpu_type && !cvm_vcpu_sig_from_type(a->vcpu_type, &o->vcpu_sig, error))
		return FALSE;
	if (a->vcpu_sig) {
		if (!parse_u64(a->vcpu_sig, "vCPU signature", &v, error))
			return FALSE;
		o->vcpu_sig = (guint32)v;
	}
	if (a->vmm && !cvm_vmm_type_from_string(a->vmm, &o->vmm, error))
		return FALSE;
	if (a->features && !parse_u64(a->features, "guest features", &o->guest_features, error))
		return FALSE;
	if (a->ap_eip) {
		if (!parse_u64(a->ap_eip, "AP EIP", &v, error))
			return FALSE;
		o->ap_eip = (guint32)v;
	}
	if (a->ovmf_hash) {
		if (!cvmctl_parse_hex(a->ovmf_hash, o->snp_ovmf_hash, 48, "--snp-ovmf-hash", error))
			return FALSE;
		o->has_snp_ovmf_hash = TRUE;
	}
	o->kernel = a->kernel;
	o->initrd = a->initrd;
	o->append = a->append;
	o->svsm = a->svsm;
	o->ovmf_vars_size = (guint64)a->vars_size;
	o->tdx_two_pass = a->two_pass;
	o->native_zero = a->native_zero;
	o->param_insert_one_page = a->one_page_param;
	o->bsp_only = a->bsp_only;
	o->check_kvm = a->check_kvm;
	if (a->trace)
		o->trace = cvmctl_measure_trace_line;
	return TRUE;
}

static void
print_hex(FILE *out, const guint8 *p, gsize n)
{
	for (gsize i = 0; i < n; i++)
		fprintf(out, "%02x", p[i]);
	if (n == 0)
		fputc('-', out);
}

void
cvmctl_measure_trace_line(guint64 gpa, const char *type, const guint8 *contents, gsize contents_len,
			  const guint8 *digest, gsize digest_len, gpointer user_data)
{
	fprintf(stderr, "0x%012" G_GINT64_MODIFIER "x %-10s ", gpa, type);
	print_hex(stderr, contents, contents ? contents_len : 0);
	fputc(' ', stderr);
	print_hex(stderr, digest, digest ? digest_len : 0);
	fputc('\n', stderr);
}

static int
print_ovmf_json(GBytes *fw, const CvmMeasureOptions *o)
{
	CvmDigest digests[4];
	gsize n = 0;

	for (CvmPlatform p = CVM_PLATFORM_SEV_SNP; p <= CVM_PLATFORM_TDX; p++) {
		CvmMeasureOptions po = *o;
		po.platform = p;
		po.trace = NULL;
		if (p != CVM_PLATFORM_SEV_SNP)
			po.has_snp_ovmf_hash = FALSE;
		/* Platforms the firmware has no metadata for are left out. */
		if (cvm_measure_ovmf(g_bytes_get_data(fw, NULL), g_bytes_get_size(fw), &po, &digests[n], NULL))
			n++;
	}
	g_autofree gchar *json = cvm_measure_to_json(o, digests, n);
	printf("%s\n", json);
	return n > 0 ? CVMCTL_EXIT_OK : CVMCTL_EXIT_FAILURE;
}

int
cvmctl_cmd_measure(int argc, char **argv)
{
	g_auto(CvmctlMeasureArgs) a = { 0 };
	g_auto(CvmctlExplainArgs) x = { 0 };
	g_autofree gchar *ovmf = NULL;
	const GOptionEntry entries[] = {
		{ "ovmf", 0, 0, G_OPTION_ARG_FILENAME, &ovmf, "OVMF firmware image", "FILE" },
		{ NULL }
	};
	g_autoptr(GOptionContext) context = g_option_context_new("--ovmf FILE");
	g_autoptr(GError) error = NULL;
	CvmMeasureOptions o;
	CvmDigest d;

	g_option_context_set_summary(context, "Print the launch digest of an OVMF firmware "
					      "(docs/measurement.md).");
	g_option_context_add_main_entries(context, entries, NULL);
	cvmctl_measure_add_entries(context, &a, FALSE);
	cvmctl_explain_add_entries(context, &x);
	if (!cvmctl_parse_options(context, &argc, &argv))
		return CVMCTL_EXIT_USAGE;
	if (ovmf == NULL || argc != 1) {
		fprintf(stderr, "cvmctl: need --ovmf FILE\nTry '--help' for usage.\n");
		return CVMCTL_EXIT_USAGE;
	}
	if (!cvmctl_measure_args_to_options(&a, &o, &error))
		return cvmctl_error(error);
	g_autofree gchar *data = NULL;
	gsize len = 0;
	if (!g_file_get_contents(ovmf, &data, &len, &error))
		return cvmctl_error(error);
	g_autoptr(GBytes) fw = g_bytes_new_take(g_steal_pointer(&data), len);
	if (x.digest)
		return cvmctl_explain_run(&x, fw, ovmf, FALSE, &o, a.json);
	if (a.json)
		return print_ovmf_json(fw, &o);
	if (!cvm_measure_ovmf(g_bytes_get_data(fw, NULL), len, &o, &d, &error)) {
		g_prefix_error(&error, "%s: ", ovmf);
		return cvmctl_error(error);
	}
	g_autofree gchar *hex = cvm_digest_to_hex(&d);
	printf("%s\n", hex);
	return CVMCTL_EXIT_OK;
}
