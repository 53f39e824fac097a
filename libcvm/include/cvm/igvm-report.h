/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The report of an IGVM file: what `cvmctl igvm inspect` prints and cvmd's
 * Manager.InspectIgvm returns (docs/igvm.md, "Inspecting a file"), and the
 * per-header lines `cvmctl igvm diff` compares. One model, so every front end
 * shows the same content.
 *
 * A report is built from a parsed file and borrows it: the CvmIgvm must
 * outlive the report. Files opened with CVM_IGVM_NO_VALIDATE can be reported
 * (that is how inspect shows broken files); the report itself refuses a
 * header whose payload is not the size of its type, and file data outside
 * the file, so nothing it reads is out of bounds.
 */
#pragma once

#include <cvm/igvm.h>
#include <glib.h>
#include <json-c/json.h>

G_BEGIN_DECLS

typedef struct _CvmIgvmReport CvmIgvmReport;

/**
 * CvmIgvmReportHeader:
 * @header: the reader's view of the header (payload size checked)
 * @data: the file data the header points at (PAGE_DATA, VP_CONTEXT,
 *   PARAMETER_AREA, CORIM_*), or NULL when it has none
 * @data_length: bytes at @data
 */
typedef struct {
	CvmIgvmHeader header;
	const guint8 *data;
	gsize data_length;
} CvmIgvmReportHeader;

/**
 * CvmIgvmReportFile:
 * The fixed header's fields, host byte order.
 */
typedef struct {
	guint32 format_version;
	guint32 architecture; /* CvmIgvmArchitecture */
	guint32 page_size;
	guint32 variable_header_offset;
	guint32 variable_header_size;
	guint32 total_file_size;
	guint32 checksum;
} CvmIgvmReportFile;

/**
 * cvm_igvm_report_new:
 * @igvm: the parsed file, borrowed for the report's lifetime
 * @name: (nullable): what the file is called in messages and in the text
 *   (a path); NULL for "IGVM file"
 * @error: CVM_ERROR_INVALID_DATA for a header whose payload is not its
 *   type's size, or an error of cvm_igvm_get_file_data(); prefixed with
 *   @name and naming the header index and byte offset
 *
 * Returns: (transfer full): the report, or NULL with @error set.
 */
CvmIgvmReport *cvm_igvm_report_new(const CvmIgvm *igvm, const char *name, GError **error);
void cvm_igvm_report_free(CvmIgvmReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmIgvmReport, cvm_igvm_report_free)

/* The fixed header of the report's file. */
const CvmIgvmReportFile *cvm_igvm_report_get_file(const CvmIgvmReport *report);
/* The headers in file order. */
guint cvm_igvm_report_get_n_headers(const CvmIgvmReport *report);
/* Header @index (< cvm_igvm_report_get_n_headers()), valid while @report lives. */
const CvmIgvmReportHeader *cvm_igvm_report_get_header(const CvmIgvmReport *report, guint index);

/**
 * cvm_igvm_report_platform_filter:
 * @report: a report
 * @platform: a platform name: "native", "vsm", "sev-snp", "tdx", "sev",
 *   "sev-es" or "cca" (any case)
 * @filter: (out): the compatibility mask the file gives that platform
 * @error: CVM_ERROR_INVALID_ARGUMENT for an unknown name,
 *   CVM_ERROR_NOT_FOUND when the file declares no such platform
 *
 * The filter that restricts cvm_igvm_report_to_json() and
 * cvm_igvm_report_to_text() to what applies to @platform.
 */
gboolean cvm_igvm_report_platform_filter(const CvmIgvmReport *report, const char *platform,
					 guint32 *filter, GError **error);

/**
 * cvm_igvm_report_to_json:
 * @report: a report
 * @filter: compatibility mask; only headers whose mask intersects it (or
 *   that carry none) are shown; 0 shows everything
 *
 * The report as one JSON object: file (fixed header, page size, header
 * count), platforms, policies (bits named), header-types and
 * directive-counts (header type name -> count), memory (coalesced GPA
 * ranges), vp-contexts, parameter-areas (with their parameters and
 * inserts), snp-id-blocks. Keys are listed in docs/igvm.md.
 *
 * Returns: (transfer full): the object.
 */
json_object *cvm_igvm_report_to_json(const CvmIgvmReport *report, guint32 filter);

/**
 * cvm_igvm_report_to_text:
 * @report: a report
 * @filter: as for cvm_igvm_report_to_json()
 *
 * The same content as cvm_igvm_report_to_json(), rendered from it as the
 * lines `cvmctl igvm inspect` prints (its first line names the file).
 *
 * Returns: (transfer full): the text, newline-terminated lines.
 */
gchar *cvm_igvm_report_to_text(const CvmIgvmReport *report, guint32 filter);

/**
 * cvm_igvm_report_header_line:
 * @report: a report
 * @h: one of its headers
 *
 * One line describing @h for a reviewer: type, mask as platform names and
 * the fields that matter, with file data as a short SHA-256 rather than an
 * offset (offsets move when anything before them changes), so two files'
 * lines compare equal when their content is.
 *
 * Returns: (transfer full): the line, without a newline.
 */
gchar *cvm_igvm_report_header_line(const CvmIgvmReport *report, const CvmIgvmReportHeader *h);

G_END_DECLS
