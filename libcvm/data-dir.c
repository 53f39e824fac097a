/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvm_data_dir(): $CVM_DATA_DIR, else the build tree's data, else the installed folder. */
#include <cvm/data.h>

gchar *
cvm_data_dir(void)
{
	const char *env = g_getenv("CVM_DATA_DIR");
	g_autofree gchar *exe = NULL;

	if (env != NULL && *env != '\0')
		return g_strdup(env);
	/* /proc/self/exe, not argv[0]: it is the real file also when the program
	 * was found through PATH or a symlink (the hook runs as qemu.d/cvm). */
	exe = g_file_read_link("/proc/self/exe", NULL);
	if (exe != NULL) {
		g_autofree gchar *dir = g_path_get_dirname(exe);
		g_autofree gchar *beside = g_build_filename(dir, "cvm-data", NULL);

		if (g_file_test(beside, G_FILE_TEST_IS_DIR))
			return g_steal_pointer(&beside);
	}
	return g_strdup(CVM_DATADIR);
}
