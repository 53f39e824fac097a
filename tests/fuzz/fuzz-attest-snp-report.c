/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: SNP report decoder; accepted reports re-encode byte-exact. */
#include <cvm/attest-snp.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) again = NULL;
	CvmSnpReport r;

	if (!cvm_snp_report_decode(data, size, &r, &error)) {
		if (error == NULL || error->message == NULL)
			__builtin_trap();
		return 0;
	}
	again = cvm_snp_report_encode(&r);
	if (g_bytes_get_size(again) != size || memcmp(g_bytes_get_data(again, NULL), data, size) != 0)
		__builtin_trap();
	return 0;
}
