/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Names on the bus: CvmError <-> D-Bus error names, guest object paths, bus connections. */
#include <string.h>
#include <cvm/bus.h>

/* Same order as CvmError: the table index is the code. */
static const GDBusErrorEntry entries[] = {
	{ CVM_ERROR_FAILED, CVM_BUS_ERROR_PREFIX "Failed" },
	{ CVM_ERROR_INVALID_ARGUMENT, CVM_BUS_ERROR_PREFIX "InvalidArgument" },
	{ CVM_ERROR_INVALID_DATA, CVM_BUS_ERROR_PREFIX "InvalidData" },
	{ CVM_ERROR_TRUNCATED, CVM_BUS_ERROR_PREFIX "Truncated" },
	{ CVM_ERROR_CHECKSUM, CVM_BUS_ERROR_PREFIX "Checksum" },
	{ CVM_ERROR_NOT_SUPPORTED, CVM_BUS_ERROR_PREFIX "NotSupported" },
	{ CVM_ERROR_NOT_FOUND, CVM_BUS_ERROR_PREFIX "NotFound" },
	{ CVM_ERROR_EXISTS, CVM_BUS_ERROR_PREFIX "Exists" },
	{ CVM_ERROR_IO, CVM_BUS_ERROR_PREFIX "IO" },
	{ CVM_ERROR_PERMISSION_DENIED, CVM_BUS_ERROR_PREFIX "PermissionDenied" },
	{ CVM_ERROR_TIMEOUT, CVM_BUS_ERROR_PREFIX "Timeout" },
	{ CVM_ERROR_CANCELLED, CVM_BUS_ERROR_PREFIX "Cancelled" },
	{ CVM_ERROR_BUSY, CVM_BUS_ERROR_PREFIX "Busy" },
	{ CVM_ERROR_LIBVIRT, CVM_BUS_ERROR_PREFIX "Libvirt" },
	{ CVM_ERROR_MEASUREMENT_MISMATCH, CVM_BUS_ERROR_PREFIX "MeasurementMismatch" },
	{ CVM_ERROR_POLICY_DENIED, CVM_BUS_ERROR_PREFIX "PolicyDenied" },
	{ CVM_ERROR_PROTOCOL, CVM_BUS_ERROR_PREFIX "Protocol" },
	{ CVM_ERROR_CRYPTO, CVM_BUS_ERROR_PREFIX "Crypto" },
	{ CVM_ERROR_STATE, CVM_BUS_ERROR_PREFIX "State" },
	{ CVM_ERROR_VALIDATION, CVM_BUS_ERROR_PREFIX "Validation" },
};

void
cvm_bus_errors_register(void)
{
	static gsize once = 0;

	if (g_once_init_enter(&once)) {
		for (gsize i = 0; i < G_N_ELEMENTS(entries); i++)
			g_dbus_error_register_error(CVM_ERROR, entries[i].error_code,
						    entries[i].dbus_error_name);
		g_once_init_leave(&once, 1);
	}
}

const char *
cvm_bus_error_name(CvmError code)
{
	if ((gsize)code >= G_N_ELEMENTS(entries))
		return entries[CVM_ERROR_FAILED].dbus_error_name;
	return entries[code].dbus_error_name;
}

gchar *
cvm_bus_guest_path(const char *name)
{
	g_autofree gchar *esc = g_dbus_escape_object_path(name);

	return g_strdup_printf(CVM_BUS_GUEST_PATH "/%s", esc);
}

GDBusConnection *
cvm_bus_connect(const char *bus, GError **error)
{
	g_autoptr(GError) local = NULL;
	GDBusConnection *conn;

	if (bus == NULL || strcmp(bus, "system") == 0)
		conn = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &local);
	else if (strcmp(bus, "session") == 0)
		conn = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &local);
	else
		conn = g_dbus_connection_new_for_address_sync(
			bus,
			G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
				G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
			NULL, NULL, &local);
	if (conn == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "cannot connect to the %s bus: %s",
			    bus ? bus : "system", local->message);
		return NULL;
	}
	return conn;
}
