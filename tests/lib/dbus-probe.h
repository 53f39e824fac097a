/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the helpers that call every method of docs/dbus/org.cvm.Cvmd1.*.xml files on cvmd
 * (cvmd-access-probe, cvmd-hostile-probe). Each exits the program with a
 * message (prefixed by @prog) on failure: they are test helpers. */
#pragma once

#include <gio/gio.h>

/* A bus connection to @address, or exit(1). */
GDBusConnection *cvmt_probe_connect(const char *prog, const char *address);

/* What cvmd serves at @object, parsed, or exit(1). */
GDBusNodeInfo *cvmt_probe_introspect(const char *prog, GDBusConnection *bus, const char *object);

/* Calls @fn for every method of every interface in the introspection files
 * @xml (NULL-terminated), with the object it lives on: @manager_path when
 * @manager (as served) carries the interface, @guest_path otherwise. */
typedef void (*CvmtProbeMethodFn)(const char *object, const GDBusInterfaceInfo *iface, const GDBusMethodInfo *m,
				  gboolean on_guest, gpointer data);
void cvmt_probe_each_method(const char *prog, GDBusNodeInfo *manager, const char *manager_path,
			    const char *guest_path, char **xml, CvmtProbeMethodFn fn, gpointer data);
