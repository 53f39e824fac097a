/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CVM_ERROR domain, its stable code names, and cvm_version(). */
#include <cvm/error.h>

#include "libcvm/libcvm-internal.h"

G_DEFINE_QUARK(cvm-error-quark, cvm_error)

static const char *const error_names[] = {
	[CVM_ERROR_FAILED] = "failed",
	[CVM_ERROR_INVALID_ARGUMENT] = "invalid-argument",
	[CVM_ERROR_INVALID_DATA] = "invalid-data",
	[CVM_ERROR_TRUNCATED] = "truncated",
	[CVM_ERROR_CHECKSUM] = "checksum",
	[CVM_ERROR_NOT_SUPPORTED] = "not-supported",
	[CVM_ERROR_NOT_FOUND] = "not-found",
	[CVM_ERROR_EXISTS] = "exists",
	[CVM_ERROR_IO] = "io",
	[CVM_ERROR_PERMISSION_DENIED] = "permission-denied",
	[CVM_ERROR_TIMEOUT] = "timeout",
	[CVM_ERROR_CANCELLED] = "cancelled",
	[CVM_ERROR_BUSY] = "busy",
	[CVM_ERROR_LIBVIRT] = "libvirt",
	[CVM_ERROR_MEASUREMENT_MISMATCH] = "measurement-mismatch",
	[CVM_ERROR_POLICY_DENIED] = "policy-denied",
	[CVM_ERROR_PROTOCOL] = "protocol",
	[CVM_ERROR_CRYPTO] = "crypto",
	[CVM_ERROR_STATE] = "state",
	[CVM_ERROR_VALIDATION] = "validation",
};

const char *
cvm_error_to_string(CvmError code)
{
	if ((guint)code >= G_N_ELEMENTS(error_names) || error_names[code] == NULL)
		return "unknown";
	return error_names[code];
}

void
cvmi_file_error(GError **error, const GError *local)
{
	CvmError code = CVM_ERROR_IO;

	if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
		code = CVM_ERROR_NOT_FOUND;
	else if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_ACCES) ||
		 g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_PERM))
		code = CVM_ERROR_PERMISSION_DENIED;
	g_set_error_literal(error, CVM_ERROR, code, local->message);
}

const char *
cvm_version(void)
{
	return CVM_VERSION;
}
