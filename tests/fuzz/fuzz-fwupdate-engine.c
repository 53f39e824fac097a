/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the firmware-update engine on hostile guests. The input
 * is the request (the first 56 bytes: a vm-launch-update file; the first 0x28
 * also read as a struct vmfwupdate) followed by the contents of 1 MiB of
 * simulated guest RAM. Every plan must come back (never NULL), and a REPLACE
 * plan must carry a valid image. The RAM is made once and only the bytes the
 * previous input wrote are zeroed again (a memfd per input halved the rate). */
#include <cvm/fwupdate.h>
#include <cvm/igvm.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM (1u << 20)
#define REQ 56

static void
check(CvmFwupdatePlan *plan)
{
	if (plan == NULL || cvm_fwupdate_plan_get_message(plan) == NULL)
		__builtin_trap();
	if (cvm_fwupdate_plan_get_action(plan) == CVM_FWUPDATE_ACTION_REPLACE) {
		g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(cvm_fwupdate_plan_get_image(plan), CVM_IGVM_NONE, NULL);
		if (igvm == NULL)
			__builtin_trap();
	}
	g_autofree gchar *json = cvm_fwupdate_plan_to_json(plan);
	cvm_fwupdate_plan_free(plan);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static CvmGuestMemory *mem;
	static gsize dirty;
	CvmFwupdateGuest guest = {.platform = CVM_PLATFORM_NATIVE, .vcpus = 1, .launched_with_igvm = TRUE,
				  .max_image = RAM};
	gsize req = MIN(size, REQ), fill = size > REQ ? MIN(size - REQ, RAM) : 0;

	if (mem == NULL && (mem = cvm_guest_memory_new_memfd(RAM, 0, NULL)) == NULL)
		__builtin_trap();
	if (dirty > fill) {
		g_autofree guint8 *zeros = g_malloc0(dirty - fill);
		cvm_guest_memory_write(mem, fill, zeros, dirty - fill, NULL);
	}
	if (fill != 0)
		cvm_guest_memory_write(mem, 0, data + REQ, fill, NULL);
	dirty = fill;
	check(cvm_fwupdate_plan_vmlaunchupdate(&guest, data, req, mem));
	check(cvm_fwupdate_plan_vmfwupdate(&guest, data, req, mem));
	guest.platform = CVM_PLATFORM_SEV_SNP;
	check(cvm_fwupdate_plan_vmfwupdate(&guest, data, req, mem));
	return 0;
}
