/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SVSM simulator for migration tests: plays the SVSM's side of the
 * migration page in a shared memory file, or in a running QEMU's guest RAM
 * when FILE is pid:PID:HVA (HVA: where guest address 0 is in that process).
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
#include "tests/lib/migrate-page.h"
#include <openssl/evp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	CvmGuestMemory *mem;
	guint64 gpa;
	gint64 timeout_us;
} Sim;

/* Until register @off holds @want, or (@alt_off, @alt) when @alt_off >= 0. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_MD_CTX, EVP_MD_CTX_free)

/* OpenSSL rather than GChecksum: the simulator must not be what limits the
 * relay benchmark. */
static EVP_MD_CTX *
new_sha(void)
{
	EVP_MD_CTX *sha = EVP_MD_CTX_new();
	if (sha == NULL || !EVP_DigestInit_ex(sha, EVP_sha256(), NULL))
		g_error("EVP SHA-256 unavailable");
	return sha;
}

static void
print_result(guint64 blocks, EVP_MD_CTX *sha)
{
	guint8 digest[32];
	EVP_DigestFinal_ex(sha, digest, NULL);
	printf("%" G_GUINT64_FORMAT " ", blocks);
	for (guint i = 0; i < sizeof digest; i++)
		printf("%02x", digest[i]);
	printf("\n");
}

/* Like a vCPU that polls: yield first (the broker may share our core), sleep
 * only once nothing has moved for a while. */
static void
pause_poll(guint *spins, gint64 *since)
{
	if (++*spins < 256)
		return;
	gint64 now = g_get_monotonic_time();
	if (*since == 0)
		*since = now;
	if (now - *since < 5000)
		sched_yield();
	else
		g_usleep(20);
}

/* The clock is read only once polling has gone on for a while: it costs more
 * than a register read. *deadline is 0 until then. */
static gboolean
timed_out(Sim *s, guint spins, gint64 *deadline)
{
	if (spins < 256)
		return FALSE;
	gint64 now = g_get_monotonic_time();
	if (*deadline == 0)
		*deadline = now + s->timeout_us;
	return now > *deadline;
}

static gboolean
wait_for(Sim *s, guint off, guint8 want)
{
	gint64 deadline = 0;
	guint spins = 0;
	gint64 since = 0;

	while (cvmt_page_get(s->mem, s->gpa, off) != want) {
		if (timed_out(s, spins, &deadline))
			return FALSE;
		pause_poll(&spins, &since);
	}
	return TRUE;
}

/* xorshift64*: pseudo-random blocks at a few hundred nanoseconds each
 * (GRand's Mersenne Twister took microseconds per block, more than the
 * page handshake the benchmark measures). */
static guint64
next_random(guint64 *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * G_GUINT64_CONSTANT(0x2545F4914F6CDD1D);
}

static int
source(Sim *s, guint64 blocks, guint32 seed)
{
	g_autoptr(EVP_MD_CTX) sha = new_sha();
	guint64 block[CVM_MIGRATE_BLOCK_SIZE / 8];
	guint64 x = G_GUINT64_CONSTANT(0x9E3779B97F4A7C15) ^ seed;

	if (!wait_for(s, CVM_MIGRATE_STATUS_OFFSET, CVM_MIGRATE_STATUS_RUNNING))
		return 1;
	for (guint64 i = 0; i < blocks; i++) {
		for (guint j = 0; j < G_N_ELEMENTS(block); j++)
			block[j] = next_random(&x);
		if (!wait_for(s, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READ))
			return 1;
		cvm_guest_memory_write(s->mem, s->gpa + CVM_MIGRATE_BUFFER_OFFSET, block, sizeof block, NULL);
		cvmt_page_set(s->mem, s->gpa, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READY);
		EVP_DigestUpdate(sha, block, sizeof block);
	}
	if (!wait_for(s, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READ))
		return 1;
	cvmt_page_set(s->mem, s->gpa, CVM_MIGRATE_STATUS_OFFSET, CVM_MIGRATE_STATUS_COMPLETED);
	print_result(blocks, sha);
	return 0;
}

static int
dest(Sim *s)
{
	g_autoptr(EVP_MD_CTX) sha = new_sha();
	guint8 block[CVM_MIGRATE_BLOCK_SIZE];
	guint64 blocks = 0;
	gint64 deadline = 0;
	guint spins = 0;
	gint64 since = 0;

	if (!wait_for(s, CVM_MIGRATE_STATUS_OFFSET, CVM_MIGRATE_STATUS_INCOMING))
		return 1;
	for (;;) {
		guint8 status = cvmt_page_get(s->mem, s->gpa, CVM_MIGRATE_STATUS_OFFSET), data = cvmt_page_get(s->mem, s->gpa, CVM_MIGRATE_DATA_OFFSET);
		if (data == CVM_MIGRATE_DATA_READY) {
			cvm_guest_memory_read(s->mem, s->gpa + CVM_MIGRATE_BUFFER_OFFSET, block, sizeof block, NULL);
			EVP_DigestUpdate(sha, block, sizeof block);
			blocks++;
			cvmt_page_set(s->mem, s->gpa, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READ);
			deadline = 0;
			spins = 0;
			since = 0;
			continue;
		}
		if (status == CVM_MIGRATE_STATUS_COMPLETED)
			break;
		if (status == CVM_MIGRATE_STATUS_NOT_STARTED || timed_out(s, spins, &deadline))
			return 1; /* the broker gave up, or nothing moves */
		pause_poll(&spins, &since);
	}
	print_result(blocks, sha);
	return 0;
}

static CvmGuestMemory *
open_memory(const char *what, guint64 gpa, GError **error)
{
	g_auto(GStrv) f = g_strsplit(what, ":", 0);

	if (g_strv_length(f) != 3 || strcmp(f[0], "pid") != 0)
		return cvm_guest_memory_new_file(what, 0, TRUE, error);
	return cvm_guest_memory_new_process(atoi(f[1]), g_ascii_strtoull(f[2], NULL, 0), 0,
					    gpa + CVM_MIGRATE_PAGE_SIZE, error);
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
	s.mem = open_memory(argv[2], s.gpa, &error);
	if (s.mem == NULL) {
		fprintf(stderr, "svsm-sim: %s\n", error->message);
		return 1;
	}
	int rc = src ? source(&s, g_ascii_strtoull(argv[4], NULL, 10), (guint32)atoi(argv[5])) : dest(&s);
	cvm_guest_memory_free(s.mem);
	return rc;
}
