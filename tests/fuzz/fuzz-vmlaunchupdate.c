/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the etc/vmlaunchupdate file; a decoded file re-encodes
 * to the same bytes apart from the ignored padding word. */
#include <cvm/fwupdate-wire.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) again = NULL;
	CvmVmlaunchupdate v;
	const guint8 *b;

	if (!cvm_vmlaunchupdate_decode(data, size, &v, &error)) {
		if (error == NULL || error->message == NULL)
			__builtin_trap();
		return 0;
	}
	again = cvm_vmlaunchupdate_encode(&v);
	b = g_bytes_get_data(again, NULL);
	if (memcmp(b, data, 4) != 0 || memcmp(b + 8, data + 8, 48) != 0)
		__builtin_trap();
	(void)cvm_vmlaunchupdate_status_name(v.status);
	return 0;
}
