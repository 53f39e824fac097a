/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the launch-*.c files. */
#pragma once

#include <cvm/igvm.h>
#include <cvm/launch.h>
#include <cvm/measure.h>
#include <cvm/native-load.h>

struct _CvmLaunchPlan {
	gchar *name;
	guint64 memory_bytes;
	guint vcpus;
	gchar *disk;
	gchar *network;
	gchar *guest_dir;
	gchar *serial_log;
	gchar *firmware_dir; /* native translation output, inside guest_dir */
	CvmHostInfo host;
	CvmLaunchPlatform platform;
	CvmLaunchStrategy strategy;
	CvmLaunchMetadata md;
	guint64 snp_policy;
	gboolean has_id_block;
	guint8 id_block[96];
	guint8 id_auth[4096];
	CvmNativePlan *native;
	CvmIgvm *igvm;       /* the file, kept for the policy check */
	gboolean has_digest; /* @digest is the expected launch measurement */
	CvmDigest digest;
	GPtrArray *warnings; /* gchar *, NULL-terminated */
	gchar *xml;
};

CvmIgvmPlatformType cvmi_launch_igvm_platform(CvmLaunchPlatform p);
/* The measurement a platform's launch digest is computed with (SEV-SNP for
 * native, which has none of its own). */
CvmMeasurePlatform cvmi_launch_measure_platform(CvmLaunchPlatform p);
gchar *cvmi_launch_version_string(gulong v);
gboolean cvmi_launch_choose_platform(const CvmIgvm *igvm, const CvmHostInfo *host, CvmLaunchPlatform wanted,
				     CvmLaunchPlatform *out, GError **error);
/* The firmware-update reset: destroys and undefines @name's domain and
 * launches it again from @igvm_path with the settings in its record @rec,
 * whose image fields, UUID and state are updated (the caller writes it). */
struct json_object;
/* The spec a guest was launched with, from its record (strings borrowed
 * from @rec; serial_log is the guest's own, igvm_path its current image). */
gboolean cvmi_launch_spec_from_record(struct json_object *rec, const char *name, CvmGuestSpec *spec, GError **error);
gboolean cvmi_launch_relaunch(virConnectPtr conn, CvmState *state, const char *name, struct json_object *rec,
			      const char *igvm_path, GError **error);

/* Builds plan->xml from the rest of the plan. */
gboolean cvmi_launch_build_xml(CvmLaunchPlan *plan, GError **error);
