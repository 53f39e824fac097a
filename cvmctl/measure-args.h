/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Options shared by "cvmctl measure" and "cvmctl igvm measure/sign". */
#pragma once

#include "cvmctl/cvmctl.h"

#include <cvm/measure.h>

typedef struct {
	gchar *platform;
	gint vcpus;
	gchar *vcpu_type;
	gchar *vcpu_sig;
	gchar *vmm;
	gchar *features;
	gchar *kernel;
	gchar *initrd;
	gchar *append;
	gint jobs;
	gboolean json;
	gboolean trace;
	/* OVMF flow */
	gchar *svsm;
	gint64 vars_size;
	gchar *ovmf_hash;
	gboolean two_pass;
	gchar *ap_eip;
	/* IGVM files */
	gboolean native_zero;
	gboolean one_page_param;
	gboolean bsp_only;
	gboolean check_kvm;
	/* Set before cvmctl_measure_add_entries() by a command that prints no
	 * structured data: it then has no --json. */
	gboolean no_json;
} CvmctlMeasureArgs;

/* Adds the options common to every measurement (platform, vCPUs, ...) and, with
 * @igvm, the IGVM-file conventions, else the OVMF-flow ones. */
void cvmctl_measure_add_entries(GOptionContext *context, CvmctlMeasureArgs *args, gboolean igvm);
void cvmctl_measure_args_clear(CvmctlMeasureArgs *args);
gboolean cvmctl_measure_args_to_options(const CvmctlMeasureArgs *args, CvmMeasureOptions *opts, GError **error);
/* The --trace callback: "gpa type contents-hash digest-after" per page. */
void cvmctl_measure_trace_line(guint64 gpa, const char *type, const guint8 *contents, gsize contents_len,
			       const guint8 *digest, gsize digest_len, gpointer user_data);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CvmctlMeasureArgs, cvmctl_measure_args_clear)
