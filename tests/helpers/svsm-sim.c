/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SVSM simulator for migration tests: plays the SVSM's side of the
 * migration page in a shared memory file.
 *   svsm-sim source FILE PAGE_GPA BLOCKS SEED [TIMEOUT_MS]
 *     waits for RUNNING, puts BLOCKS pseudo-random 2 KiB blocks through the
 *     page (waiting for DATA_READ each time), then sets COMPLETED;
 *   svsm-sim dest FILE PAGE_GPA [TIMEOUT_MS]
 *     waits for INCOMING, takes every block (DATA_READY -> hash -> DATA_READ)
 *     until COMPLETED with the data register READ.
 * Both print "<blocks> <sha256 of the blocks>" and exit 0, or exit 1 on a
 * timeout (the page stopped moving). */
#include <cvm/guest-memory.h>
#include <cvm/migrate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	CvmGuestMemory *mem;
	guint64 gpa;
	gint64 timeout_us;
} Sim;

static guint8
reg(Sim *s, guint off)
{
	guint8 v = 0;
	cvm_guest_memory_read(s->mem, s->gpa + off, &v, 1, NULL);
	return v;
}

static void
set(Sim *s, guint off, guint8 v)
{
	cvm_guest_memory_write(s->mem, s->gpa + off, &v, 1, NULL);
}

/* Until register @off holds @want, or (@alt_off, @alt) when @alt_off >= 0. */
static gboolean
wait_for(Sim *s, guint off, guint8 want)
{
	gint64 deadline = g_get_monotonic_time() + s->timeout_us;
	guint spins = 0;

	while (reg(s, off) != want) {
		if (g_get_monotonic_time() > deadline)
			return FALSE;
		if (++spins > 64)
			g_usleep(20);
	}
	return TRUE;
}

static int
source(Sim *s, guint64 blocks, guint32 seed)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
	g_autoptr(GChecksum) sha = g_checksum_new(G_CHECKSUM_SHA256);
	guint32 block[CVM_MIGRATE_BLOCK_SIZE / 4];

	if (!wait_for(s, CVM_MIGRATE_STATUS_OFFSET, CVM_MIGRATE_STATUS_RUNNING))
		return 1;
	for (guint64 i = 0; i < blocks; i++) {
		for (guint j = 0; j < G_N_ELEMENTS(block); j++)
			block[j] = g_rand_int(rand);
		if (!wait_for(s, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READ))
			return 1;
		cvm_guest_memory_write(s->mem, s->gpa + CVM_MIGRATE_BUFFER_OFFSET, block, sizeof block, NULL);
		set(s, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READY);
		g_checksum_update(sha, (const guint8 *)block, sizeof block);
	}
	if (!wait_for(s, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READ))
		return 1;
	set(s, CVM_MIGRATE_STATUS_OFFSET, CVM_MIGRATE_STATUS_COMPLETED);
	printf("%" G_GUINT64_FORMAT " %s\n", blocks, g_checksum_get_string(sha));
	return 0;
}

static int
dest(Sim *s)
{
	g_autoptr(GChecksum) sha = g_checksum_new(G_CHECKSUM_SHA256);
	guint8 block[CVM_MIGRATE_BLOCK_SIZE];
	guint64 blocks = 0;
	gint64 deadline = g_get_monotonic_time() + s->timeout_us;
	guint spins = 0;

	if (!wait_for(s, CVM_MIGRATE_STATUS_OFFSET, CVM_MIGRATE_STATUS_INCOMING))
		return 1;
	for (;;) {
		guint8 status = reg(s, CVM_MIGRATE_STATUS_OFFSET), data = reg(s, CVM_MIGRATE_DATA_OFFSET);
		if (data == CVM_MIGRATE_DATA_READY) {
			cvm_guest_memory_read(s->mem, s->gpa + CVM_MIGRATE_BUFFER_OFFSET, block, sizeof block, NULL);
			g_checksum_update(sha, block, sizeof block);
			blocks++;
			set(s, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READ);
			deadline = g_get_monotonic_time() + s->timeout_us;
			spins = 0;
			continue;
		}
		if (status == CVM_MIGRATE_STATUS_COMPLETED)
			break;
		if (status == CVM_MIGRATE_STATUS_NOT_STARTED || g_get_monotonic_time() > deadline)
			return 1; /* the broker gave up, or nothing moves */
		if (++spins > 64)
			g_usleep(20);
	}
	printf("%" G_GUINT64_FORMAT " %s\n", blocks, g_checksum_get_string(sha));
	return 0;
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	gboolean src = argc >= 6 && strcmp(argv[1], "source") == 0;
	gboolean dst = argc >= 4 && strcmp(argv[1], "dest") == 0;
	int t = src ? 6 : 4;

	if (!src && !dst) {
		fprintf(stderr, "usage: %s source FILE GPA BLOCKS SEED [MS] | dest FILE GPA [MS]\n", argv[0]);
		return 2;
	}
	Sim s = {.gpa = g_ascii_strtoull(argv[3], NULL, 0),
		 .timeout_us = (argc > t ? g_ascii_strtoll(argv[t], NULL, 10) : 30000) * 1000};
	s.mem = cvm_guest_memory_new_file(argv[2], 0, TRUE, &error);
	if (s.mem == NULL) {
		fprintf(stderr, "svsm-sim: %s\n", error->message);
		return 1;
	}
	int rc = src ? source(&s, g_ascii_strtoull(argv[4], NULL, 10), (guint32)atoi(argv[5])) : dest(&s);
	cvm_guest_memory_free(s.mem);
	return rc;
}
