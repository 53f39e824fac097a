/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvm-qemu-hook internals (docs/hook.md). */
#pragma once

#include <glib.h>
#include <cvm/policy.h>

/* What the hook needs from a domain's XML. */
typedef struct {
	gchar *name;
	GPtrArray *igvm;     /* every IGVM path the domain names (each is checked) */
	gchar *unclassified; /* why a qemu:commandline argument could not be
			      * classified (the first one), or NULL */
	gchar *platform;     /* a cvm_platform_to_string() name, or NULL (native) */
	gchar *qemu_platform; /* the same from a QEMU pass-through object, or NULL */
	guint vcpus;
} HookDomain;

void hook_domain_clear(HookDomain *dom);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(HookDomain, hook_domain_clear)

/* Parses libvirt domain XML. FALSE with CVM_ERROR_INVALID_DATA when it is not
 * a domain document; a domain without IGVM succeeds with dom->igvm empty. */
gboolean hook_domain_parse(const char *xml, gsize len, HookDomain *dom, GError **error);

/* Adds @path to dom->igvm unless it is there already (or empty). */
void hook_domain_add_igvm(HookDomain *dom, const char *path);

/* Adds the IGVM files that QEMU arguments @args (<qemu:commandline>) load
 * to dom->igvm; sets dom->unclassified when some argument's effect is
 * unknown (qemu-args.c). */
void hook_qemu_args_scan(const char *const *args, guint n, HookDomain *dom);

/* QEMU's KEY=VALUE,... syntax into @out (key -> value, last one wins);
 * FALSE where QEMU would refuse the text. */
gboolean hook_keyval_parse(const char *s, const char *implied, GHashTable *out);

/* The launch decision for @dom under @policy: every IGVM file is validated,
 * measured for the platform and checked; with a policy that applies to the
 * guest, an unclassified QEMU argument refuses too (fail closed).
 * FALSE with the reason to show the user. */
gboolean hook_check_domain(const HookDomain *dom, const CvmPolicy *policy, GError **error);

/* Tells cvmd (if running) that @name changed; bounded, best effort. */
void hook_notify(const char *name, const char *op);
