/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Names shared by cvmd and its clients (cvmctl, the libvirt hook). The
 * interfaces themselves are the XML files in docs/dbus/; gdbus-codegen turns them into
 * cvm-dbus.h (CvmDbusManager, CvmDbusGuest, ...), compiled into cvmd only:
 * libcvm exports no generated symbol (libcvm/libcvm.map).
 */

#include <gio/gio.h>
#include <cvm/error.h>

G_BEGIN_DECLS

#define CVM_BUS_NAME        "org.cvm.Cvmd1"
#define CVM_BUS_PATH        "/org/cvm/Cvmd1"
#define CVM_BUS_GUEST_PATH  "/org/cvm/Cvmd1/guest"
#define CVM_BUS_ERROR_PREFIX "org.cvm.Cvmd1.Error."

/**
 * cvm_bus_errors_register:
 *
 * Maps every #CvmError code to a D-Bus error name
 * "org.cvm.Cvmd1.Error.<Name>" (InvalidArgument, NotFound, PermissionDenied,
 * ...; list in docs/dbus/README.md) in both directions, so a GError in the
 * CVM_ERROR domain crosses the bus unchanged. Idempotent, thread-safe.
 */
void cvm_bus_errors_register(void);

/**
 * cvm_bus_error_name:
 * @code: a #CvmError
 *
 * Returns: (transfer none): the D-Bus error name for @code.
 */
const char *cvm_bus_error_name(CvmError code);

/**
 * cvm_bus_guest_path:
 * @name: a valid guest name
 *
 * Returns: (transfer full): the object path of guest @name,
 * CVM_BUS_GUEST_PATH "/" + g_dbus_escape_object_path(@name).
 */
gchar *cvm_bus_guest_path(const char *name);

/**
 * cvm_bus_connect:
 * @bus: "system", "session" or a D-Bus address ("unix:path=...")
 * @error: return location for a #GError
 *
 * Returns: (transfer full): a connection to that bus (registered with the
 * bus daemon), or %NULL with CVM_ERROR_IO.
 */
GDBusConnection *cvm_bus_connect(const char *bus, GError **error);

G_END_DECLS
