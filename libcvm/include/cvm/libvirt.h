/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Opening libvirt connections the way every cvm component needs them, and
 * libvirt's errors as GErrors. Part of the ground floor (libcvm/libvirt-conn.c):
 * launching, lifecycle, migration and the QEMU monitor all build on it.
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

G_BEGIN_DECLS

/**
 * cvm_libvirt_open:
 * @uri: a libvirt URI
 * @error: return location for a #GError
 *
 * Opens a read-write connection, with libvirt's default event loop
 * registered and run in a thread of its own the first time (the embedded
 * driver and domain events need one), and libvirt's error printing turned
 * off (errors come back as GErrors).
 *
 * Returns: (transfer full): the connection (cvm_libvirt_close() it), or %NULL
 * with CVM_ERROR_LIBVIRT.
 */
virConnectPtr cvm_libvirt_open(const char *uri, GError **error);

/**
 * cvm_libvirt_close:
 * @conn: (nullable): a connection from cvm_libvirt_open()
 *
 * Closes it; closing the last one stops the event-loop thread.
 */
void cvm_libvirt_close(virConnectPtr conn);

/**
 * cvm_libvirt_set_error:
 * @error: return location for a #GError
 * @fmt: what failed
 *
 * Sets CVM_ERROR_LIBVIRT with "@fmt: <libvirt's last error message>".
 */
void cvm_libvirt_set_error(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

G_END_DECLS
