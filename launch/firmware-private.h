/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the firmware-*.c files. */
#pragma once

#include <cvm/firmware.h>
#include <cvm/igvm.h>

/* The launch platforms @igvm declares that a descriptor can name, in the
 * schema's feature order, native last. */
GStrv cvmi_firmware_igvm_platforms(const CvmIgvm *igvm);
/* Reads @e->path into @e (masked, error or the descriptor's fields, and
 * the platforms cvm can launch from it). */
void cvmi_firmware_entry_read(CvmFirmwareEntry *e);
