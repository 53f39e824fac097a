/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: IGVM attest request decoder, claims parser, and the
 * encoder, which must reproduce the input except the reserved header words
 * and report_size: a request may declare more bytes than its data needs
 * (the decoder accepts that slack), the encoder writes the exact size. */
#include <cvm/attest-igvm.h>
#include <json-c/json.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) again = NULL;
	CvmIgvmAttestRequest r;
	json_object *claims;

	if (!cvm_igvm_attest_request_decode(data, size, &r, &error)) {
		if (error == NULL || error->message == NULL)
			__builtin_trap();
		return 0;
	}
	claims = cvm_igvm_attest_request_claims(&r, NULL);
	json_object_put(claims);
	again = cvm_igvm_attest_request_encode(&r, NULL);
	if (again == NULL || g_bytes_get_size(again) > size ||
	    memcmp(g_bytes_get_data(again, NULL), data, 8) != 0 ||
	    memcmp((const guint8 *)g_bytes_get_data(again, NULL) + 0xc, data + 0xc, 8) != 0 ||
	    memcmp((const guint8 *)g_bytes_get_data(again, NULL) + 0x20, data + 0x20,
		   g_bytes_get_size(again) - 0x20) != 0)
		__builtin_trap();
	cvm_igvm_attest_request_clear(&r);
	return 0;
}
