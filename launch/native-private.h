/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared between native-load.c (directives -> placements) and native-plan.c
 * (placements -> ROM, blobs and files). */
#pragma once

#include <cvm/native-load.h>

/* One piece of guest memory the file asks for: @src NULL means zeros. */
typedef struct {
	guint64 gpa;
	guint64 len;
	const guint8 *src;
	guint header_index;
	guint32 header_offset;
} CvmiPlacement;

struct _CvmNativePlan {
	guint64 low_memory;
	guint64 high_memory;
	GArray *placements;   /* CvmiPlacement, file order, then sorted */
	GPtrArray *areas;     /* GByteArray *: parameter area contents (own the bytes placements point at) */
	GPtrArray *warnings;  /* gchar *, NULL-terminated */
	CvmNativeBlob *rom;
	GPtrArray *blobs;     /* CvmNativeBlob * */
};

/* Lays out the collected placements (sorts, checks, builds the ROM and the
 * blobs). */
gboolean cvmi_native_layout(CvmNativePlan *plan, GError **error);
void cvmi_native_blob_free(CvmNativeBlob *blob);
