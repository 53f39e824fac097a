/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvm-qemu-hook: libvirt QEMU hook (install in /etc/libvirt/hooks/qemu.d/).
 * Called as: cvm-qemu-hook DOMAIN OPERATION SUB-OPERATION EXTRA, domain XML
 * on stdin. On "prepare begin" it refuses (message on stderr, exit 1) a guest
 * whose IGVM launch digest the host policy does not expect; on
 * started/stopped/release it pokes cvmd. Everything else: exit 0 at once. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cvm/bus.h>
#include "hook/hook.h"

#define XML_MAX (16 * 1024 * 1024)

static GByteArray *
read_stdin(void)
{
	GByteArray *buf = g_byte_array_new();
	guint8 chunk[65536];
	ssize_t n;

	while ((n = read(STDIN_FILENO, chunk, sizeof chunk)) > 0) {
		if (buf->len + (gsize)n > XML_MAX)
			break;
		g_byte_array_append(buf, chunk, (guint)n);
	}
	return buf;
}

static int
prepare(const char *name)
{
	g_autoptr(GByteArray) xml = read_stdin();
	g_auto(HookDomain) dom = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmPolicy) policy = NULL;
	g_autofree gchar *dir = NULL;
	const char *text = (const char *)xml->data;

	/* Cheap exit for the common case: no IGVM anywhere in the document.
	 * Pass-through arguments may spell "igvm" with JSON escapes, and XML
	 * references (&#105;) hide it from a substring search: those are read. */
	if (g_strstr_len(text, xml->len, "igvm") == NULL &&
	    g_strstr_len(text, xml->len, "commandline") == NULL &&
	    memchr(text, '&', xml->len) == NULL)
		return 0;
	if (!hook_domain_parse(text, xml->len, &dom, &error)) {
		fprintf(stderr, "cvm: %s: %s\n", name, error->message);
		return 1;
	}
	if (dom.igvm->len == 0 && dom.unclassified == NULL)
		return 0;
	if (dom.name == NULL)
		dom.name = g_strdup(name);
	dir = cvm_policy_default_dir();
	policy = cvm_policy_load_dir(dir, &error); /* a broken policy refuses */
	if (policy == NULL || !hook_check_domain(&dom, policy, &error)) {
		fprintf(stderr, "cvm: refusing to start %s: %s\n", name, error->message);
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *name, *op, *sub;

	if (argc < 4) {
		fprintf(stderr, "usage: %s DOMAIN OPERATION SUB-OPERATION [EXTRA]\n", argv[0]);
		return 2;
	}
	name = argv[1];
	op = argv[2];
	sub = argv[3];
	if (strcmp(op, "prepare") == 0 && strcmp(sub, "begin") == 0)
		return prepare(name);
	if (strcmp(op, "started") == 0 || strcmp(op, "stopped") == 0 || strcmp(op, "release") == 0)
		hook_notify(name, op);
	return 0;
}
