/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who may call what. The D-Bus policy file already limits mutating methods
 * to root and group cvm on the system bus; cvmd checks again itself so a
 * missing or loosened policy file does not open the daemon up. */
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>
#include "cvmd/cvmd.h"

/* Read-only methods of the core interfaces, callable by anyone. */
static const char *const manager_public[] = { "ListGuests", "GetGuest", "InspectIgvm",
					      "MeasureIgvm", NULL };

void
cvmd_caller_init(Cvmd *d)
{
	struct group *gr = getgrnam("cvm");

	d->cvm_gid = gr ? gr->gr_gid : (gid_t)-1;
}

gboolean
cvmd_caller_uid(Cvmd *d, GDBusMethodInvocation *inv, uid_t *uid, GError **error)
{
	const char *sender = g_dbus_method_invocation_get_sender(inv);
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GError) local = NULL;
	guint32 u;

	if (sender == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_PERMISSION_DENIED, "caller has no bus name");
		return FALSE;
	}
	reply = g_dbus_connection_call_sync(
		g_dbus_method_invocation_get_connection(inv), "org.freedesktop.DBus",
		"/org/freedesktop/DBus", "org.freedesktop.DBus", "GetConnectionUnixUser",
		g_variant_new("(s)", sender), G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, 2000,
		NULL, &local);
	if (reply == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_PERMISSION_DENIED,
			    "cannot identify caller %s: %s", sender, local->message);
		return FALSE;
	}
	g_variant_get(reply, "(u)", &u);
	*uid = u;
	return TRUE;
}

static gboolean
in_group(uid_t uid, gid_t gid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	gid_t groups[256];
	int n = G_N_ELEMENTS(groups);

	if (gid == (gid_t)-1 || getpwuid_r(uid, &pw, buf, sizeof buf, &res) != 0 || res == NULL)
		return FALSE;
	if (pw.pw_gid == gid)
		return TRUE;
	if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0)
		return FALSE; /* more than 256 groups: refuse rather than guess */
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return TRUE;
	return FALSE;
}

gboolean
cvmd_caller_privileged(Cvmd *d, GDBusMethodInvocation *inv, GError **error)
{
	uid_t uid;

	if (!cvmd_caller_uid(d, inv, &uid, error))
		return FALSE;
	if (uid == 0 || uid == getuid() || in_group(uid, d->cvm_gid))
		return TRUE;
	g_set_error(error, CVM_ERROR, CVM_ERROR_PERMISSION_DENIED,
		    "%s.%s needs root or group cvm (caller uid %u)",
		    g_dbus_method_invocation_get_interface_name(inv),
		    g_dbus_method_invocation_get_method_name(inv), (unsigned)uid);
	return FALSE;
}

static gboolean
in_list(const char *const *list, const char *method)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, method) == 0)
			return TRUE;
	return FALSE;
}

static gboolean
is_public(const char *iface, const char *method)
{
	const CvmdInterface *const *ifs = cvmd_interfaces();

	if (strcmp(iface, "org.cvm.Cvmd1.Manager") == 0)
		return in_list(manager_public, method);
	for (; *ifs != NULL; ifs++)
		if (strcmp((*ifs)->name, iface) == 0)
			return in_list((*ifs)->public_methods, method);
	return FALSE;
}

gboolean
cvmd_caller_authorize(GDBusInterfaceSkeleton *iface, GDBusMethodInvocation *inv, gpointer daemon)
{
	g_autoptr(GError) error = NULL;

	if (is_public(g_dbus_method_invocation_get_interface_name(inv),
		      g_dbus_method_invocation_get_method_name(inv)))
		return TRUE;
	if (cvmd_caller_privileged(daemon, inv, &error))
		return TRUE;
	cvmd_return_error(inv, error);
	return FALSE;
}
