/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the IGVM manifest parser, then the writer on whatever it
 * accepted. File references are refused (CVM_IGVM_MANIFEST_NO_FILES) so
 * inputs cannot reach the host's files. */
#include <cvm/igvm-manifest.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvmBuilder) builder = NULL;
	g_autoptr(GBytes) file = NULL;

	builder = cvm_igvm_manifest_parse((const char *)data, size, "/nonexistent", 0,
					  CVM_IGVM_MANIFEST_NO_FILES, &error);
	if (builder == NULL) {
		/* Every refusal must come with a message. */
		if (error == NULL || error->message == NULL)
			__builtin_trap();
		return 0;
	}
	file = cvm_igvm_builder_write_bytes(builder, &error);
	if (file == NULL && error == NULL)
		__builtin_trap();
	return 0;
}
