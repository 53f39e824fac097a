/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs a libFuzzer target as a plain program: every file named on the command
 * line (or found in a named directory) is fed to LLVMFuzzerTestOneInput once.
 * make check uses it to replay the seed corpus without clang. */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int main(int argc, char **argv);

static gboolean
run_one(const char *path, guint *count)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *data = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &data, &len, &error)) {
		fprintf(stderr, "%s\n", error->message);
		return FALSE;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	(*count)++;
	return TRUE;
}

int
main(int argc, char **argv)
{
	guint count = 0;

	for (int i = 1; i < argc; i++) {
		if (g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
			g_autoptr(GDir) dir = g_dir_open(argv[i], 0, NULL);
			const char *name;

			while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
				g_autofree gchar *p = g_build_filename(argv[i], name, NULL);
				if (!run_one(p, &count))
					return 1;
			}
		} else if (!run_one(argv[i], &count)) {
			return 1;
		}
	}
	if (count == 0) {
		fprintf(stderr, "no corpus input given\n");
		return 1;
	}
	printf("%u inputs replayed\n", count);
	return 0;
}
