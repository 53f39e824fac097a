/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which libvirt URI cvm talks to, and the embedded driver's configuration. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <unistd.h>
#include <cvm/error.h>
#include <cvm/launch.h>

#define EMBED_PREFIX "qemu:///embed?root="

gchar *
cvm_launch_pick_uri(const char *explicit_uri, const char *system_socket, const char *state_dir)
{
	struct stat st;
	g_autofree gchar *root = NULL;
	g_autofree gchar *escaped = NULL;

	if (explicit_uri != NULL && *explicit_uri != '\0')
		return g_strdup(explicit_uri);
	if (system_socket == NULL)
		system_socket = CVM_LAUNCH_SYSTEM_SOCKET;
	if (stat(system_socket, &st) == 0 && S_ISSOCK(st.st_mode))
		return g_strdup("qemu:///system");
	root = g_build_filename(state_dir, "libvirt", NULL);
	escaped = g_uri_escape_string(root, "/", FALSE);
	return g_strconcat(EMBED_PREFIX, escaped, NULL);
}

gchar *
cvm_launch_embed_root(const char *uri)
{
	const char *end;
	g_autofree gchar *raw = NULL;

	if (uri == NULL || !g_str_has_prefix(uri, EMBED_PREFIX))
		return NULL;
	uri += strlen(EMBED_PREFIX);
	end = strchr(uri, '&');
	raw = end ? g_strndup(uri, end - uri) : g_strdup(uri);
	return g_uri_unescape_string(raw, NULL);
}

/* Run as root, QEMU runs as root:root because a fresh Debian machine has no
 * libvirt-qemu user to run it as (an unprivileged driver runs QEMU as its
 * own user and must not be told otherwise); no dynamic ownership and no
 * security driver because the embedded driver has no privileged daemon to
 * relabel files for it. */
static const char QEMU_CONF_ROOT[] =
	"user = \"root\"\n"
	"group = \"root\"\n";
static const char QEMU_CONF[] =
	"dynamic_ownership = 0\n"
	"remember_owner = 0\n"
	"security_driver = \"none\"\n"
	"namespaces = [ ]\n"
	"# No virtlogd runs next to an embedded driver: QEMU writes its logs itself.\n"
	"stdio_handler = \"file\"\n"
	"# The process that opened the embedded driver may exit while libvirt's\n"
	"# reconnect thread restores cgroup state (libvirt 9.0 then crashes in\n"
	"# libnuma, already finalised); and there is no machined to place guests.\n"
	"cgroup_controllers = [ ]\n";

gboolean
cvm_launch_prepare_embed_root(const char *root, GError **error)
{
	g_autofree gchar *etc = g_build_filename(root, "etc", NULL);
	g_autofree gchar *conf = g_build_filename(etc, "qemu.conf", NULL);
	g_autoptr(GError) local = NULL;

	if (g_mkdir_with_parents(etc, 0755) != 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "cannot create %s: %s", etc, g_strerror(errno));
		return FALSE;
	}
	if (g_file_test(conf, G_FILE_TEST_EXISTS))
		return TRUE;
	g_autofree gchar *text = g_strconcat("# Written by cvm for libvirt's embedded QEMU driver (docs/launch.md).\n",
					     geteuid() == 0 ? QEMU_CONF_ROOT : "", QEMU_CONF, NULL);
	if (!g_file_set_contents_full(conf, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &local)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "cannot write %s: %s", conf, local->message);
		return FALSE;
	}
	return TRUE;
}
