/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: IGVM launch measurement (the directive walk in
 * measure/measure-ops.c and every platform's chain) on arbitrary bytes. */
#include <cvm/measure.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
		if (!cvm_measure_igvm(data, size, &o, &d, &diags, &error) && (error == NULL || error->message == NULL))
			__builtin_trap();
	}
	return 0;
}
