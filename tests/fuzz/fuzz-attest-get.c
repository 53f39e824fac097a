/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: GET IGVM_ATTEST request and response decoders; accepted
 * messages re-encode byte-exact. */
#include <cvm/attest-get.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree CvmGetIgvmAttestRequest *req = g_new0(CvmGetIgvmAttestRequest, 1);
	g_autoptr(GBytes) again = NULL;
	g_autoptr(GError) error = NULL;
	guint32 length;

	if (cvm_get_igvm_attest_response_decode(data, size, &length, NULL)) {
		again = cvm_get_igvm_attest_response_encode(length);
		if (memcmp(g_bytes_get_data(again, NULL), data, 8) != 0)
			__builtin_trap();
		return 0;
	}
	if (!cvm_get_igvm_attest_request_decode(data, size, req, &error)) {
		if (error == NULL || error->message == NULL)
			__builtin_trap();
		return 0;
	}
	again = cvm_get_igvm_attest_request_encode(req, NULL);
	if (again == NULL || memcmp(g_bytes_get_data(again, NULL), data, size) != 0)
		__builtin_trap();
	return 0;
}
