/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl igvm validate FILE [--for-qemu]: one line per problem; exit 0 when
 * none, 3 when some were found, 1 when the file cannot be read.
 *
 * Checked here: the file's structure (every header and file-data reference
 * inside the file), total_file_size and the CRC-32; with --for-qemu, what
 * upstream QEMU's IGVM loader refuses (spec section 11). The per-rule
 * validator of cvm/igvm.h (spec section 7, --strict hygiene rules) plugs in
 * here once it is on main. */
#include "cvmctl/igvm.h"
#include "cvmctl/igvm-file.h"

#include <cvm/error.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

static void
problem(guint *n, const char *path, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void
problem(guint *n, const char *path, const char *fmt, ...)
{
	g_autofree gchar *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	printf("%s: %s\n", path, msg);
	(*n)++;
}

static void
check_integrity(const CvmctlIgvmFile *f, const char *path, guint *n)
{
	gsize size;
	const guint8 *p = g_bytes_get_data(f->bytes, &size);
	gsize fixed = f->format_version == 2 ? sizeof(CvmIgvmFixedHeaderV2)
					     : sizeof(CvmIgvmFixedHeaderV1);
	guint8 copy[sizeof(CvmIgvmFixedHeaderV2)];
	uLong crc;

	if (f->total_file_size != size)
		problem(n, path, "byte 16: total_file_size %u, but the file has %zu bytes",
			f->total_file_size, size);
	memcpy(copy, p, fixed);
	memset(copy + offsetof(CvmIgvmFixedHeaderV1, checksum), 0, 4);
	crc = crc32(crc32(0L, Z_NULL, 0), copy, fixed);
	crc = crc32(crc, p + f->variable_header_offset, f->variable_header_size);
	if ((guint32)crc != f->checksum)
		problem(n, path, "byte 20: checksum 0x%08x, computed 0x%08x", f->checksum,
			(guint32)crc);
}

static gboolean
qemu_handles(guint32 type)
{
	switch (type) {
	case CVM_IGVM_VHT_SUPPORTED_PLATFORM:
	case CVM_IGVM_VHT_GUEST_POLICY:
	case CVM_IGVM_VHT_PAGE_DATA:
	case CVM_IGVM_VHT_VP_CONTEXT:
	case CVM_IGVM_VHT_PARAMETER_AREA:
	case CVM_IGVM_VHT_PARAMETER_INSERT:
	case CVM_IGVM_VHT_MEMORY_MAP:
	case CVM_IGVM_VHT_VP_COUNT_PARAMETER:
	case CVM_IGVM_VHT_ENVIRONMENT_INFO_PARAMETER:
	case CVM_IGVM_VHT_REQUIRED_MEMORY:
	case CVM_IGVM_VHT_SNP_ID_BLOCK:
	case CVM_IGVM_VHT_MADT: /* QEMU 11.0 and later */
		return TRUE;
	default:
		return FALSE;
	}
}

static void
check_for_qemu(const CvmctlIgvmFile *f, const char *path, guint *n)
{
	guint32 snp = cvmctl_igvm_platform_mask(f, CVM_IGVM_PLATFORM_SEV_SNP);
	guint32 usable = snp | cvmctl_igvm_platform_mask(f, CVM_IGVM_PLATFORM_NATIVE) |
			 cvmctl_igvm_platform_mask(f, CVM_IGVM_PLATFORM_SEV) |
			 cvmctl_igvm_platform_mask(f, CVM_IGVM_PLATFORM_SEV_ES);
	guint directives = 0;

	if (usable == 0)
		problem(n, path, "qemu: no NATIVE, SEV, SEV-ES or SEV-SNP platform; QEMU can load "
				 "none of the platforms in this file");
	for (guint i = 0; i < f->headers->len; i++) {
		const CvmctlIgvmHeader *h = &g_array_index(f->headers, CvmctlIgvmHeader, i);
		const char *name = cvmctl_igvm_type_name(h->type);
		CvmIgvmVpContext vp;

		if (h->type >= CVM_IGVM_VHT_DIRECTIVE_FIRST)
			directives++;
		if (!qemu_handles(h->type))
			problem(n, path, "header %u: qemu: %s (0x%x) aborts QEMU's loader "
					 "(\"Unknown header type\") whatever its platform", h->index,
				name ? name : "unknown type", h->type);
		if (h->type != CVM_IGVM_VHT_VP_CONTEXT || h->length < sizeof(vp))
			continue;
		memcpy(&vp, h->payload, sizeof(vp));
		if ((cvm_le32(vp.compatibility_mask) & snp) != 0 &&
		    cvm_le64(vp.gpa) != CVM_SNP_KVM_VMSA_GPA)
			problem(n, path, "header %u: qemu: SEV-SNP VMSA at 0x%" G_GINT64_MODIFIER
					 "x; QEMU/KVM require 0x%" G_GINT64_MODIFIER "x", h->index,
				cvm_le64(vp.gpa), (guint64)CVM_SNP_KVM_VMSA_GPA);
	}
	if (directives == 0)
		problem(n, path, "qemu: no directive; QEMU refuses a file without one");
}

int
cvmctl_igvm_validate(int argc, char **argv)
{
	gboolean for_qemu = FALSE;
	const GOptionEntry entries[] = {
		{ "for-qemu", 0, 0, G_OPTION_ARG_NONE, &for_qemu,
		  "Also flag what upstream QEMU's IGVM loader refuses", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) context = g_option_context_new("FILE");
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmctlIgvmFile) file = NULL;
	guint problems = 0;

	g_option_context_set_summary(context, "Check an IGVM file; one line per problem. "
					      "Exit 0 if none, 3 if problems were found.");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!cvmctl_parse_options(context, &argc, &argv))
		return CVMCTL_EXIT_USAGE;
	if (argc != 2) {
		fprintf(stderr, "cvmctl: need one FILE\nTry '--help' for usage.\n");
		return CVMCTL_EXIT_USAGE;
	}
	file = cvmctl_igvm_file_open(argv[1], &error);
	if (file == NULL && g_error_matches(error, CVM_ERROR, CVM_ERROR_IO))
		return cvmctl_fail(error, CVMCTL_EXIT_FAILURE);
	if (file == NULL) {
		printf("%s\n", error->message);
		return CVMCTL_EXIT_CHECK_FAILED;
	}
	check_integrity(file, argv[1], &problems);
	if (for_qemu)
		check_for_qemu(file, argv[1], &problems);
	return problems == 0 ? CVMCTL_EXIT_OK : CVMCTL_EXIT_CHECK_FAILED;
}
