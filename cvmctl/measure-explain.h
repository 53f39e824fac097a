/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --explain HEX for "cvmctl measure" and "cvmctl igvm measure". */
#pragma once

#include "cvmctl/measure-args.h"

typedef struct {
	gchar *digest;
	gint max_vcpus;
} CvmctlExplainArgs;

void cvmctl_explain_add_entries(GOptionContext *context, CvmctlExplainArgs *args);
void cvmctl_explain_args_clear(CvmctlExplainArgs *args);
/* Searches the parameters that give args->digest for @file (an IGVM file with
 * @igvm, else an OVMF image at @path) starting from @given; prints matches or
 * the nearest candidates (JSON with @json). 0 on a match, 3 on none. */
int cvmctl_explain_run(const CvmctlExplainArgs *args, GBytes *file, const char *path, gboolean igvm,
		       const CvmMeasureOptions *given, gboolean json);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CvmctlExplainArgs, cvmctl_explain_args_clear)
