/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper: native-translate FILE.igvm MEMORY_MIB VCPUS OUTDIR
 * Writes the cvm_native_plan_*() translation of FILE into OUTDIR and prints
 * the QEMU arguments that load it, one per line. */
#include <cvm/igvm.h>
#include <cvm/native-load.h>
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;

	if (argc != 5) {
		fprintf(stderr, "usage: %s FILE.igvm MEMORY_MIB VCPUS OUTDIR\n", argv[0]);
		return 2;
	}
	g_autoptr(CvmIgvm) igvm = cvm_igvm_open(argv[1], CVM_IGVM_NONE, &error);
	CvmNativeOptions opts = {g_ascii_strtoull(argv[2], NULL, 10) << 20, (guint)atoi(argv[3]), NULL};
	g_autoptr(CvmNativePlan) plan = igvm != NULL ? cvm_native_plan_new(igvm, &opts, &error) : NULL;
	if (plan == NULL || !cvm_native_plan_write(plan, argv[4], &error)) {
		fprintf(stderr, "native-translate: %s\n", error->message);
		return 1;
	}
	for (const char *const *w = cvm_native_plan_get_warnings(plan); *w != NULL; w++)
		fprintf(stderr, "warning: %s\n", *w);
	g_auto(GStrv) args = cvm_native_plan_qemu_args(plan, TRUE);
	for (guint i = 0; args[i] != NULL; i++)
		printf("%s\n", args[i]);
	return 0;
}
