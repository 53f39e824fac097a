/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the libvirt hook's reading of domain XML (hook/domxml.c)
 * and of QEMU pass-through arguments (hook/qemu-args.c). The input is parsed
 * as domain XML, and also split at NUL bytes into an argument list. Every
 * IGVM path found must be a non-empty string, listed once. */
#include "hook/hook.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_paths(const HookDomain *dom)
{
	for (guint i = 0; i < dom->igvm->len; i++) {
		const char *p = dom->igvm->pdata[i];

		if (p == NULL || p[0] == '\0')
			__builtin_trap();
		for (guint j = 0; j < i; j++)
			if (strcmp(p, dom->igvm->pdata[j]) == 0)
				__builtin_trap();
	}
}

static void
domain(const uint8_t *data, size_t size)
{
	g_auto(HookDomain) dom = { 0 };
	g_autoptr(GError) error = NULL;

	if (!hook_domain_parse((const char *)data, size, &dom, &error)) {
		if (error == NULL)
			__builtin_trap();
		return;
	}
	check_paths(&dom);
}

static void
arguments(const uint8_t *data, size_t size)
{
	g_autofree gchar *text = g_malloc(size + 1); /* NUL-terminated copy */
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	g_auto(HookDomain) dom = { 0 };
	const char *p = text, *end = text + size;

	memcpy(text, data, size);
	text[size] = '\0';
	while (p <= end && args->len < 256) {
		g_ptr_array_add(args, (gpointer)p);
		p += strlen(p) + 1;
	}
	dom.igvm = g_ptr_array_new_with_free_func(g_free);
	hook_qemu_args_scan((const char *const *)args->pdata, args->len, &dom);
	check_paths(&dom);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 20)
		return 0;
	domain(data, size);
	arguments(data, size);
	return 0;
}
