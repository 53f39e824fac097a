/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The firmware-update engine's worst cases at the default image limit
 * (max-update-size 64 MiB), for an SEV-SNP guest (the platform that is
 * also measured): the largest requests the bounds of docs/fwupdate.md
 * ("Bounds") let through, and the probe's request they refuse. Each case
 * runs in a child process, so its peak RSS is its own; the goals are the
 * bounds docs/fwupdate.md states (time <= 10 s, peak RSS <= 512 MiB).
 *   zero-list   ZERO regions describing the page limit (262,144 pages)
 *   copy-list   COPY regions of the most bytes the limit allows
 *   image-areas a 64 MiB image by vm-launch-update (16,383 data pages and
 *               parameter areas up to the page limit)
 *   bad-headers a 64 MiB image whose every header is a PAGE_DATA with an
 *               unaligned GPA, by vm-launch-update (refused; the validator
 *               once listed a problem per header: 1 GiB, 20 s)
 *   probe       the 94-byte request of issue 21 (refused) */
#include <cvm/fwupdate.h>
#include <cvm/igvm-builder.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#define LIMIT CVM_FWUPDATE_MAX_IMAGE
#define PAGES (LIMIT / 4096 * 16)
#define RAM (160u << 20)
#define REGIONS 0x100000u
#define DATA 0x200000u
#define GOAL_SECONDS 10.0
#define GOAL_RSS_MIB 512

static CvmGuestMemory *mem;
static gint64 started; /* set by each case right before the engine call */
static const CvmFwupdateGuest guest = {.platform = CVM_PLATFORM_SEV_SNP, .vcpus = 4, .launched_with_igvm = TRUE};

static CvmFwupdatePlan *
regions(guint64 flags, guint n, guint64 size_each, guint64 last_size)
{
	g_autofree CvmVmfwupdateRegion *r = g_new0(CvmVmfwupdateRegion, n);
	CvmVmfwupdate dev = {.firmware_size = G_GUINT64_CONSTANT(0x100000000), .regions_addr = REGIONS,
			     .regions_count = n};

	for (guint i = 0; i < n; i++) {
		r[i].size = i + 1 == n ? last_size : size_each;
		r[i].dst_addr = (guint64)i * size_each;
		r[i].src_addr = flags == CVM_VMFWUPDATE_REGION_COPY ? DATA + r[i].dst_addr : 0;
		r[i].flags = flags;
	}
	g_autoptr(GBytes) list = cvm_vmfwupdate_regions_encode(r, n);
	g_autoptr(GBytes) raw = cvm_vmfwupdate_encode(&dev);
	cvm_guest_memory_write(mem, REGIONS, g_bytes_get_data(list, NULL), g_bytes_get_size(list), NULL);
	started = g_get_monotonic_time();
	return cvm_fwupdate_plan_vmfwupdate(&guest, g_bytes_get_data(raw, NULL), g_bytes_get_size(raw), mem);
}

static CvmFwupdatePlan *
zero_list(void)
{
	/* 256 regions of 1024 pages: 262,144 pages, 8 MiB of directives. */
	return regions(CVM_VMFWUPDATE_REGION_ZERO, 256, 1024 * 4096, 1024 * 4096);
}

static CvmFwupdatePlan *
copy_list(void)
{
	/* n pages cost 4096 + 32 bytes each: 16,256 pages fit 64 MiB. */
	guint64 pages = LIMIT / (4096 + 32);
	return regions(CVM_VMFWUPDATE_REGION_COPY, 16, pages / 16 * 4096, (pages - pages / 16 * 15) * 4096);
}

static CvmFwupdatePlan *
image_areas(void)
{
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);
	guint32 mask = cvm_igvm_builder_add_platform(b, CVM_PLATFORM_SEV_SNP, 0, 0, 0, NULL);
	/* Data pages cost 4096 + 32 bytes of the file; the rest is described by areas. */
	guint64 data_pages = LIMIT / (4096 + 32) - 16, left = PAGES - data_pages - 1;
	g_autofree guint8 *data = g_malloc(data_pages * 4096);

	for (guint64 i = 0; i < data_pages * 4096; i++)
		data[i] = (guint8)(i * 2654435761u >> 13); /* no two pages alike: nothing de-duplicated */
	g_autoptr(GBytes) bytes = g_bytes_new_static(data, data_pages * 4096);
	cvm_igvm_builder_add_guest_policy(b, mask, 0x30000, NULL);
	cvm_igvm_builder_add_page_data(b, mask, 0x100000, 0, CVM_IGVM_PAGE_DATA_NORMAL, bytes, NULL);
	for (guint i = 0; left > 0; i++) {
		guint64 n = MIN(left, 0xfffffu);
		cvm_igvm_builder_add_parameter_area(b, i, n * 4096, NULL, NULL);
		cvm_igvm_builder_add_parameter_insert(b, mask, G_GUINT64_CONSTANT(0x10000000000) * (i + 1), i, NULL);
		left -= n;
	}
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) image = cvm_igvm_builder_write_bytes(b, &error);
	if (image == NULL || g_bytes_get_size(image) > LIMIT || g_bytes_get_size(image) > RAM - DATA) {
		fprintf(stderr, "image-areas: cannot build the image: %s\n", error ? error->message : "too large");
		return NULL;
	}
	cvm_guest_memory_write(mem, DATA, g_bytes_get_data(image, NULL), g_bytes_get_size(image), NULL);
	CvmVmlaunchupdate req = {.version = 1, .control = CVM_VMLAUNCHUPDATE_FORMAT_IGVM, .fw_image_addr = DATA,
				 .fw_image_size = g_bytes_get_size(image)};
	g_autoptr(GBytes) raw = cvm_vmlaunchupdate_encode(&req);
	/* Only the engine's own work is timed and counted: the builder's is gone. */
	g_clear_pointer(&image, g_bytes_unref);
	g_clear_pointer(&b, cvm_igvm_builder_free);
	g_clear_pointer(&data, g_free);
	started = g_get_monotonic_time();
	return cvm_fwupdate_plan_vmlaunchupdate(&guest, g_bytes_get_data(raw, NULL), g_bytes_get_size(raw), mem);
}

/* Written straight into guest memory: an IGVM file the builder would refuse. */
static CvmFwupdatePlan *
bad_headers(void)
{
	guint32 n = (LIMIT - 24 - 24 - 4096) / 32, vh_size = 24 + n * 32, data = 24 + vh_size, total = data + 4096;
	g_autofree guint8 *buf = g_malloc0(data);
	CvmIgvmFixedHeaderV1 fixed = {GUINT32_TO_LE(CVM_IGVM_MAGIC), GUINT32_TO_LE(1), GUINT32_TO_LE(24),
				      GUINT32_TO_LE(vh_size), GUINT32_TO_LE(total), 0};
	CvmIgvmVhsHeader platform_tlv = {GUINT32_TO_LE(CVM_IGVM_VHT_SUPPORTED_PLATFORM), GUINT32_TO_LE(16)};
	CvmIgvmSupportedPlatform platform = {GUINT32_TO_LE(1), 0, cvm_igvm_platform_to_wire(CVM_PLATFORM_SEV_SNP), GUINT16_TO_LE(1), 0};
	CvmIgvmVhsHeader page_tlv = {GUINT32_TO_LE(CVM_IGVM_VHT_PAGE_DATA), GUINT32_TO_LE(24)};

	memcpy(buf, &fixed, 24);
	memcpy(buf + 24, &platform_tlv, 8);
	memcpy(buf + 32, &platform, 16);
	for (guint32 i = 0; i < n; i++) {
		CvmIgvmPageData pd = {GUINT64_TO_LE(0x1001 + (guint64)i * 4096), GUINT32_TO_LE(1), 0, 0, 0, 0};
		memcpy(buf + 48 + (gsize)i * 32, &page_tlv, 8);
		memcpy(buf + 56 + (gsize)i * 32, &pd, 24);
	}
	fixed.checksum = GUINT32_TO_LE((guint32)crc32(0, buf, data));
	memcpy(buf, &fixed, 24);
	cvm_guest_memory_write(mem, DATA, buf, data, NULL);
	g_clear_pointer(&buf, g_free);
	CvmVmlaunchupdate req = {.version = 1, .control = CVM_VMLAUNCHUPDATE_FORMAT_IGVM, .fw_image_addr = DATA,
				 .fw_image_size = total};
	g_autoptr(GBytes) raw = cvm_vmlaunchupdate_encode(&req);
	started = g_get_monotonic_time();
	return cvm_fwupdate_plan_vmlaunchupdate(&guest, g_bytes_get_data(raw, NULL), g_bytes_get_size(raw), mem);
}

static CvmFwupdatePlan *
probe(void)
{
	CvmVmfwupdate dev = {.firmware_size = G_MAXUINT64 & ~G_GUINT64_CONSTANT(0xfff), .regions_addr = REGIONS,
			     .regions_count = 1};
	CvmVmfwupdateRegion zero = {.size = G_GUINT64_CONSTANT(0x7ffffffff000), .flags = CVM_VMFWUPDATE_REGION_ZERO};
	g_autoptr(GBytes) list = cvm_vmfwupdate_regions_encode(&zero, 1);
	g_autoptr(GBytes) raw = cvm_vmfwupdate_encode(&dev);

	cvm_guest_memory_write(mem, REGIONS, g_bytes_get_data(list, NULL), 32, NULL);
	started = g_get_monotonic_time();
	return cvm_fwupdate_plan_vmfwupdate(&guest, g_bytes_get_data(raw, NULL), g_bytes_get_size(raw), mem);
}

static const struct {
	const char *name;
	CvmFwupdatePlan *(*run)(void);
	CvmFwupdateAction expect;
} cases[] = {
	{"zero-list", zero_list, CVM_FWUPDATE_ACTION_REPLACE},
	{"copy-list", copy_list, CVM_FWUPDATE_ACTION_REPLACE},
	{"image-areas", image_areas, CVM_FWUPDATE_ACTION_REPLACE},
	{"bad-headers", bad_headers, CVM_FWUPDATE_ACTION_NONE},
	{"probe", probe, CVM_FWUPDATE_ACTION_NONE},
};

/* In the child: the case, the engine call timed (wall clock); exit 0 when
 * it gave the expected action within the goal. */
static int
child(guint i)
{
	g_autoptr(GError) error = NULL;
	guint8 fill[1 << 16];

	mem = cvm_guest_memory_new_memfd(RAM, 0, &error);
	if (mem == NULL) {
		fprintf(stderr, "%s\n", error->message);
		return 2;
	}
	/* What COPY regions read: no two pages alike (the writer would share
	 * equal ones), written in small chunks so no heap copy counts. */
	for (guint64 off = 0; off < LIMIT; off += sizeof(fill)) {
		for (gsize j = 0; j < sizeof(fill); j++)
			fill[j] = (guint8)((off + j) * 2654435761u >> 13);
		cvm_guest_memory_write(mem, DATA + off, fill, sizeof(fill), NULL);
	}
	CvmFwupdatePlan *plan = cases[i].run();
	double s = (g_get_monotonic_time() - started) / 1e6;
	if (plan == NULL)
		return 2;
	printf("%-12s %7.2f s  %s: %.140s\n", cases[i].name, s,
	       cvm_fwupdate_plan_get_action(plan) == CVM_FWUPDATE_ACTION_REPLACE ? "replace" : "refused",
	       cvm_fwupdate_plan_get_message(plan));
	fflush(stdout);
	gboolean ok = cvm_fwupdate_plan_get_action(plan) == cases[i].expect && s <= GOAL_SECONDS;
	cvm_fwupdate_plan_free(plan);
	cvm_guest_memory_free(mem);
	return ok ? 0 : 1;
}

int
main(void)
{
	int failed = 0;

	printf("fwupdate engine worst cases, max-update-size %u MiB, %u pages, SEV-SNP, goals %.0f s and %u MiB\n",
	       LIMIT >> 20, (guint)PAGES, GOAL_SECONDS, GOAL_RSS_MIB);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct rusage ru;
		int status;
		pid_t pid;

		fflush(stdout);
		pid = fork();

		if (pid == 0)
			_exit(child(i));
		if (pid < 0 || wait4(pid, &status, 0, &ru) != pid)
			return 2;
		/* ru_maxrss counts the memfd pages the child touched (guest RAM)
		 * and, for image-areas and bad-headers, making the image: an
		 * upper bound of the engine's own. */
		long mib = ru.ru_maxrss / 1024;
		printf("%-12s peak RSS %ld MiB (with up to %u MiB of guest RAM it touched), child CPU %.2f s\n",
		       cases[i].name, mib, (LIMIT >> 20) + 2,
		       ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || mib > GOAL_RSS_MIB) {
			printf("%-12s FAILED\n", cases[i].name);
			failed++;
		}
	}
	return failed ? 1 : 0;
}
