/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which cvmd a command talks to, or none: --bus (the command's or cvmctl's),
 * else $CVM_BUS, else the system bus, then the session bus, then in-process.
 * The choice is silent because either way the command does the same thing;
 * -v says which one was taken. */
#include "cvmctl/cvmctl.h"

#include <cvm/state.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static gchar *global_bus;
static gboolean verbose;

void
cvmctl_set_bus(const char *bus)
{
	g_free(global_bus);
	global_bus = g_strdup(bus);
}

void
cvmctl_set_verbose(gboolean on)
{
	verbose = on;
}

gboolean
cvmctl_verbose(void)
{
	return verbose;
}

void
cvmctl_note(const char *format, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, format);
	fputs("cvmctl: ", stderr);
	vfprintf(stderr, format, ap);
	fputc('\n', stderr);
	va_end(ap);
}

const char *
cvmctl_bus_choice(const char *bus)
{
	const char *env = g_getenv("CVM_BUS");

	if (bus != NULL && *bus != '\0')
		return bus;
	if (global_bus != NULL)
		return global_bus;
	return env != NULL && *env != '\0' ? env : NULL;
}

/* Only a session bus that is already there: without an address GLib would
 * try to autolaunch one (dbus-launch), which a CLI must not do. */
static gboolean
session_bus_exists(void)
{
	g_autofree gchar *sock = NULL;
	const char *addr = g_getenv("DBUS_SESSION_BUS_ADDRESS");

	if (addr != NULL && *addr != '\0')
		return TRUE;
	sock = g_build_filename(g_get_user_runtime_dir(), "bus", NULL);
	return g_file_test(sock, G_FILE_TEST_EXISTS);
}

CvmClient *
cvmctl_connect(const char *bus, const char **used, GError **error)
{
	g_autoptr(GError) system_error = NULL;
	const char *choice = cvmctl_bus_choice(bus);
	CvmClient *c;

	if (choice != NULL) {
		if (used != NULL)
			*used = choice;
		return cvm_client_connect(choice, error);
	}
	c = cvm_client_connect("system", &system_error);
	if (c != NULL || !session_bus_exists()) {
		if (used != NULL)
			*used = "system";
		if (c == NULL)
			g_propagate_error(error, g_steal_pointer(&system_error));
		return c;
	}
	if (used != NULL)
		*used = "session";
	c = cvm_client_connect("session", error);
	if (c == NULL)
		g_prefix_error(error, "%s; ", system_error->message);
	return c;
}

gchar *
cvmctl_state_dir(const char *bus)
{
	const char *choice = cvmctl_bus_choice(bus);

	/* With no bus named, in-process stands in for the cvmd this user
	 * would run: the system one for root, else cvmd --session. */
	if (choice == NULL)
		return cvm_state_default_dir(geteuid() == 0);
	return cvm_state_default_dir(g_strcmp0(choice, "session") != 0);
}
