/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: IGVM attest response decoder; whatever decodes must
 * re-encode to the same first data_size bytes. */
#include <cvm/attest-igvm.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) again = NULL;
	CvmIgvmAttestResponse r;
	gsize len;

	if (!cvm_igvm_attest_response_decode(data, size, &r, &error)) {
		if (error == NULL || error->message == NULL)
			__builtin_trap();
		return 0;
	}
	again = cvm_igvm_attest_response_encode(&r, &error);
	/* Reserved v2 bytes are not kept, so compare only the fields we keep. */
	if (again == NULL || g_bytes_get_size(again) > size)
		__builtin_trap();
	len = g_bytes_get_size(again);
	if (memcmp(g_bytes_get_data(again, NULL), data, r.version == 2 ? 20 : len) != 0)
		__builtin_trap();
	cvm_igvm_attest_response_clear(&r);
	return 0;
}
