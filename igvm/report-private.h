/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the files of the IGVM report (cvm/igvm-report.h): report.c
 * (headers and file data), report-names.c (names and decoding),
 * report-json.c, report-text.c and report-header-line.c. */
#pragma once

#include <cvm/igvm-defs.h>
#include <cvm/igvm-report.h>

struct _CvmIgvmReport {
	const CvmIgvm *igvm;
	gchar *name;
	CvmIgvmReportFile file;
	GArray *headers; /* CvmIgvmReportHeader */
};

/* The compatibility mask of @h, and whether it has one. */
gboolean cvmi_igvm_report_header_mask(const CvmIgvmReportHeader *h, guint32 *mask);
/* Whether @h is shown under @filter (0: all). */
gboolean cvmi_igvm_report_applies(const CvmIgvmReportHeader *h, guint32 filter);

/* Platform name of an IGVM platform type ("sev-snp"), NULL when unknown. */
const char *cvmi_igvm_report_platform_name(guint type);
/* Page data type name ("normal", "secrets", ...), NULL when unknown. */
const char *cvmi_igvm_report_page_type_name(guint type);
/* Platform names of the platforms in @mask, "sev-snp,native"; bits no
 * platform declares as "undeclared:0x..". */
gchar *cvmi_igvm_report_mask_names(const CvmIgvmReport *r, guint32 mask);
/* Policy bits decoded for the platform type owning @mask, as a JSON array
 * of names ("smt", "abi_major=1", ...). */
json_object *cvmi_igvm_report_policy_bits(const CvmIgvmReport *r, guint32 mask, guint64 policy);

/* One coalesced run of PAGE_DATA: contiguous GPAs with the same mask,
 * flags, data type and data/no-data. */
typedef struct {
	guint64 gpa;
	guint64 n_pages;
	guint32 mask;
	guint32 flags;
	guint16 data_type;
	gboolean has_data;
} CvmiIgvmRange;
/* PAGE_DATA whose mask intersects @filter (all when 0), sorted by GPA and
 * coalesced. */
GArray *cvmi_igvm_report_page_ranges(const CvmIgvmReport *r, guint32 filter);
