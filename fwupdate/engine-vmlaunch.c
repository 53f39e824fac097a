/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A vm-launch-update request (etc/vmlaunchupdate), handled in the order of
 * QEMU's launch_update_write (docs/fwupdate.md): the guest's bytes decide
 * nothing before they are checked, and the image is read from guest memory
 * only within guest RAM and the size limit. */
#include "fwupdate/fwupdate-private.h"

#include <cvm/error.h>

/* Within guest RAM, overflow-safe; size 0 with address 0 means "none". */
static gboolean
in_ram(CvmGuestMemory *mem, guint64 addr, guint64 size)
{
	return (addr == 0 && size == 0) || (size != 0 && cvm_guest_memory_contains(mem, addr, size));
}

CvmFwupdatePlan *
cvm_fwupdate_plan_vmlaunchupdate(const CvmFwupdateGuest *guest, const guint8 *file, gsize len, CvmGuestMemory *mem)
{
	CvmFwupdatePlan *plan = cvmi_fwupdate_plan_new(guest);
	g_autoptr(GError) error = NULL;
	CvmVmlaunchupdate req;

	if (guest->disabled)
		return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_SUCCESS,
					    "interface disabled by the guest: request ignored");
	if (!cvm_vmlaunchupdate_decode(file, len, &req, &error))
		return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, "%s", error->message);
	if (req.control & CVM_VMLAUNCHUPDATE_CTL_DISABLE) {
		/* QEMU returns here: the image fields are not looked at. */
		cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_SUCCESS, "interface disabled until a host restore");
		plan->locks = TRUE;
		return plan;
	}
	if (req.fw_image_addr == 0 && req.fw_image_size == 0) {
		if (!(req.control & CVM_VMLAUNCHUPDATE_CTL_HOST_IGVM))
			return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_SUCCESS, "no image given");
		plan->action = CVM_FWUPDATE_ACTION_RESTORE_HOST;
		g_free(plan->message);
		plan->message = g_strdup("restore the host's image at the next reset");
		return plan;
	}
	if (!(req.control & CVM_VMLAUNCHUPDATE_FORMAT_IGVM))
		return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, "FORMAT_IGVM is not set");
	if (!guest->launched_with_igvm)
		return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_NOT_IGVM_INIT,
					    "the guest was not started from an IGVM file");
	if (!in_ram(mem, req.opaque_addr, req.opaque_size))
		return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL,
					    "opaque region 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER
					    "x is not inside guest RAM", req.opaque_addr, req.opaque_size);
	cvmi_fwupdate_read_image(plan, guest, mem, "fw_image_size", req.fw_image_addr, req.fw_image_size);
	if (plan->action == CVM_FWUPDATE_ACTION_REPLACE) {
		plan->one_reset = (req.control & CVM_VMLAUNCHUPDATE_CTL_HOST_IGVM) != 0;
		plan->opaque_addr = req.opaque_addr;
		plan->opaque_size = req.opaque_size;
		plan->cleared = "fw_image_addr and fw_image_size; at the reset all guest RAM but the opaque range";
	}
	return plan;
}
