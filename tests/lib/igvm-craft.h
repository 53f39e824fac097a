/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test-only IGVM file crafting: raw TLVs with a correct CRC, including files
 * the real builder refuses to write (for validator tests and fuzz seeds). */
#pragma once

#include <cvm/igvm-defs.h>
#include <glib.h>

typedef struct CvmtIgvmCraft CvmtIgvmCraft;

/* @data_base: file offset where file data starts (>= the end of the
 * variable headers; the gap is zero-filled file data). */
CvmtIgvmCraft *cvmt_craft_new(guint32 version, guint32 arch, guint32 data_base);
void cvmt_craft_free(CvmtIgvmCraft *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmtIgvmCraft, cvmt_craft_free)

/* One TLV with @len payload bytes, zero-padded to 8. */
void cvmt_craft_tlv(CvmtIgvmCraft *c, guint32 type, const void *payload, gsize len);
/* Appends raw bytes to the variable-header section (broken TLVs). */
void cvmt_craft_raw(CvmtIgvmCraft *c, const void *bytes, gsize len);
/* Appends file data; returns its absolute file offset. */
guint32 cvmt_craft_data(CvmtIgvmCraft *c, const void *data, gsize len);
/* Convenience headers. */
void cvmt_craft_platform(CvmtIgvmCraft *c, guint32 mask, CvmPlatform type);
void cvmt_craft_page(CvmtIgvmCraft *c, guint64 gpa, guint32 mask, guint32 file_offset);
/* The file (g_free it). */
guint8 *cvmt_craft_finish(CvmtIgvmCraft *c, gsize *len);
GBytes *cvmt_craft_finish_bytes(CvmtIgvmCraft *c);
/* Recomputes the checksum after a test edited the fixed or variable headers. */
void cvmt_igvm_fix_crc(guint8 *buf, gsize len);
/* A parameter header (0x307-0x313). */
void cvmt_craft_param(CvmtIgvmCraft *c, guint32 type, guint32 area_index, guint32 byte_offset);
