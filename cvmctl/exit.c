/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one place that turns a failure into cvmctl's exit code (the table in
 * docs/cvmctl.md): commands pass their GError here instead of choosing a
 * code, so the same error exits alike whichever command met it and whether
 * it came from cvmd or from libcvm in-process. */
#include "cvmctl/cvmctl.h"

#include <cvm/error.h>
#include <gio/gio.h>
#include <stdio.h>

static int
from_cvm_error(int code)
{
	switch (code) {
	case CVM_ERROR_INVALID_ARGUMENT:
		return CVMCTL_EXIT_USAGE;
	/* Input that breaks the format's rules (VALIDATION, INVALID_DATA,
	 * ...) is a failure to read it, 1; 3 is a check that read its input
	 * and found it is not what was expected. */
	case CVM_ERROR_MEASUREMENT_MISMATCH:
	case CVM_ERROR_CRYPTO:
		return CVMCTL_EXIT_CHECK_FAILED;
	case CVM_ERROR_NOT_FOUND:
	case CVM_ERROR_NOT_SUPPORTED:
		return CVMCTL_EXIT_UNAVAILABLE;
	case CVM_ERROR_PERMISSION_DENIED:
	case CVM_ERROR_POLICY_DENIED:
		return CVMCTL_EXIT_DENIED;
	default:
		return CVMCTL_EXIT_FAILURE;
	}
}

static int
from_file_error(int code)
{
	switch (code) {
	case G_FILE_ERROR_NOENT:
		return CVMCTL_EXIT_UNAVAILABLE;
	case G_FILE_ERROR_ACCES:
	case G_FILE_ERROR_PERM:
		return CVMCTL_EXIT_DENIED;
	default:
		return CVMCTL_EXIT_FAILURE;
	}
}

static int
from_io_error(int code)
{
	switch (code) {
	case G_IO_ERROR_NOT_FOUND:
	case G_IO_ERROR_NOT_SUPPORTED:
		return CVMCTL_EXIT_UNAVAILABLE;
	case G_IO_ERROR_PERMISSION_DENIED:
		return CVMCTL_EXIT_DENIED;
	case G_IO_ERROR_INVALID_ARGUMENT:
		return CVMCTL_EXIT_USAGE;
	default:
		return CVMCTL_EXIT_FAILURE;
	}
}

/* D-Bus errors that did not map to CVM_ERROR: the bus's own, about cvmd
 * not being there or the caller not being let in. */
static int
from_dbus_error(int code)
{
	switch (code) {
	case G_DBUS_ERROR_SERVICE_UNKNOWN:
	case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
	case G_DBUS_ERROR_NO_SERVER:
	case G_DBUS_ERROR_FILE_NOT_FOUND:
	case G_DBUS_ERROR_UNKNOWN_OBJECT:
		return CVMCTL_EXIT_UNAVAILABLE;
	case G_DBUS_ERROR_ACCESS_DENIED:
	case G_DBUS_ERROR_AUTH_FAILED:
		return CVMCTL_EXIT_DENIED;
	case G_DBUS_ERROR_INVALID_ARGS:
		return CVMCTL_EXIT_USAGE;
	default:
		return CVMCTL_EXIT_FAILURE;
	}
}

int
cvmctl_exit_code(const GError *error)
{
	if (error == NULL)
		return CVMCTL_EXIT_FAILURE;
	if (error->domain == CVM_ERROR)
		return from_cvm_error(error->code);
	if (error->domain == G_FILE_ERROR)
		return from_file_error(error->code);
	if (error->domain == G_IO_ERROR)
		return from_io_error(error->code);
	if (error->domain == G_DBUS_ERROR)
		return from_dbus_error(error->code);
	if (error->domain == G_OPTION_ERROR)
		return CVMCTL_EXIT_USAGE;
	return CVMCTL_EXIT_FAILURE;
}

int
cvmctl_error(const GError *error)
{
	fprintf(stderr, "cvmctl: %s\n", error != NULL ? error->message : "failed");
	return cvmctl_exit_code(error);
}
