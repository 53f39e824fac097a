/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which libvirt URI cvm talks to, and the embedded driver's configuration. */
#include <errno.h>
#include <string.h>
#include <grp.h>
#include <pwd.h>
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

/* Run as root, cvm has QEMU run as this user (scripts/deps.sh creates it)
 * rather than as root, with libvirt's DAC driver (always active in a
 * privileged driver, whatever security_driver says) giving it the files it
 * needs. An unprivileged driver runs QEMU as its own user and must not be
 * told otherwise. */
#define QEMU_USER "libvirt-qemu"

static const char QEMU_CONF_USER[] =
	"user = \"" QEMU_USER "\"\n"
	"group = \"" QEMU_USER "\"\n"
	"# libvirt chowns what it hands QEMU (disks, sockets, its domain directories)\n"
	"# and gives the ownership back at stop (remembered in xattrs).\n"
	"dynamic_ownership = 1\n"
	"# A private /dev with only the guest's devices.\n"
	"namespaces = [ \"mount\" ]\n";
/* Fallback when that user is missing or cannot reach the state directory:
 * QEMU runs as root, still in its own mount namespace. */
static const char QEMU_CONF_ROOT[] =
	"user = \"root\"\n"
	"group = \"root\"\n"
	"dynamic_ownership = 0\n"
	"remember_owner = 0\n"
	"namespaces = [ \"mount\" ]\n";
/* An unprivileged driver cannot create namespaces or chown. */
static const char QEMU_CONF_UNPRIVILEGED[] =
	"dynamic_ownership = 0\n"
	"remember_owner = 0\n"
	"namespaces = [ ]\n";
static const char QEMU_CONF[] =
	"# No SELinux/AppArmor profile is set up for an embedded driver (DAC stays).\n"
	"security_driver = \"none\"\n"
	"# No virtlogd runs next to an embedded driver: QEMU writes its logs itself.\n"
	"stdio_handler = \"file\"\n"
	"# The process that opened the embedded driver may exit while libvirt's\n"
	"# reconnect thread restores cgroup state (libvirt 9.0 then crashes in\n"
	"# libnuma, already finalised); and there is no machined to place guests.\n"
	"cgroup_controllers = [ ]\n";
#define CONF_HEADER "# Written by cvm for libvirt's embedded QEMU driver (docs/launch.md).\n"

/* Whether @pw may search @dir and every directory above it (owner, group or
 * other x bit; ACLs are not consulted). */
static gboolean
searchable_by(const char *dir, const struct passwd *pw)
{
	gid_t groups[64];
	int ngroups = G_N_ELEMENTS(groups);
	g_autofree gchar *path = g_strdup(dir);

	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &ngroups) < 0)
		ngroups = 0;
	for (;;) {
		struct stat st;
		gboolean in_group;
		gchar *up;

		if (stat(path, &st) != 0)
			return FALSE;
		in_group = st.st_gid == pw->pw_gid;
		for (int i = 0; i < ngroups && !in_group; i++)
			in_group = groups[i] == st.st_gid;
		if (!(st.st_uid == pw->pw_uid ? st.st_mode & S_IXUSR
		      : in_group		 ? st.st_mode & S_IXGRP
						 : st.st_mode & S_IXOTH))
			return FALSE;
		if (strcmp(path, "/") == 0 || strcmp(path, ".") == 0)
			return TRUE;
		up = g_path_get_dirname(path);
		g_free(path);
		path = up;
	}
}

/* The user QEMU runs as (its qemu.conf lines), cvm running as root. QEMU
 * must reach the state directory (the embedded root's parent, where cvm
 * writes firmware and serial logs; cvm creates it 0711): a state directory
 * under a private one (mktemp -d) or one made 0700 by an older cvm keeps
 * QEMU as root. */
static const char *
qemu_user_conf(const char *root)
{
	g_autofree gchar *state = g_path_get_dirname(root);
	struct passwd *pw = getpwnam(QEMU_USER);

	return pw != NULL && searchable_by(state, pw) ? QEMU_CONF_USER : QEMU_CONF_ROOT;
}

gboolean
cvm_launch_prepare_embed_root(const char *root, GError **error)
{
	g_autofree gchar *state = g_path_get_dirname(root);
	g_autofree gchar *etc = g_build_filename(root, "etc", NULL);
	g_autofree gchar *conf = g_build_filename(etc, "qemu.conf", NULL);
	g_autoptr(GError) local = NULL;
	g_autofree gchar *old = NULL;
	g_autofree gchar *text = NULL;

	/* Searchable, not listable: QEMU reaches guests.d/NAME below it. */
	if (g_mkdir_with_parents(state, 0711) != 0 || g_mkdir_with_parents(etc, 0755) != 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "cannot create %s: %s", etc, g_strerror(errno));
		return FALSE;
	}
	text = g_strconcat(CONF_HEADER, geteuid() == 0 ? qemu_user_conf(root) : QEMU_CONF_UNPRIVILEGED,
			   QEMU_CONF, NULL);
	/* A file cvm wrote before is brought up to date (QEMU then runs as the
	 * new user from its next start); one written by someone else is theirs. */
	if (g_file_get_contents(conf, &old, NULL, NULL) &&
	    (!g_str_has_prefix(old, CONF_HEADER) || strcmp(old, text) == 0))
		return TRUE;
	if (!g_file_set_contents_full(conf, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &local)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "cannot write %s: %s", conf, local->message);
		return FALSE;
	}
	return TRUE;
}
