/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * IGVM reader, validator and per-platform view (docs/igvm.md).
 *
 * A CvmIgvm is a read-only view of one IGVM file (format version 1 or 2). The
 * file is mapped, never copied: opening reads the fixed header and the
 * variable-header TLVs and builds a compact index (8 bytes per header); page
 * data, VP contexts, parameter-area data and CoRIM blobs are only touched
 * when a caller asks for them through cvm_igvm_get_file_data().
 *
 * Opening validates by default (every rule of docs/igvm.md, spec section 7):
 * the first error becomes a GError (CVM_ERROR_VALIDATION, or CVM_ERROR_CHECKSUM
 * for a CRC mismatch) naming the rule, the byte offset and the header index.
 * With CVM_IGVM_OPEN_NO_VALIDATE only what is needed to index the headers is
 * enforced, so broken files can be inspected; cvm_igvm_validate() then lists
 * every problem.
 */
#pragma once

#include <cvm/igvm-defs.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct _CvmIgvm CvmIgvm;

/**
 * CvmIgvmFlags:
 * @CVM_IGVM_NO_VALIDATE: open without running the validator (structural
 *   problems that prevent indexing, e.g. a TLV running past its section,
 *   still fail)
 * @CVM_IGVM_STRICT: hygiene warnings count as errors (`--strict`)
 * @CVM_IGVM_FOR_QEMU: also flag header types upstream QEMU refuses even for
 *   other platforms (spec section 11, `--for-qemu`); errors
 * @CVM_IGVM_CHECK_ID_BLOCK: also compute the SEV-SNP launch digest and
 *   compare it with the file's SNP_ID_BLOCK (rule id-block-digest; costs a
 *   full measurement, so opening a file never does it)
 */
typedef enum {
	CVM_IGVM_NONE = 0,
	CVM_IGVM_NO_VALIDATE = 1 << 0,
	CVM_IGVM_STRICT = 1 << 1,
	CVM_IGVM_FOR_QEMU = 1 << 2,
	CVM_IGVM_CHECK_ID_BLOCK = 1 << 3,
} CvmIgvmFlags;

typedef enum {
	CVM_IGVM_SECTION_PLATFORM = 0,
	CVM_IGVM_SECTION_INITIALIZATION = 1,
	CVM_IGVM_SECTION_DIRECTIVE = 2,
} CvmIgvmSection;

/**
 * CvmIgvmHeader:
 * @type: header type without CVM_IGVM_VHT_OPTIONAL_BIT
 * @optional: the optional bit was set
 * @section: section the type belongs to
 * @length: payload length from the TLV (may be wrong for the type if the
 *   file was opened with CVM_IGVM_NO_VALIDATE; typed accessors check it)
 * @payload_offset: file offset of the payload (after the 8-byte TLV prefix)
 * @payload: the packed payload inside the mapping (read with cvm_le*())
 * @index: header index (position among the indexed headers)
 *
 * Filled in by value; valid as long as the CvmIgvm lives.
 */
typedef struct {
	guint32 type;
	gboolean optional;
	CvmIgvmSection section;
	guint32 length;
	guint32 payload_offset;
	const void *payload;
	guint index;
} CvmIgvmHeader;

/* Open @path (mmap). @flags: CvmIgvmFlags. */
CvmIgvm *cvm_igvm_open(const char *path, guint flags, GError **error);
/* Parse @bytes (a reference is kept, nothing is copied). */
CvmIgvm *cvm_igvm_new_from_bytes(GBytes *bytes, guint flags, GError **error);
void cvm_igvm_free(CvmIgvm *igvm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmIgvm, cvm_igvm_free)

guint32 cvm_igvm_get_format_version(const CvmIgvm *igvm);
/* CVM_IGVM_ARCH_X64 for version 1 files. */
CvmIgvmArchitecture cvm_igvm_get_architecture(const CvmIgvm *igvm);
/* 4096 for version 1 files. */
guint32 cvm_igvm_get_page_size(const CvmIgvm *igvm);
/* The whole file as mapped. */
const guint8 *cvm_igvm_get_data(const CvmIgvm *igvm, gsize *size);
/* First byte after the variable headers: where file data starts. */
guint32 cvm_igvm_get_file_data_offset(const CvmIgvm *igvm);
/* Unknown optional headers that were skipped (not indexed). */
guint cvm_igvm_get_n_skipped_headers(const CvmIgvm *igvm);

guint cvm_igvm_get_n_headers(const CvmIgvm *igvm);
/* FALSE if @index is out of range. */
gboolean cvm_igvm_get_header(const CvmIgvm *igvm, guint index, CvmIgvmHeader *out);
/* Payload size the spec gives @type, 0 for unknown types. */
gsize cvm_igvm_header_type_size(guint32 type);
/* Name like "PAGE_DATA", or NULL for unknown types. */
const char *cvm_igvm_header_type_name(guint32 type);
/* Compatibility mask of a header; FALSE for types without one (PARAMETER_AREA
 * and the parameter types 0x307-0x313) or a payload of the wrong length. */
gboolean cvm_igvm_header_get_mask(const CvmIgvmHeader *h, guint32 *mask);

/* Typed views: NULL unless @h has that type and the exact payload length. */
const CvmIgvmSupportedPlatform *cvm_igvm_header_platform(const CvmIgvmHeader *h);
const CvmIgvmGuestPolicy *cvm_igvm_header_guest_policy(const CvmIgvmHeader *h);
const CvmIgvmRelocatableRegion *cvm_igvm_header_relocatable_region(const CvmIgvmHeader *h);
const CvmIgvmPageTableRelocation *cvm_igvm_header_page_table_relocation(const CvmIgvmHeader *h);
/* CORIM_DOCUMENT or CORIM_SIGNATURE. */
const CvmIgvmCorimData *cvm_igvm_header_corim(const CvmIgvmHeader *h);
const CvmIgvmCcaPolicy *cvm_igvm_header_cca_policy(const CvmIgvmHeader *h);
const CvmIgvmParameterArea *cvm_igvm_header_parameter_area(const CvmIgvmHeader *h);
const CvmIgvmPageData *cvm_igvm_header_page_data(const CvmIgvmHeader *h);
const CvmIgvmParameterInsert *cvm_igvm_header_parameter_insert(const CvmIgvmHeader *h);
/* Any of the 8-byte parameter types 0x307-0x310, 0x312, 0x313. */
const CvmIgvmParameter *cvm_igvm_header_parameter(const CvmIgvmHeader *h);
const CvmIgvmVpContext *cvm_igvm_header_vp_context(const CvmIgvmHeader *h);
const CvmIgvmRequiredMemory *cvm_igvm_header_required_memory(const CvmIgvmHeader *h);
const CvmIgvmErrorRange *cvm_igvm_header_error_range(const CvmIgvmHeader *h);
const CvmIgvmSnpIdBlock *cvm_igvm_header_snp_id_block(const CvmIgvmHeader *h);
const CvmIgvmVbsMeasurement *cvm_igvm_header_vbs_measurement(const CvmIgvmHeader *h);
gboolean cvm_igvm_type_is_parameter(guint32 type);

/* Zero-copy, bounds-checked access to @len bytes of file data at
 * @file_offset: the range must lie after the variable headers and inside
 * the file (overflow-safe). @len 0 yields a valid pointer. */
gboolean cvm_igvm_get_file_data(const CvmIgvm *igvm, guint64 file_offset, guint64 len,
				const guint8 **data, GError **error);

/* Platforms: the SUPPORTED_PLATFORM headers in file order (transfer none,
 * array of const CvmIgvmSupportedPlatform *). */
GPtrArray *cvm_igvm_get_platforms(const CvmIgvm *igvm);
/* The platform header of @type, or NULL (always for CVM_PLATFORM_AUTO). */
const CvmIgvmSupportedPlatform *cvm_igvm_find_platform(const CvmIgvm *igvm, CvmPlatform type);
/* Mask of the platform of @type, 0 if the file has none. */
guint32 cvm_igvm_platform_mask(const CvmIgvm *igvm, CvmPlatform type);


/**
 * CvmIgvmPlatformIter:
 *
 * Walks the headers that apply to one platform as a loader would: the
 * SUPPORTED_PLATFORM and initialization headers whose mask intersects, the
 * directives whose mask intersects, PARAMETER_AREA and parameter headers
 * (0x307-0x313, which carry no mask) when the area is inserted by a
 * PARAMETER_INSERT whose mask intersects. Stack-allocated, no cleanup.
 */
typedef struct {
	const CvmIgvm *igvm;
	guint32 mask;
	guint next;
} CvmIgvmPlatformIter;

void cvm_igvm_platform_iter_init(CvmIgvmPlatformIter *iter, const CvmIgvm *igvm, guint32 mask);
/* Selects by platform type; FALSE (with @error) if the file has no such platform. */
gboolean cvm_igvm_platform_iter_init_type(CvmIgvmPlatformIter *iter, const CvmIgvm *igvm,
					  CvmPlatform type, GError **error);
gboolean cvm_igvm_platform_iter_next(CvmIgvmPlatformIter *iter, CvmIgvmHeader *out);

/* Validator. One code per rule; see the table in docs/igvm.md. */
typedef enum {
	CVM_IGVM_RULE_FIXED_HEADER_SHORT = 1,
	CVM_IGVM_RULE_MAGIC,
	CVM_IGVM_RULE_FORMAT_VERSION,
	CVM_IGVM_RULE_ARCHITECTURE,
	CVM_IGVM_RULE_PAGE_SIZE,
	CVM_IGVM_RULE_TOTAL_FILE_SIZE,
	CVM_IGVM_RULE_VH_OFFSET,
	CVM_IGVM_RULE_VH_RANGE,
	CVM_IGVM_RULE_NO_FILE_DATA,
	CVM_IGVM_RULE_CHECKSUM,
	CVM_IGVM_RULE_TLV_TRUNCATED,
	CVM_IGVM_RULE_UNKNOWN_TYPE,
	CVM_IGVM_RULE_SECTION_ORDER,
	CVM_IGVM_RULE_PAYLOAD_LENGTH,
	CVM_IGVM_RULE_NO_PLATFORM,
	CVM_IGVM_RULE_PLATFORM_MASK,
	CVM_IGVM_RULE_PLATFORM_VTL,
	CVM_IGVM_RULE_PLATFORM_VERSION,
	CVM_IGVM_RULE_PLATFORM_TYPE,
	CVM_IGVM_RULE_PLATFORM_SHARED_GPA,
	CVM_IGVM_RULE_PLATFORM_DUPLICATE,
	CVM_IGVM_RULE_PLATFORM_ARCH,
	CVM_IGVM_RULE_PLATFORM_MASK_SHARED,
	CVM_IGVM_RULE_RESERVED_NONZERO,
	CVM_IGVM_RULE_VTL_INVALID,
	CVM_IGVM_RULE_RELOC_ALIGNMENT,
	CVM_IGVM_RULE_RELOC_OVERLAP,
	CVM_IGVM_RULE_RELOC_NO_VP_CONTEXT,
	CVM_IGVM_RULE_PT_RELOC_ALIGNMENT,
	CVM_IGVM_RULE_PT_RELOC_USED_SIZE,
	CVM_IGVM_RULE_PT_RELOC_DUPLICATE,
	CVM_IGVM_RULE_CCA_POLICY_CONFLICT,
	CVM_IGVM_RULE_CCA_POLICY_MASK,
	CVM_IGVM_RULE_CORIM_DUPLICATE,
	CVM_IGVM_RULE_CORIM_SIGNATURE_ORDER,
	CVM_IGVM_RULE_FILE_OFFSET,
	CVM_IGVM_RULE_PAGE_GPA_ALIGN,
	CVM_IGVM_RULE_PAGE_DATA_TYPE,
	CVM_IGVM_RULE_PAGE_2MB,
	CVM_IGVM_RULE_PARAM_AREA_SIZE,
	CVM_IGVM_RULE_PARAM_AREA_DUPLICATE,
	CVM_IGVM_RULE_PARAM_AREA_UNKNOWN,
	CVM_IGVM_RULE_PARAM_BYTE_OFFSET,
	CVM_IGVM_RULE_PARAM_INSERT_GPA_ALIGN,
	CVM_IGVM_RULE_PARAM_INSERT_IN_PT_REGION,
	CVM_IGVM_RULE_REQUIRED_MEMORY_ALIGN,
	CVM_IGVM_RULE_ERROR_RANGE_ALIGN,
	CVM_IGVM_RULE_VP_CONTEXT_MASK,
	CVM_IGVM_RULE_VP_CONTEXT_GPA,
	CVM_IGVM_RULE_VP_CONTEXT_VSM,
	CVM_IGVM_RULE_VP_CONTEXT_PLATFORM,
	CVM_IGVM_RULE_VP_CONTEXT_NATIVE_TAIL,
	/* hygiene (warnings unless CVM_IGVM_STRICT) */
	CVM_IGVM_RULE_PADDING_NONZERO,
	CVM_IGVM_RULE_MASK_UNDECLARED,
	CVM_IGVM_RULE_PAGE_OVERLAP,
	/* CVM_IGVM_FOR_QEMU */
	CVM_IGVM_RULE_QEMU_UNSUPPORTED,
	/* hygiene, added later (values above stay stable) */
	CVM_IGVM_RULE_PAGE_FLAGS_RESERVED,
	CVM_IGVM_RULE_ID_BLOCK_DIGEST, /* CVM_IGVM_CHECK_ID_BLOCK */
	CVM_IGVM_RULE_LAST_,
} CvmIgvmRule;

typedef enum {
	CVM_IGVM_SEVERITY_WARNING,
	CVM_IGVM_SEVERITY_ERROR,
} CvmIgvmSeverity;

/**
 * CvmIgvmProblem:
 * @rule: which rule
 * @severity: after CVM_IGVM_STRICT was applied
 * @header_index: index of the header (cvm_igvm_get_header), -1 if none
 * @offset: file byte offset of the offending field or structure
 * @message: human-readable text
 */
typedef struct {
	CvmIgvmRule rule;
	CvmIgvmSeverity severity;
	gint header_index;
	guint64 offset;
	gchar *message;
} CvmIgvmProblem;

void cvm_igvm_problem_free(CvmIgvmProblem *problem);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmIgvmProblem, cvm_igvm_problem_free)
/* Short stable name of a rule, e.g. "page-gpa-align". */
const char *cvm_igvm_rule_name(CvmIgvmRule rule);
/* "error page-gpa-align at offset 0x88 (header 3): ..." */
gchar *cvm_igvm_problem_to_string(const CvmIgvmProblem *problem);

/* Runs every rule; returns the problems in file order (element-free set,
 * never NULL): the first 256 and, when there are more, one entry (header
 * index -1) counting the rest, an error if any of them is one.
 * @flags: CVM_IGVM_STRICT, CVM_IGVM_FOR_QEMU, CVM_IGVM_CHECK_ID_BLOCK. */
GPtrArray *cvm_igvm_validate(const CvmIgvm *igvm, guint flags);
/* Number of CVM_IGVM_SEVERITY_ERROR entries in @problems. */
guint cvm_igvm_problems_count_errors(GPtrArray *problems);

G_END_DECLS
