/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LaunchGuest: validates the spec here, launches through libcvm. */
#include <sys/stat.h>
#include <glib/gstdio.h>
#include "cvmd/cvmd.h"

static gboolean
spec_error(GError **error, const char *msg)
{
	g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "launch spec: %s", msg);
	return FALSE;
}

/* Checks the keys every launch needs; the launch library checks the rest. */
static gboolean
validate_spec(GVariant *spec, const char **name, GError **error)
{
	const char *igvm = NULL;
	GStatBuf st;

	if (!g_variant_lookup(spec, "name", "&s", name))
		return spec_error(error, "\"name\" (s) is required");
	if (!cvm_name_is_valid(*name))
		return spec_error(error, "\"name\" must match [A-Za-z0-9_.-]{1,64}");
	if (!g_variant_lookup(spec, "igvm", "&s", &igvm))
		return spec_error(error, "\"igvm\" (s, absolute path) is required");
	if (!g_path_is_absolute(igvm) || g_stat(igvm, &st) < 0 || !S_ISREG(st.st_mode))
		return spec_error(error, "\"igvm\" must be an absolute path to a regular file");
	return TRUE;
}

static gboolean
on_launch(CvmDbusManager *m, GDBusMethodInvocation *inv, GVariant *spec, gpointer data)
{
	g_autoptr(GError) error = NULL;
	const char *name = NULL;

	if (!validate_spec(spec, &name, &error)) {
		cvmd_return_error(inv, error);
		return TRUE;
	}
	if (cvmd_guest_lookup(data, name) != NULL) {
		g_set_error(&error, CVM_ERROR, CVM_ERROR_EXISTS, "guest %s exists", name);
		cvmd_return_error(inv, error);
		return TRUE;
	}
	g_set_error(&error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED,
		    "this cvmd was built without the launch library");
	cvmd_return_error(inv, error);
	return TRUE;
}

void
cvmd_launch_connect(Cvmd *d)
{
	g_signal_connect(d->manager, "handle-launch-guest", G_CALLBACK(on_launch), d);
}
