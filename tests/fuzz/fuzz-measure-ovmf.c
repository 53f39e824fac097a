/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the OVMF footer table, SEV metadata and TDVF metadata
 * parsers behind cvm_measure_ovmf(). The input is zero-padded in front to a
 * whole number of pages, so its end (where the tables live) is kept. */
#include <cvm/measure.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gsize len = (size + 4095) / 4096 * 4096;
	g_autofree guint8 *fw = g_malloc0(MAX(len, 4096));

	if (size > 1 << 20)
		return 0;
	memcpy(fw + (len - size), data, size);
	for (int p = CVM_PLATFORM_SEV_SNP; p <= CVM_PLATFORM_TDX; p++) {
		g_autoptr(GError) error = NULL;
		CvmMeasureOptions o;
		CvmDigest d;

		cvm_measure_options_init(&o);
		o.platform = p;
		o.vcpus = 2;
		if (!cvm_measure_ovmf(fw, len, &o, &d, &error) && (error == NULL || error->message == NULL))
			__builtin_trap();
	}
	return 0;
}
