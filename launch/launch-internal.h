/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What launch/ offers the rooms above it inside the library (fwupdate/,
 * migrate/): not installed, not exported (cvmi_ prefix). */
#pragma once

#include <cvm/launch.h>
#include <cvm/measure.h>
#include <cvm/guest-record.h>

/* The spec a guest was launched with, from its record (strings borrowed
 * from @rec; serial_log is the guest's own, igvm_path its current image). */
gboolean cvmi_launch_spec_from_record(const CvmGuestRecord *rec, CvmGuestSpec *spec, GError **error);
/* The firmware-update reset: destroys and undefines @rec->name's domain and
 * launches it again from @igvm_path with the settings in its record @rec,
 * whose image fields, UUID and state are updated (the caller writes it). */
gboolean cvmi_launch_relaunch(virConnectPtr conn, CvmState *state, CvmGuestRecord *rec, const char *igvm_path,
			      GError **error);
