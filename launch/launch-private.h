/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the launch-*.c files. */
#pragma once

#include <cvm/igvm.h>
#include <cvm/launch.h>
#include <cvm/measure.h>
#include <cvm/native-load.h>
#include "launch/launch-internal.h"

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
	CvmPlatform platform;
	CvmLaunchStrategy strategy;
	CvmLaunchAccel accel; /* KVM or TCG */
	CvmLaunchMetadata md;
	guint64 snp_policy;
	gboolean has_id_block;
	gboolean id_author_key; /* id_auth holds the author key (AUTH_KEY_EN) */
	guint8 id_block[96];
	guint8 id_auth[4096];
	CvmNativePlan *native;
	CvmIgvm *igvm;       /* the file, kept for the policy check */
	gboolean has_digest; /* @digest is the expected launch measurement */
	CvmDigest digest;
	GPtrArray *warnings; /* gchar *, NULL-terminated */
	gchar *xml;
	GStrv svsm_args; /* QEMU options of the SVSM's devices (launch-svsm.c), or NULL */
};

gchar *cvmi_launch_version_string(gulong v);
gboolean cvmi_launch_choose_platform(const CvmIgvm *igvm, const CvmHostInfo *host, CvmPlatform wanted,
				     CvmPlatform *out, GError **error);
/* The accelerator for @wanted on @host (CVM_ERROR_NOT_SUPPORTED when KVM is
 * asked for without one, or TCG for a confidential @platform); for TCG,
 * @host is changed to offer no confidential platform. */
gboolean cvmi_launch_choose_accel(CvmLaunchAccel wanted, CvmPlatform platform, CvmHostInfo *host,
				  CvmLaunchAccel *out, GError **error);
/* Watches a just started KVM guest until it has printed on its serial log,
 * CVM_LAUNCH_KVM_WATCH_SECONDS have passed or it stopped: TRUE with @why
 * (naming QEMU's log and its line) when KVM could not run it. */
gboolean cvmi_launch_watch_kvm(virDomainPtr dom, const char *uri, const char *name, const char *serial_log,
			       gchar **why);

/* QEMU's option syntax doubles commas inside a value. */
gchar *cvmi_launch_qemu_escape(const char *value);
/* The QEMU options for the SVSM's devices of @spec (NULL when it has none)
 * on @host, launched as @platform with @strategy; CVM_ERROR_NOT_SUPPORTED
 * naming what @host's QEMU lacks, CVM_ERROR_INVALID_ARGUMENT for a bad
 * device (launch-svsm.c). */
gboolean cvmi_launch_svsm_args(const CvmGuestSpec *spec, const CvmHostInfo *host, CvmPlatform platform,
			       CvmLaunchStrategy strategy, GStrv *out, GError **error);

/* Builds plan->xml from the rest of the plan. */
gboolean cvmi_launch_build_xml(CvmLaunchPlan *plan, GError **error);
