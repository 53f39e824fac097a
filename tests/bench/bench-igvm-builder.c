/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Builder throughput: 65,536 distinct 4 KiB pages (256 MiB) taken from a
 * file region, written with cvm_igvm_builder_write_file(). Baseline, measured
 * in the same run: copying the same bytes from the mapped file to a new file
 * with g_file_set_contents(). Also reports peak RSS; the source is mapped, so
 * its pages count once read, but the writer itself adds no copy of them. */
#include <cvm/igvm-builder.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <sys/resource.h>

#define N_PAGES 65536u

int main(void);

static double
now(void)
{
	return g_get_monotonic_time() / 1e6;
}

int
main(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("cvm-bench-XXXXXX", &error);
	g_autofree gchar *src = g_build_filename(dir, "pages.bin", NULL);
	g_autofree gchar *out = g_build_filename(dir, "out.igvm", NULL);
	g_autofree gchar *copy = g_build_filename(dir, "copy.bin", NULL);
	g_autofree guint64 *buf = g_new(guint64, 512u * 256u); /* 1 MiB */
	FILE *f = NULL;
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);
	g_autoptr(GMappedFile) map = NULL;
	struct rusage ru;
	double t0, t_build, t_copy;
	guint32 mask;

	if (dir == NULL || (f = fopen(src, "wb")) == NULL)
		goto fail;
	for (gsize chunk = 0; chunk < N_PAGES / 256u; chunk++) {
		for (gsize i = 0; i < 512u * 256u; i++)
			buf[i] = (chunk * 512u * 256u + i) * 0x9E3779B97F4A7C15ull;
		if (fwrite(buf, 8, 512u * 256u, f) != 512u * 256u)
			goto fail;
	}
	if (fclose(f) != 0)
		goto fail;

	t0 = now();
	mask = cvm_igvm_builder_add_platform(b, CVM_PLATFORM_NATIVE, 0, 0, 0, &error);
	if (mask == 0 ||
	    !cvm_igvm_builder_add_page_data_from_file(b, mask, 0, 0, 0, src, 0, 0, &error) ||
	    !cvm_igvm_builder_write_file(b, out, &error))
		goto fail;
	t_build = now() - t0;
	getrusage(RUSAGE_SELF, &ru);

	t0 = now();
	map = g_mapped_file_new(src, FALSE, &error);
	if (map == NULL || !g_file_set_contents(copy, g_mapped_file_get_contents(map),
						g_mapped_file_get_length(map), &error))
		goto fail;
	t_copy = now() - t0;

	printf("bench-igvm-builder: %u pages (%u MiB)\n", N_PAGES, N_PAGES / 256u);
	printf("  build+write_file   %.3f s\n", t_build);
	printf("  baseline file copy %.3f s\n", t_copy);
	printf("  ratio              %.2f\n", t_build / t_copy);
	printf("  peak RSS (build)   %ld MiB (the mapped 256 MiB source counts once read)\n",
	       ru.ru_maxrss / 1024);
	g_unlink(src);
	g_unlink(out);
	g_unlink(copy);
	g_rmdir(dir);
	return 0;
fail:
	fprintf(stderr, "bench-igvm-builder: %s\n", error ? error->message : "failed");
	return 1;
}
