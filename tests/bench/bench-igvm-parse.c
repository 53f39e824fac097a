/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IGVM parse speed: a 1 GiB file with 262,144 PAGE_DATA directives (sparse:
 * the pages are holes) is opened, parsed and validated; the baseline is zlib
 * crc32() over the same variable-header bytes, which any reader must at
 * least checksum. Goal: ratio <= 3, peak RSS < 64 MiB. The file is written
 * by a child process so the generation buffers do not count in the RSS.
 * BENCH_IGVM_PAGES overrides the page count. */
#include <cvm/igvm.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#define RUNS 5

static double
now(void)
{
	return g_get_monotonic_time() / 1e6;
}

static void
put32(guint8 *p, guint32 v)
{
	v = GUINT32_TO_LE(v);
	memcpy(p, &v, 4);
}

/* Fixed header (V1) + one SNP platform + @npages PAGE_DATA, pages as holes. */
static int
generate(const char *path, guint32 npages)
{
	guint32 vh_size = 24 + npages * 32u, data = 24 + vh_size;
	guint64 total = (guint64)data + (guint64)npages * 4096;
	guint8 *buf = g_malloc0(data);
	CvmIgvmSupportedPlatform p = { GUINT32_TO_LE(1), 0, cvm_igvm_platform_to_wire(CVM_PLATFORM_SEV_SNP), GUINT16_TO_LE(1), 0 };

	put32(buf, CVM_IGVM_MAGIC);
	put32(buf + 4, 1);
	put32(buf + 8, 24);
	put32(buf + 12, vh_size);
	put32(buf + 16, (guint32)total);
	put32(buf + 24, CVM_IGVM_VHT_SUPPORTED_PLATFORM);
	put32(buf + 28, 16);
	memcpy(buf + 32, &p, sizeof(p));
	for (guint32 i = 0; i < npages; i++) {
		guint8 *t = buf + 48 + (gsize)i * 32;
		CvmIgvmPageData pd = { GUINT64_TO_LE(0x100000ull + (guint64)i * 4096), GUINT32_TO_LE(1),
				       GUINT32_TO_LE(data + i * 4096u), 0, 0, 0 };
		put32(t, CVM_IGVM_VHT_PAGE_DATA);
		put32(t + 4, 24);
		memcpy(t + 8, &pd, sizeof(pd));
	}
	put32(buf + 20, (guint32)crc32(0, buf, data));
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, buf, data) != (ssize_t)data || ftruncate(fd, (off_t)total) != 0) {
		perror(path);
		return 1;
	}
	close(fd);
	g_free(buf);
	return 0;
}

int
main(void)
{
	const char *env = g_getenv("BENCH_IGVM_PAGES");
	guint32 npages = env ? (guint32)g_ascii_strtoull(env, NULL, 10) : 262144;
	g_autofree gchar *dir = g_dir_make_tmp("bench-igvm-XXXXXX", NULL);
	g_autofree gchar *path = g_build_filename(dir, "big.igvm", NULL);
	double best_parse = 1e9, best_crc = 1e9;
	guint32 crc = 0;
	struct rusage ru;
	int status;

	pid_t pid = fork();
	if (pid == 0)
		_exit(generate(path, npages));
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench-igvm-parse: generating %s failed\n", path);
		return 1;
	}
	for (int r = 0; r < RUNS; r++) {
		g_autoptr(GError) error = NULL;
		double t = now();
		g_autoptr(CvmIgvm) igvm = cvm_igvm_open(path, CVM_IGVM_NONE, &error);
		double parse = now() - t;
		if (igvm == NULL) {
			fprintf(stderr, "bench-igvm-parse: %s\n", error->message);
			return 1;
		}
		if (cvm_igvm_get_n_headers(igvm) != npages + 1) {
			fprintf(stderr, "bench-igvm-parse: %u headers, expected %u\n", cvm_igvm_get_n_headers(igvm),
				npages + 1);
			return 1;
		}
		const guint8 *data = cvm_igvm_get_data(igvm, NULL);
		t = now();
		crc = (guint32)crc32(0, data + 24, 24 + npages * 32u);
		double c = now() - t;
		best_parse = MIN(best_parse, parse);
		best_crc = MIN(best_crc, c);
	}
	getrusage(RUSAGE_SELF, &ru);
	unlink(path);
	rmdir(dir);
	printf("bench-igvm-parse: %u PAGE_DATA, %.2f MiB of variable headers, %.2f GiB file\n", npages,
	       (24 + npages * 32.0) / (1 << 20), (npages * 4096.0 + 24 + 24 + npages * 32.0) / (1 << 30));
	printf("  open+parse+validate: %8.2f ms (best of %d)\n", best_parse * 1e3, RUNS);
	printf("  zlib crc32 baseline: %8.2f ms (crc 0x%08x)\n", best_crc * 1e3, crc);
	printf("  ratio:               %8.2f (goal <= 3.00)\n", best_parse / best_crc);
	printf("  peak RSS:            %8.2f MiB (goal < 64)\n", ru.ru_maxrss / 1024.0);
	return 0;
}
