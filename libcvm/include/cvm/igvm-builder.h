/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * IGVM writer. A CvmIgvmBuilder collects headers in the order they are added
 * (platform headers first, then initialization headers, then directives, each
 * section in insertion order; directive order is what a loader and a
 * measurement see) and serializes them:
 *
 *  - fixed header v1 (24 bytes) or v2 (32 bytes, architecture + page size 4096),
 *    variable header section right after it, every TLV padded to 8 bytes;
 *  - file data after the variable headers, blobs in order of first use,
 *    identical blobs stored once; page data and VP contexts are padded to
 *    4 KiB, parameter-area initial data to the area's size;
 *  - CRC-32 (zlib) over the fixed header with checksum 0 plus the variable
 *    header section.
 *
 * Compatibility masks are never assumed: cvm_igvm_builder_add_platform()
 * hands out (or accepts) one bit per platform and every later header takes an
 * OR of such masks.
 *
 * All multi-byte values passed in are host order; the builder writes them
 * little-endian. The raw wire structs accepted by some functions (ID block,
 * relocation regions, ...) are copied as they are: fill them little-endian.
 */
#pragma once

#include <cvm/igvm-defs.h>
#include <cvm/platform.h>
#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _CvmIgvmBuilder CvmIgvmBuilder;

/**
 * cvm_igvm_builder_new:
 * @format_version: 1 or 2
 *
 * Returns: (transfer full): an empty builder, or %NULL for an unknown version.
 */
CvmIgvmBuilder *cvm_igvm_builder_new(guint32 format_version);
void cvm_igvm_builder_free(CvmIgvmBuilder *builder);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmIgvmBuilder, cvm_igvm_builder_free)

guint32 cvm_igvm_builder_get_format_version(const CvmIgvmBuilder *builder);

/* Version 2 only: the architecture written in the fixed header (default X64). */
gboolean cvm_igvm_builder_set_architecture(CvmIgvmBuilder *builder, CvmIgvmArchitecture arch,
					   GError **error);

/**
 * cvm_igvm_builder_set_validate:
 * @validate: %FALSE to skip the validator when writing
 *
 * By default the write functions refuse to produce an invalid file: beyond
 * the per-call argument checks of the add functions, they check what spans
 * headers (a platform exists, platforms fit the architecture, each VP
 * context names exactly one declared platform), then run the validator of
 * cvm/igvm.h over the result and refuse it if any rule reports an error
 * (hygiene warnings pass). Tests that craft invalid files on purpose turn
 * that off; nothing else should.
 */
void cvm_igvm_builder_set_validate(CvmIgvmBuilder *builder, gboolean validate);

/* ---- Platform section ---------------------------------------------------- */

/**
 * cvm_igvm_builder_add_platform:
 * @type: the platform (not CVM_PLATFORM_AUTO)
 * @mask: the compatibility mask bit to give it, or 0 to take the lowest bit
 *   no other platform of this builder uses
 * @highest_vtl: 0 or 2
 * @shared_gpa_boundary: SNP vTOM / TDX shared bit GPA; 0 for none
 *
 * Returns: the platform's mask (exactly one bit), or 0 with @error set when
 * the type is already declared, the bit is taken or @mask is not one bit.
 */
guint32 cvm_igvm_builder_add_platform(CvmIgvmBuilder *builder, CvmPlatform type,
				      guint32 mask, guint8 highest_vtl, guint64 shared_gpa_boundary,
				      GError **error);

/* The mask of the declared platform @type, or 0 when it is not declared. */
guint32 cvm_igvm_builder_get_platform_mask(const CvmIgvmBuilder *builder,
					   CvmPlatform type);

/* ---- Initialization section ---------------------------------------------- */

/* GUEST_POLICY (0x101): @policy is the platform's policy word (SNP: CVM_SNP_POLICY_*). */
gboolean cvm_igvm_builder_add_guest_policy(CvmIgvmBuilder *builder, guint32 mask, guint64 policy,
					   GError **error);

/* RELOCATABLE_REGION (0x102) and PAGE_TABLE_RELOCATION_REGION (0x103), raw wire structs. */
gboolean cvm_igvm_builder_add_relocatable_region(CvmIgvmBuilder *builder,
						 const CvmIgvmRelocatableRegion *region,
						 GError **error);
gboolean cvm_igvm_builder_add_page_table_relocation(CvmIgvmBuilder *builder,
						    const CvmIgvmPageTableRelocation *region,
						    GError **error);

/* ---- Directives: memory ---------------------------------------------------- */

/**
 * cvm_igvm_builder_add_page_data:
 * @mask: platforms the pages apply to
 * @gpa: 4 KiB-aligned guest physical address of the first page
 * @flags: CVM_IGVM_PAGE_FLAG_UNMEASURED and/or CVM_IGVM_PAGE_FLAG_SHARED
 *   (2 MB pages are refused)
 * @data_type: NORMAL, SECRETS, CPUID_DATA or CPUID_XF
 * @data: 1 byte or more; split into consecutive 4 KiB PAGE_DATA directives,
 *   the last one zero-padded. Full pages are referenced, not copied.
 *
 * Returns: %FALSE with CVM_ERROR_INVALID_ARGUMENT on a bad argument.
 */
gboolean cvm_igvm_builder_add_page_data(CvmIgvmBuilder *builder, guint32 mask, guint64 gpa,
					guint32 flags, CvmIgvmPageDataType data_type, GBytes *data,
					GError **error);

/* Same, reading @length bytes at @offset of @path (mapped, not copied);
 * @length 0 means "to the end of the file". */
gboolean cvm_igvm_builder_add_page_data_from_file(CvmIgvmBuilder *builder, guint32 mask,
						  guint64 gpa, guint32 flags,
						  CvmIgvmPageDataType data_type, const char *path,
						  guint64 offset, guint64 length, GError **error);

/* @n_pages PAGE_DATA directives with no file data (file_offset 0): the loader
 * supplies zero pages. */
gboolean cvm_igvm_builder_add_zero_pages(CvmIgvmBuilder *builder, guint32 mask, guint64 gpa,
					 guint64 n_pages, guint32 flags,
					 CvmIgvmPageDataType data_type, GError **error);

/* REQUIRED_MEMORY (0x305); @flags: CVM_IGVM_REQUIRED_MEMORY_VTL2_PROTECTABLE. */
gboolean cvm_igvm_builder_add_required_memory(CvmIgvmBuilder *builder, guint32 mask, guint64 gpa,
					      guint32 number_of_bytes, guint32 flags,
					      GError **error);

/* ERROR_RANGE (0x30D). */
gboolean cvm_igvm_builder_add_error_range(CvmIgvmBuilder *builder, guint32 mask, guint64 gpa,
					  guint32 size_bytes, GError **error);

/* ---- Directives: parameters -------------------------------------------------- */

/**
 * cvm_igvm_builder_add_parameter_area:
 * @index: the area's index, unique in the file
 * @number_of_bytes: multiple of 4 KiB
 * @initial_data: (nullable): at most @number_of_bytes bytes, zero-padded to
 *   the area's size; %NULL for a zero-filled area (file_offset 0)
 */
gboolean cvm_igvm_builder_add_parameter_area(CvmIgvmBuilder *builder, guint32 index,
					     guint64 number_of_bytes, GBytes *initial_data,
					     GError **error);

/**
 * cvm_igvm_builder_add_parameter:
 * @type: one of the parameter directives: VP_COUNT_PARAMETER, SRAT, MADT,
 *   MMIO_RANGES, MEMORY_MAP, COMMAND_LINE, SLIT, PPTT, DEVICE_TREE,
 *   ENVIRONMENT_INFO_PARAMETER
 * @index: an area added before and not yet inserted
 * @byte_offset: where in the area the loader writes the value
 */
gboolean cvm_igvm_builder_add_parameter(CvmIgvmBuilder *builder, CvmIgvmHeaderType type,
					guint32 index, guint32 byte_offset, GError **error);

/* PARAMETER_INSERT (0x303): the area @index goes to @gpa (4 KiB aligned) for @mask. */
gboolean cvm_igvm_builder_add_parameter_insert(CvmIgvmBuilder *builder, guint32 mask,
					       guint64 gpa, guint32 index, GError **error);

/* ---- Directives: VP state and signatures ------------------------------------ */

/* VP_CONTEXT with the native x64 register state (NATIVE/SEV platforms; gpa 0).
 * @context fields are host order; the file gets them little-endian, then
 * zeros up to 4 KiB. */
gboolean cvm_igvm_builder_add_vp_context_native(CvmIgvmBuilder *builder, guint32 mask,
						guint16 vp_index,
						const CvmIgvmNativeVpContextX64 *context,
						GError **error);

/* VP_CONTEXT with an AMD VMSA page (SEV-ES/SEV-SNP): @vmsa is at most 4096
 * bytes in file byte order (see CVM_VMSA_* offsets); @gpa is where the VMSA
 * goes (QEMU/KVM want CVM_SNP_KVM_VMSA_GPA). */
gboolean cvm_igvm_builder_add_vp_context_vmsa(CvmIgvmBuilder *builder, guint32 mask, guint64 gpa,
					      guint16 vp_index, GBytes *vmsa, GError **error);

/* SNP_ID_BLOCK (0x30B), raw; its compatibility_mask field is replaced by @mask. */
gboolean cvm_igvm_builder_add_snp_id_block(CvmIgvmBuilder *builder, guint32 mask,
					   const CvmIgvmSnpIdBlock *id_block, GError **error);

/* VBS_MEASUREMENT (0x311), raw. */
gboolean cvm_igvm_builder_add_vbs_measurement(CvmIgvmBuilder *builder,
					      const CvmIgvmVbsMeasurement *measurement,
					      GError **error);

/**
 * cvm_igvm_builder_add_raw_header:
 * @type: header type, optionally with CVM_IGVM_VHT_OPTIONAL_BIT
 * @payload: the wire payload (little-endian), @length bytes
 * @file_data: (nullable): blob the header's file_offset field points at
 *   (PAGE_DATA, VP_CONTEXT, PARAMETER_AREA, CORIM_*), stored as given;
 *   %NULL writes file_offset 0
 *
 * Appends a header to the section its @type belongs to, without checking
 * its fields: the way to carry headers read from another file, or to craft
 * test files. Fails only for a type outside the three sections or a
 * @length the 32-bit length field cannot hold.
 */
gboolean cvm_igvm_builder_add_raw_header(CvmIgvmBuilder *builder, guint32 type,
					 const void *payload, gsize length, GBytes *file_data,
					 GError **error);

/**
 * cvm_igvm_builder_new_from_bytes:
 * @file: an IGVM file
 *
 * A builder holding every header of @file (raw, in file order) with the file
 * data each one references, and the file's format version and architecture.
 * Writing it again gives @file back byte for byte when @file came from this
 * writer (same section order, de-duplication and padding); other producers'
 * files come back with cvm's file-data layout. Only the structure needed to
 * copy the headers is checked (bounds, CRC); validation is the validator's.
 *
 * Returns: (transfer full): the builder, or %NULL with CVM_ERROR_INVALID_DATA
 * / CVM_ERROR_TRUNCATED / CVM_ERROR_CHECKSUM naming the byte offset.
 */
CvmIgvmBuilder *cvm_igvm_builder_new_from_bytes(GBytes *file, GError **error);

/* ---- Output ------------------------------------------------------------------ */

/* Number of headers added so far (all sections). */
guint cvm_igvm_builder_get_n_headers(const CvmIgvmBuilder *builder);

/**
 * cvm_igvm_builder_write_bytes:
 *
 * Serializes the file. Fails with CVM_ERROR_INVALID_ARGUMENT when the result
 * would not be a valid IGVM file (see cvm_igvm_builder_set_validate()) or
 * would pass 4 GiB. The builder can be written again.
 *
 * Returns: (transfer full): the file, or %NULL
 */
GBytes *cvm_igvm_builder_write_bytes(CvmIgvmBuilder *builder, GError **error);

/* Same, streamed to a temporary file next to @path that replaces @path only
 * when complete; page data is never gathered in memory. */
gboolean cvm_igvm_builder_write_file(CvmIgvmBuilder *builder, const char *path, GError **error);

G_END_DECLS
