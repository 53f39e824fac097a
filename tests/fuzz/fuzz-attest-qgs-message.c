/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: QGS frame (length prefix + message); accepted messages
 * re-encode to the same bytes. */
#include <cvm/attest-tdx.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) again = NULL;
	CvmQgsMessage m;
	guint32 len;

	if (size < 4 || !cvm_qgs_frame_length(data, &len, NULL) || len > size - 4)
		return 0;
	if (!cvm_qgs_message_decode(data + 4, len, &m, &error)) {
		if (error == NULL || error->message == NULL)
			__builtin_trap();
		return 0;
	}
	again = cvm_qgs_message_encode(&m, NULL);
	if (again == NULL || g_bytes_get_size(again) != len + 4 ||
	    memcmp(g_bytes_get_data(again, NULL), data, len + 4) != 0)
		__builtin_trap();
	cvm_qgs_message_clear(&m);
	return 0;
}
