/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper: source-tree and third-party paths, temporary folders, whole-file reads. */
#include "tests/lib/testlib.h"

#include <glib/gstdio.h>
#include <ftw.h>
#include <stdio.h>

static const char *
srcdir(void)
{
	const char *env = g_getenv("CVM_SRCDIR");
	return env != NULL ? env : CVM_SRCDIR;
}

gchar *
cvmt_third_party_path(const char *relative)
{
	gchar *path = g_build_filename(srcdir(), "tests", "data", "third-party", relative, NULL);

	if (!g_file_test(path, G_FILE_TEST_EXISTS))
		fail_msg("third-party test input %s not found", path);
	return path;
}

gchar *
cvmt_src_path(const char *relative)
{
	return g_build_filename(srcdir(), relative, NULL);
}

gchar *
cvmt_mkdtemp(void)
{
	g_autoptr(GError) error = NULL;
	gchar *dir = g_dir_make_tmp("cvm-test-XXXXXX", &error);

	if (dir == NULL)
		fail_msg("mkdtemp: %s", error->message);
	return dir;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

void
cvmt_rm_rf(const char *path)
{
	if (path != NULL)
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

GBytes *
cvmt_read_file(const char *path)
{
	g_autoptr(GError) error = NULL;
	gchar *data = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &data, &len, &error))
		fail_msg("%s", error->message);
	return g_bytes_new_take(data, len);
}

static gboolean
quit_idle(gpointer loop)
{
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

void
cvmt_loop_quit(GMainLoop *loop)
{
	GSource *s = g_idle_source_new();

	g_source_set_callback(s, quit_idle, loop, NULL);
	g_source_attach(s, g_main_loop_get_context(loop));
	g_source_unref(s);
}
