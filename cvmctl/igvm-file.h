/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the cvmctl igvm commands show of a file: its headers in file order
 * with their payload and file data, taken from the libcvm reader
 * (cvmctl/igvm-file.c), plus naming and decoding helpers
 * (cvmctl/igvm-describe.c) shared by inspect and diff. */
#pragma once

#include <cvm/igvm-defs.h>
#include <cvm/igvm.h>
#include <json-c/json.h>

typedef struct {
	guint index;     /* position in the variable header section */
	guint32 type;    /* without CVM_IGVM_VHT_OPTIONAL_BIT */
	gboolean optional;
	const guint8 *payload;
	gsize length;
	const guint8 *data; /* file data the header points at, or NULL */
	gsize data_length;
} CvmctlIgvmHeader;

typedef struct _CvmIgvm CvmIgvm;

typedef struct {
	CvmIgvm *igvm;  /* the reader's view; @bytes and the pointers below point into it */
	GBytes *bytes;
	guint32 format_version;
	guint32 architecture;
	guint32 variable_header_offset;
	guint32 variable_header_size;
	guint32 total_file_size;
	guint32 checksum;
	GArray *headers; /* CvmctlIgvmHeader */
} CvmctlIgvmFile;

/* Open and parse @path with the libcvm reader. */
CvmctlIgvmFile *cvmctl_igvm_file_open(const char *path, GError **error);
void cvmctl_igvm_file_free(CvmctlIgvmFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmctlIgvmFile, cvmctl_igvm_file_free)

/* The compatibility mask of @h, and whether it has one. */
gboolean cvmctl_igvm_header_mask(const CvmctlIgvmHeader *h, guint32 *mask);
/* The mask of platform @type declared in @file, 0 if none. */
guint32 cvmctl_igvm_platform_mask(const CvmctlIgvmFile *file, CvmPlatform type);

/* Names: "sev-snp", "normal"; NULL when unknown (header types:
 * cvm_igvm_header_type_name()). The platform's is that of the wire
 * platform_type @type. */
const char *cvmctl_igvm_platform_name(guint type);
const char *cvmctl_igvm_page_type_name(guint type);
/* Platform names of the platforms in @mask, "sev-snp,native". */
gchar *cvmctl_igvm_mask_names(const CvmctlIgvmFile *file, guint32 mask);
/* Policy bits decoded for the platform type owning @mask, as a JSON array
 * of names ("smt", "abi_major=1", ...). */
json_object *cvmctl_igvm_policy_bits(const CvmctlIgvmFile *file, guint32 mask, guint64 policy);

/* One coalesced run of PAGE_DATA: contiguous GPAs with the same mask,
 * flags, data type and data/no-data. */
typedef struct {
	guint64 gpa;
	guint64 n_pages;
	guint32 mask;
	guint32 flags;
	guint16 data_type;
	gboolean has_data;
} CvmctlIgvmRange;
/* PAGE_DATA of @file whose mask intersects @filter (all when 0), sorted by
 * GPA and coalesced. */
GArray *cvmctl_igvm_page_ranges(const CvmctlIgvmFile *file, guint32 filter);

/* One line describing @h for a reviewer: type, mask as platform names and
 * the fields that matter, with file data as a short SHA-256 rather than an
 * offset (offsets move when anything before them changes). */
gchar *cvmctl_igvm_header_line(const CvmctlIgvmFile *file, const CvmctlIgvmHeader *h);
