/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: cvm_igvm_builder_new_from_bytes() on arbitrary bytes,
 * then writing what it accepted (which must reproduce a well-formed file
 * whose import succeeds again). */
#include <cvm/igvm-builder.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GBytes) input = g_bytes_new(data, size);
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvmBuilder) builder = cvm_igvm_builder_new_from_bytes(input, &error);
	g_autoptr(CvmIgvmBuilder) again = NULL;
	g_autoptr(GBytes) file = NULL;

	if (builder == NULL) {
		if (error == NULL)
			__builtin_trap();
		return 0;
	}
	/* Imported headers are raw: write without the builder's checks. */
	cvm_igvm_builder_set_validate(builder, FALSE);
	file = cvm_igvm_builder_write_bytes(builder, &error);
	if (file == NULL)
		return 0; /* e.g. over 4 GiB; must come with an error */
	again = cvm_igvm_builder_new_from_bytes(file, &error);
	if (again == NULL)
		__builtin_trap();
	return 0;
}
