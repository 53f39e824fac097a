/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Talking to a domain's QEMU through libvirt's monitor passthrough
 * (libvirt-qemu), shared by the migration job and the QEMU guest-memory
 * backend. Libvirt marks a domain so used tainted ("custom-monitor"). */
#pragma once

#include <glib.h>
#include <json-c/json.h>
#include <libvirt/libvirt.h>

/* Run an HMP command; HMP's textual errors (which come back with success
 * status) become GErrors. */
gboolean cvmi_qemu_hmp(virDomainPtr dom, const char *cmd, gchar **reply, GError **error);

/* Run a QMP command (a JSON object as text); returns its "return" value,
 * or NULL with the QMP error's description. */
json_object *cvmi_qemu_qmp(virDomainPtr dom, const char *cmd, GError **error);
