/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the native translation (cvm/native-load.h) of arbitrary
 * bytes opened without validation, for a small and a large guest: every
 * failure must be a GError, every success a ROM ending at 4 GiB and blobs
 * inside the guest's RAM. */
#include <cvm/igvm.h>
#include <cvm/native-load.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const CvmIgvm *igvm, guint64 memory)
{
	g_autoptr(GError) error = NULL;
	CvmNativeOptions opts = {memory, 4, "x"};
	g_autoptr(CvmNativePlan) plan = cvm_native_plan_new(igvm, &opts, &error);

	if (plan == NULL) {
		if (error == NULL)
			__builtin_trap();
		return;
	}
	const CvmNativeBlob *rom = cvm_native_plan_get_rom(plan);
	if (rom->gpa + g_bytes_get_size(rom->data) != G_GUINT64_CONSTANT(0x100000000) ||
	    g_bytes_get_size(rom->data) % 65536 != 0)
		__builtin_trap();
	GPtrArray *blobs = cvm_native_plan_get_blobs(plan);
	for (guint i = 0; i < blobs->len; i++) {
		const CvmNativeBlob *b = g_ptr_array_index(blobs, i);
		guint64 end = b->gpa + g_bytes_get_size(b->data);
		if (end <= b->gpa || (b->gpa < 0x100000000 && end > cvm_native_plan_get_low_memory(plan)) ||
		    end > 0x100000000 + memory)
			__builtin_trap();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GBytes) bytes = g_bytes_new_static(data, size);
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(bytes, CVM_IGVM_NO_VALIDATE, NULL);

	if (igvm == NULL)
		return 0;
	check(igvm, G_GUINT64_CONSTANT(64) << 20);
	check(igvm, G_GUINT64_CONSTANT(4096) << 20);
	return 0;
}
