/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: struct vmfwupdate followed by its region array (count
 * taken from the struct); every decode must re-encode to the same bytes. */
#include <cvm/fwupdate-wire.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) again = NULL;
	g_autofree CvmVmfwupdateRegion *regions = NULL;
	CvmVmfwupdate v;

	if (!cvm_vmfwupdate_decode(data, size, &v, &error)) {
		if (error == NULL || error->message == NULL)
			__builtin_trap();
		return 0;
	}
	again = cvm_vmfwupdate_encode(&v);
	if (memcmp(g_bytes_get_data(again, NULL), data, 0x24) != 0)
		__builtin_trap();
	g_clear_pointer(&again, g_bytes_unref);
	if (!cvm_vmfwupdate_regions_decode(data + 0x28, size - 0x28, v.regions_count, &regions,
					   &error)) {
		if (error == NULL || error->message == NULL || regions != NULL)
			__builtin_trap();
		return 0;
	}
	again = cvm_vmfwupdate_regions_encode(regions, v.regions_count);
	if (memcmp(g_bytes_get_data(again, NULL), data + 0x28, g_bytes_get_size(again)) != 0)
		__builtin_trap();
	return 0;
}
