/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: IGVM launch measurement (the directive walk in
 * measure/measure-ops.c and every platform's chain) on arbitrary bytes.
 * cvm_measure_igvm() is the parse below and then cvm_measure_igvm_parsed():
 * parsing once for the four platforms reaches the same code and spends
 * the executions on the measurement rather than on three more parses. */
#include <cvm/measure.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GBytes) bytes = g_bytes_new_static(data, size);
	g_autoptr(GError) parse_error = NULL;
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(bytes, CVM_IGVM_NONE, &parse_error);

	if (igvm == NULL) {
		if (parse_error == NULL || parse_error->message == NULL)
			__builtin_trap();
		return 0;
	}
	for (int p = CVM_PLATFORM_SEV_SNP; p <= CVM_PLATFORM_TDX; p++) {
		g_autoptr(GError) error = NULL;
		g_auto(GStrv) diags = NULL;
		CvmMeasureOptions o;
		CvmDigest d;

		cvm_measure_options_init(&o);
		o.platform = p;
		o.jobs = 2;
		o.vcpus = 2;
		o.check_kvm = TRUE;
		if (!cvm_measure_igvm_parsed(igvm, &o, &d, &diags, &error) &&
		    (error == NULL || error->message == NULL))
			__builtin_trap();
	}
	return 0;
}
