/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Lifecycle notifications to cvmd. libvirtd waits for the hook, so this must
 * be quick and must not wait on cvmd (which may itself be waiting on
 * libvirtd): one method call sent with NO_REPLY_EXPECTED, no auto-start. */
#include <cvm/bus.h>
#include "hook/hook.h"

void
hook_notify(const char *name, const char *op)
{
	const char *addr = g_getenv("CVM_HOOK_BUS");
	g_autoptr(GDBusConnection) c = NULL;
	g_autoptr(GDBusMessage) msg = NULL;

	c = cvm_bus_connect(addr ? addr : "system", NULL);
	if (c == NULL)
		return; /* no bus, no cvmd: nothing to tell */
	msg = g_dbus_message_new_method_call(CVM_BUS_NAME, CVM_BUS_PATH, "org.cvm.Cvmd1.Manager",
					     "Reconcile");
	g_dbus_message_set_flags(msg, G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED |
					      G_DBUS_MESSAGE_FLAGS_NO_AUTO_START);
	g_dbus_connection_send_message(c, msg, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, NULL);
	g_dbus_connection_flush_sync(c, NULL, NULL);
}
