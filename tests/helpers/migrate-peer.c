/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The far ends of one side of a migration, for bench-migrate: whatever a
 * relay talks to on the page or on the socket, and the COCONUT fork's relay
 * loop as the peer baseline. FILE is a shared memory file (svsm-sim's), the
 * socket speaks the fork's records (BE64 header 0x5 + 0x800 bytes, 0x6 at
 * the end).
 *   migrate-peer take FILE GPA           ceiling, source side: polls the
 *       page like a relay (DATA_READ, RUNNING, copy each block out)
 *       until COMPLETED, no socket
 *   migrate-peer give FILE GPA BLOCKS    ceiling, destination side: puts
 *       BLOCKS blocks in the page (INCOMING, DATA_READ first), then COMPLETED
 *   migrate-peer sink [unix:PATH]        listens on loopback TCP (or PATH),
 *       prints "listening tcp:127.0.0.1:PORT" (or "listening unix:PATH"),
 *       reads records until 0x6 (woken per 256 KiB received: SO_RCVLOWAT)
 *   migrate-peer feed URI BLOCKS         connects, writes BLOCKS records and 0x6
 *   migrate-peer fork-source FILE GPA URI   the fork's source loop
 *   migrate-peer fork-dest FILE GPA [unix:PATH]   the fork's destination
 *       loop (listens like sink)
 * URI: tcp:HOST:PORT or unix:PATH.
 * Each prints "<blocks>" moved and exits 0, or exits 1 when the page stops
 * moving for TIMEOUT (30 s) or the socket fails. */
#include <cvm/guest-memory.h>
#include <cvm/migrate.h>
#include "tests/lib/migrate-page.h"
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <sys/socket.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORK_DATA 0x5
#define FORK_COMPLETED 0x6
#define RECORD (8 + CVM_MIGRATE_BLOCK_SIZE)
#define TIMEOUT_US (30 * G_USEC_PER_SEC)
#define BATCH 128 /* records per write when feeding: 256 KiB, as the source relay sends (TX_BATCH) */
#define QEMU_FILE_BUF 32768 /* QEMUFile's IO_BUF_SIZE: the fork's stream buffer */
#define SINK_BUF (1024 * 1024)
#define SINK_LOWAT (256 * 1024)

typedef struct {
	CvmGuestMemory *mem;
	guint64 gpa;
} Page;

/* The ceiling's local ends poll as the simulator does (256 immediate
 * retries, then a yield per poll), so that on a shared core neither burns
 * the other's turn: the best the handshake does on this machine. The fork's
 * loops spin without yielding, as QEMU's worker does. */
static gboolean yield_polls;

/* One unsuccessful poll (@n counts them since the last progress); FALSE
 * once the page has not moved for TIMEOUT_US. The clock is read once every
 * 4096 polls. */
static gboolean
idle(guint n, gint64 *deadline)
{
	if (yield_polls && n >= 256)
		sched_yield();
	if (n % 4096 != 0)
		return TRUE;
	gint64 now = g_get_monotonic_time();
	if (*deadline == 0)
		*deadline = now + TIMEOUT_US;
	return now <= *deadline;
}

static gboolean
spin_until(Page *p, guint off, guint8 want)
{
	gint64 deadline = 0;
	for (guint n = 1; cvmt_page_get(p->mem, p->gpa, off) != want; n++)
		if (!idle(n, &deadline))
			return FALSE;
	return TRUE;
}

static void
put_header(guint8 *out, guint64 v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = v & 0xff;
}

static guint64
get_header(const guint8 *in)
{
	guint64 v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | in[i];
	return v;
}

/* Source side without a socket: what the page handshake allows at most. */
static int
take(Page *p)
{
	guint8 block[CVM_MIGRATE_BLOCK_SIZE];
	guint64 blocks = 0;
	gint64 deadline = 0;
	guint n = 0;

	cvmt_page_set(p->mem, p->gpa, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READ);
	cvmt_page_set(p->mem, p->gpa, CVM_MIGRATE_STATUS_OFFSET, CVM_MIGRATE_STATUS_RUNNING);
	for (;;) {
		guint8 status = cvmt_page_get(p->mem, p->gpa, CVM_MIGRATE_STATUS_OFFSET);
		if (cvmt_page_get(p->mem, p->gpa, CVM_MIGRATE_DATA_OFFSET) == CVM_MIGRATE_DATA_READY) {
			cvm_guest_memory_read(p->mem, p->gpa + CVM_MIGRATE_BUFFER_OFFSET, block,
					      sizeof block, NULL);
			cvmt_page_set(p->mem, p->gpa, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READ);
			blocks++;
			deadline = 0;
			n = 0;
			continue;
		}
		if (status == CVM_MIGRATE_STATUS_COMPLETED)
			break;
		if (!idle(++n, &deadline))
			return 1;
	}
	printf("%" G_GUINT64_FORMAT "\n", blocks);
	return 0;
}

/* Destination side without a socket. */
static int
give(Page *p, guint64 blocks)
{
	guint8 block[CVM_MIGRATE_BLOCK_SIZE];

	memset(block, 0x5a, sizeof block);
	cvmt_page_set(p->mem, p->gpa, CVM_MIGRATE_STATUS_OFFSET, CVM_MIGRATE_STATUS_INCOMING);
	cvmt_page_set(p->mem, p->gpa, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READ);
	for (guint64 i = 0; i < blocks; i++) {
		memcpy(block, &i, sizeof i);
		if (!spin_until(p, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READ))
			return 1;
		cvm_guest_memory_write(p->mem, p->gpa + CVM_MIGRATE_BUFFER_OFFSET, block, sizeof block,
				       NULL);
		cvmt_page_set(p->mem, p->gpa, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READY);
	}
	if (!spin_until(p, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READ))
		return 1;
	cvmt_page_set(p->mem, p->gpa, CVM_MIGRATE_STATUS_OFFSET, CVM_MIGRATE_STATUS_COMPLETED);
	printf("%" G_GUINT64_FORMAT "\n", blocks);
	return 0;
}

/* Listen on loopback TCP (@where NULL) or on unix:PATH, say where, accept
 * one connection. */
static GSocketConnection *
listen_once(const char *where, GError **error)
{
	g_autoptr(GSocketListener) l = g_socket_listener_new();
	g_autoptr(GSocketAddress) addr = NULL;
	g_autoptr(GSocketAddress) bound = NULL;

	if (where != NULL && g_str_has_prefix(where, "unix:")) {
		addr = g_unix_socket_address_new(where + 5);
		if (!g_socket_listener_add_address(l, addr, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, NULL,
						   NULL, error))
			return NULL;
		printf("listening %s\n", where);
	} else {
		g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
		addr = g_inet_socket_address_new(lo, 0);
		if (!g_socket_listener_add_address(l, addr, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
						   &bound, error))
			return NULL;
		printf("listening tcp:127.0.0.1:%u\n",
		       g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)));
	}
	fflush(stdout);
	return g_socket_listener_accept(l, NULL, NULL, error);
}

/* tcp:HOST:PORT or unix:PATH */
static GSocketConnection *
connect_to(const char *uri, GError **error)
{
	g_autoptr(GSocketClient) c = g_socket_client_new();

	if (g_str_has_prefix(uri, "unix:")) {
		g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(uri + 5);
		return g_socket_client_connect(c, G_SOCKET_CONNECTABLE(addr), NULL, error);
	}
	return g_socket_client_connect_to_host(c, g_str_has_prefix(uri, "tcp:") ? uri + 4 : uri, 0, NULL, error);
}

/* Read records until COMPLETED; returns the data records seen, -1 on error. */
static gint64
sink(const char *where, GError **error)
{
	g_autoptr(GSocketConnection) conn = listen_once(where, error);
	if (conn == NULL)
		return -1;
	GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
	gsize cap = SINK_BUF, len = 0;
	/* Woken once per SINK_LOWAT bytes, not per segment the relay sends:
	 * the far end is another relay, which polls its socket and is never
	 * woken at all. Each wake-up cost the sending relay an IPI in its send
	 * and preempted the simulator or the relay (16000 context switches a
	 * GiB; bench-migrate source side best of 4: 1.73 s -> 1.50 s). Every
	 * byte is still read and every record counted. */
	if (!g_socket_set_option(g_socket_connection_get_socket(conn), SOL_SOCKET, SO_RCVLOWAT,
				 SINK_LOWAT, error))
		return -1;
	g_autofree guint8 *buf = g_malloc(cap);
	gint64 blocks = 0;

	for (;;) {
		gssize n = g_input_stream_read(in, buf + len, cap - len, NULL, error);
		if (n <= 0) {
			if (n == 0)
				g_set_error(error, G_IO_ERROR, G_IO_ERROR_CLOSED, "closed before COMPLETED");
			return -1;
		}
		len += (gsize)n;
		gsize off = 0;
		while (len - off >= 8) {
			guint64 h = get_header(buf + off);
			if (h == FORK_COMPLETED)
				return blocks;
			if (h != FORK_DATA) {
				g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
					    "record header 0x%" G_GINT64_MODIFIER "x", h);
				return -1;
			}
			if (len - off < RECORD)
				break;
			off += RECORD;
			blocks++;
		}
		memmove(buf, buf + off, len - off);
		len -= off;
	}
}

static gboolean
feed(const char *uri, guint64 blocks, GError **error)
{
	g_autoptr(GSocketConnection) conn = connect_to(uri, error);
	if (conn == NULL)
		return FALSE;
	GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
	g_autofree guint8 *buf = g_malloc0(BATCH * RECORD);

	for (guint64 i = 0; i < blocks;) {
		guint k = 0;
		for (; k < BATCH && i < blocks; k++, i++) {
			put_header(buf + k * RECORD, FORK_DATA);
			memcpy(buf + k * RECORD + 8, &i, sizeof i);
		}
		if (!g_output_stream_write_all(out, buf, k * RECORD, NULL, NULL, error))
			return FALSE;
	}
	put_header(buf, FORK_COMPLETED);
	return g_output_stream_write_all(out, buf, 8, NULL, NULL, error) &&
	       g_io_stream_close(G_IO_STREAM(conn), NULL, error);
}

/* The fork's source loop (coconut-svsm/qemu migration/snp.c @67c39d23,
 * reimplemented): spin on the page with no sleep, status sampled before
 * data, each block taken at once and put into the QEMUFile stream, which
 * writes (blocking) whenever its 32 KiB buffer is full. */
typedef struct {
	GOutputStream *out;
	guint8 buf[QEMU_FILE_BUF];
	gsize len;
} QemuFile;

static gboolean
qemu_put(QemuFile *f, const guint8 *p, gsize n, GError **error)
{
	while (n > 0) {
		gsize k = MIN(n, sizeof f->buf - f->len);
		memcpy(f->buf + f->len, p, k);
		f->len += k;
		p += k;
		n -= k;
		if (f->len == sizeof f->buf) {
			if (!g_output_stream_write_all(f->out, f->buf, f->len, NULL, NULL, error))
				return FALSE;
			f->len = 0;
		}
	}
	return TRUE;
}

static gint64
fork_source(Page *p, const char *uri, GError **error)
{
	g_autoptr(GSocketConnection) conn = connect_to(uri, error);
	if (conn == NULL)
		return -1;
	g_autofree QemuFile *f = g_new0(QemuFile, 1);
	guint8 rec[RECORD];
	gint64 blocks = 0;

	f->out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
	cvmt_page_set(p->mem, p->gpa, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READ);
	cvmt_page_set(p->mem, p->gpa, CVM_MIGRATE_STATUS_OFFSET, CVM_MIGRATE_STATUS_RUNNING);
	put_header(rec, FORK_DATA);
	for (;;) {
		guint8 status = cvmt_page_get(p->mem, p->gpa, CVM_MIGRATE_STATUS_OFFSET);
		if (cvmt_page_get(p->mem, p->gpa, CVM_MIGRATE_DATA_OFFSET) == CVM_MIGRATE_DATA_READY) {
			cvm_guest_memory_read(p->mem, p->gpa + CVM_MIGRATE_BUFFER_OFFSET, rec + 8,
					      CVM_MIGRATE_BLOCK_SIZE, NULL);
			cvmt_page_set(p->mem, p->gpa, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READ);
			if (!qemu_put(f, rec, sizeof rec, error))
				return -1;
			blocks++;
		}
		if (status == CVM_MIGRATE_STATUS_COMPLETED)
			break;
	}
	put_header(rec, FORK_COMPLETED);
	if (!qemu_put(f, rec, 8, error) ||
	    !g_output_stream_write_all(f->out, f->buf, f->len, NULL, NULL, error) ||
	    !g_io_stream_close(G_IO_STREAM(conn), NULL, error))
		return -1;
	return blocks;
}

/* The fork's destination loop: header and block read through the QEMUFile
 * stream (a 32 KiB buffer filled by one receive), spin until the page is
 * free, hand the block over. It ends by setting COMPLETED once
 * the last block is taken (the fork's first version did; the simulator
 * waits for it). */
static gint64
fork_dest(Page *p, const char *where, GError **error)
{
	g_autoptr(GSocketConnection) conn = listen_once(where, error);
	if (conn == NULL)
		return -1;
	g_autoptr(GInputStream) in = g_buffered_input_stream_new_sized(
		g_io_stream_get_input_stream(G_IO_STREAM(conn)), QEMU_FILE_BUF);
	guint8 rec[RECORD];
	gint64 blocks = 0;

	cvmt_page_set(p->mem, p->gpa, CVM_MIGRATE_STATUS_OFFSET, CVM_MIGRATE_STATUS_INCOMING);
	cvmt_page_set(p->mem, p->gpa, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READ);
	for (;;) {
		if (!g_input_stream_read_all(in, rec, 8, NULL, NULL, error))
			return -1;
		guint64 h = get_header(rec);
		if (h == FORK_COMPLETED)
			break;
		if (h != FORK_DATA) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				    "record header 0x%" G_GINT64_MODIFIER "x", h);
			return -1;
		}
		gsize got = 0;
		if (!g_input_stream_read_all(in, rec + 8, CVM_MIGRATE_BLOCK_SIZE, &got, NULL, error))
			return -1;
		if (got != CVM_MIGRATE_BLOCK_SIZE) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_CLOSED, "short block");
			return -1;
		}
		if (!spin_until(p, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READ)) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "page stopped");
			return -1;
		}
		cvm_guest_memory_write(p->mem, p->gpa + CVM_MIGRATE_BUFFER_OFFSET, rec + 8,
				       CVM_MIGRATE_BLOCK_SIZE, NULL);
		cvmt_page_set(p->mem, p->gpa, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READY);
		blocks++;
	}
	if (!spin_until(p, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READ)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "page stopped");
		return -1;
	}
	cvmt_page_set(p->mem, p->gpa, CVM_MIGRATE_STATUS_OFFSET, CVM_MIGRATE_STATUS_COMPLETED);
	return blocks;
}

static gboolean
open_page(Page *p, const char *file, const char *gpa, GError **error)
{
	p->gpa = g_ascii_strtoull(gpa, NULL, 0);
	p->mem = cvm_guest_memory_new_file(file, 0, TRUE, error);
	return p->mem != NULL;
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	const char *mode = argc > 1 ? argv[1] : "";
	Page p = { 0 };
	gint64 blocks = -1;
	int rc = 1;

	yield_polls = strcmp(mode, "take") == 0 || strcmp(mode, "give") == 0;
	if (strcmp(mode, "take") == 0 && argc == 4) {
		if (open_page(&p, argv[2], argv[3], &error))
			rc = take(&p);
	} else if (strcmp(mode, "give") == 0 && argc == 5) {
		if (open_page(&p, argv[2], argv[3], &error))
			rc = give(&p, g_ascii_strtoull(argv[4], NULL, 10));
	} else if (strcmp(mode, "sink") == 0 && (argc == 2 || argc == 3)) {
		blocks = sink(argc == 3 ? argv[2] : NULL, &error);
	} else if (strcmp(mode, "feed") == 0 && argc == 4) {
		blocks = feed(argv[2], g_ascii_strtoull(argv[3], NULL, 10), &error) ?
			 (gint64)g_ascii_strtoull(argv[3], NULL, 10) : -1;
	} else if (strcmp(mode, "fork-source") == 0 && argc == 5) {
		if (open_page(&p, argv[2], argv[3], &error))
			blocks = fork_source(&p, argv[4], &error);
	} else if (strcmp(mode, "fork-dest") == 0 && (argc == 4 || argc == 5)) {
		if (open_page(&p, argv[2], argv[3], &error))
			blocks = fork_dest(&p, argc == 5 ? argv[4] : NULL, &error);
	} else {
		fprintf(stderr, "usage: %s take FILE GPA | give FILE GPA BLOCKS | sink [unix:PATH] | feed URI BLOCKS"
				" | fork-source FILE GPA URI | fork-dest FILE GPA [unix:PATH]\n", argv[0]);
		return 2;
	}
	if (blocks >= 0) {
		printf("%" G_GINT64_FORMAT "\n", blocks);
		rc = 0;
	}
	if (error != NULL)
		fprintf(stderr, "migrate-peer %s: %s\n", mode, error->message);
	if (p.mem != NULL)
		cvm_guest_memory_free(p.mem);
	return rc;
}
