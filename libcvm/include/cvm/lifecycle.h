/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Domain lifecycle for cvm guests through libvirt: define and start as one
 * step that leaves nothing behind when it fails, and graceful stop with a
 * bounded wait before destroying. See docs/launch.md.
 */
#pragma once

#include <glib.h>
#include <cvm/guest-record.h>
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

/**
 * cvm_lifecycle_lookup:
 * @conn: an open libvirt connection
 * @name: the guest's name
 * @uuid: (nullable): the UUID in the guest's record, which is its identity
 * @error: return location for a #GError
 *
 * The guest's domain, found by its UUID. A domain that merely has the name
 * (defined behind cvm's back after the guest's own went away) is never
 * returned, so it is never started, stopped or destroyed in the guest's
 * place. cvmd and the in-process path both act through this.
 *
 * Returns: (transfer full): the domain; %NULL with CVM_ERROR_STATE when
 * another domain now holds @name (the message names both UUIDs),
 * CVM_ERROR_NOT_FOUND when no domain has @uuid or @uuid is empty,
 * CVM_ERROR_LIBVIRT when libvirt could not be asked.
 */
virDomainPtr cvm_lifecycle_lookup(virConnectPtr conn, const char *name, const char *uuid, GError **error);

/**
 * cvm_lifecycle_action:
 * @dom: the guest's domain (cvm_lifecycle_lookup())
 * @action: "start", "stop" (ACPI shutdown, no wait), "destroy", "reboot"
 *   (ask the guest: ACPI, no wait) or "reset" (at once, the reset button)
 * @error: return location for a #GError
 *
 * Returns: %TRUE when libvirt did it (a destroy of a domain that died on its
 * own meanwhile counts); CVM_ERROR_LIBVIRT with libvirt's message otherwise.
 */
gboolean cvm_lifecycle_action(virDomainPtr dom, const char *action, GError **error);

/**
 * cvm_lifecycle_guest_state:
 * @conn: (nullable): a libvirt connection; %NULL when unreachable
 * @name: the guest's name
 * @rec: the guest's record
 * @reason_out: (out) (optional): libvirt's reason for that state
 *   (cvm_domain_state_reason_name()), %NULL when there is none
 *
 * The guest's State from libvirt, its domain matched by the record's UUID:
 * a cvm_domain_state_name(), "replaced" (another domain holds the name),
 * "vanished" (no domain), "failed" (a launch interrupted before its domain
 * existed) or "unknown" (libvirt unreachable).
 *
 * Returns: (transfer none): a static string.
 */
const char *cvm_lifecycle_guest_state(virConnectPtr conn, const char *name, const CvmGuestRecord *rec,
				      const char **reason_out);

G_END_DECLS
