/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Domain lifecycle for cvm guests through libvirt: define and start as one
 * step that leaves nothing behind when it fails, and graceful stop with a
 * bounded wait before destroying. See docs/launch.md.
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

G_BEGIN_DECLS

/**
 * cvm_lifecycle_define_start:
 * @conn: an open libvirt connection
 * @name: the domain name in @xml (checked for being free first)
 * @xml: the domain XML
 * @error: return location for a #GError
 *
 * Defines and starts the domain. When starting fails the definition is
 * removed again, so a failed launch leaves no half-defined domain.
 *
 * Returns: (transfer full): the running domain; %NULL with CVM_ERROR_EXISTS
 * when @name is taken, CVM_ERROR_LIBVIRT with libvirt's message otherwise.
 */
virDomainPtr cvm_lifecycle_define_start(virConnectPtr conn, const char *name, const char *xml, GError **error);

/**
 * cvm_lifecycle_stop:
 * @conn: an open libvirt connection
 * @name: the domain name
 * @timeout_ms: how long to wait for a graceful shutdown (ACPI) before
 *   destroying; 0 destroys at once (`--force`)
 * @error: return location for a #GError
 *
 * Returns: %TRUE when the domain is no longer running (a domain already shut
 * off counts); CVM_ERROR_NOT_FOUND for an unknown name.
 */
gboolean cvm_lifecycle_stop(virConnectPtr conn, const char *name, guint timeout_ms, GError **error);

G_END_DECLS
