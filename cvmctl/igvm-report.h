/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cvmctl/igvm-file.h"

/* The inspection of @file as JSON: file, platforms, policies (bits named),
 * directive_counts, memory (coalesced GPA ranges), vp_contexts,
 * parameter_areas (with their parameters and inserts), snp_id_blocks.
 * Only headers whose mask intersects @filter (all when 0). */
json_object *cvmctl_igvm_report(const CvmctlIgvmFile *file, guint32 filter);
