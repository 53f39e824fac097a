/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl igvm measure FILE [--platform P] [--json] [--trace] [--jobs N]
 *   [--vcpus N] [--native-zero] [--one-page-parameter] [--bsp-only] [--check-kvm]
 *
 * Hex digest of the chosen platform by default; --json gives the digest of
 * every platform the file supports, with the parameters used. */
#include "cvmctl/igvm.h"
#include "cvmctl/measure-args.h"
#include "cvmctl/measure-explain.h"

#include <cvm/error.h>
#include <stdio.h>

static int
print_json(GBytes *file, const CvmMeasureOptions *o)
{
	CvmDigest digests[4];
	gsize n = 0;

	for (CvmPlatform p = CVM_PLATFORM_SEV_SNP; p <= CVM_PLATFORM_TDX; p++) {
		CvmMeasureOptions po = *o;
		po.platform = p;
		po.trace = NULL;
		/* Platforms the file does not support are left out. */
		if (cvm_measure_igvm(g_bytes_get_data(file, NULL), g_bytes_get_size(file), &po, &digests[n], NULL,
				     NULL))
			n++;
	}
	g_autofree gchar *json = cvm_measure_to_json(o, digests, n);
	printf("%s\n", json);
	return n > 0 ? CVMCTL_EXIT_OK : CVMCTL_EXIT_FAILURE;
}

int
cvmctl_igvm_measure(int argc, char **argv)
{
	g_auto(CvmctlMeasureArgs) a = { 0 };
	g_auto(CvmctlExplainArgs) x = { 0 };
	g_autoptr(GOptionContext) context = g_option_context_new("FILE");
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) diags = NULL;
	g_autofree gchar *data = NULL;
	gsize len = 0;
	CvmMeasureOptions o;
	CvmDigest d;

	g_option_context_set_summary(context, "Print the launch digest a QEMU/KVM launch of an IGVM file "
					      "reports (docs/measurement.md).");
	cvmctl_measure_add_entries(context, &a, TRUE);
	cvmctl_explain_add_entries(context, &x);
	if (!cvmctl_parse_options(context, &argc, &argv))
		return CVMCTL_EXIT_USAGE;
	if (argc != 2) {
		fprintf(stderr, "cvmctl: need one IGVM FILE\nTry '--help' for usage.\n");
		return CVMCTL_EXIT_USAGE;
	}
	if (!cvmctl_measure_args_to_options(&a, &o, &error))
		return cvmctl_error(error);
	if (!g_file_get_contents(argv[1], &data, &len, &error))
		return cvmctl_error(error);
	g_autoptr(GBytes) file = g_bytes_new_take(g_steal_pointer(&data), len);
	if (x.digest)
		return cvmctl_explain_run(&x, file, argv[1], TRUE, &o, a.json);
	if (a.json)
		return print_json(file, &o);
	if (!cvm_measure_igvm(g_bytes_get_data(file, NULL), len, &o, &d, &diags, &error)) {
		g_prefix_error(&error, "%s: ", argv[1]);
		return cvmctl_error(error);
	}
	g_autofree gchar *hex = cvm_digest_to_hex(&d);
	printf("%s\n", hex);
	for (gsize i = 0; diags && diags[i]; i++)
		fprintf(stderr, "cvmctl: %s\n", diags[i]);
	return diags && diags[0] && o.check_kvm ? CVMCTL_EXIT_CHECK_FAILED : CVMCTL_EXIT_OK;
}
