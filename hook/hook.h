/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvm-qemu-hook internals (docs/hook.md). */
#pragma once

#include <glib.h>

/* What the hook needs from a domain's XML. */
typedef struct {
	gchar *name;
	gchar *igvm;     /* IGVM path, NULL when the domain has none */
	gchar *platform; /* "sev-snp", "sev-es", "sev", "tdx" or NULL (native) */
	guint vcpus;
} HookDomain;

void hook_domain_clear(HookDomain *dom);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(HookDomain, hook_domain_clear)

/* Parses libvirt domain XML. FALSE with CVM_ERROR_INVALID_DATA when it is not
 * a domain document; a domain without IGVM succeeds with dom->igvm NULL. */
gboolean hook_domain_parse(const char *xml, gsize len, HookDomain *dom, GError **error);

/* Measures dom->igvm for its platform and checks the host policy.
 * FALSE with the reason to show the user. */
gboolean hook_check_launch(const HookDomain *dom, GError **error);

/* Tells cvmd (if running) that @name changed; bounded, best effort. */
void hook_notify(const char *name, const char *op);
