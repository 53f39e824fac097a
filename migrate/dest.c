/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Destination role: blocks from the channel go into the page for the SVSM.
 * cvm framing: this end answers the source's HELLO with the next block it
 * wants (which is also how a resumed connection says where to continue),
 * acknowledges delivered blocks, drops resent duplicates, and echoes the
 * stream's SHA-256 at the end. The fork's raw format is detected from its
 * first bytes when the wire is AUTO. */
#include "migrate/migrate-private.h"
#include "libcvm/libcvm-internal.h"

#include <openssl/evp.h>
#include <string.h>

/* The SVSM waits through every receive (it has nothing to do between
 * DATA_READ and the next block), so they are few and large: one receive
 * tops rx up to RX_LIMIT once it falls below RX_LOW. Loopback, sender and
 * receiver together: 0.98 us of CPU a 2 KiB block received in 64 KiB calls,
 * 0.84 in 256 KiB ones, 0.71 in 1 MiB ones. */
#define RX_LIMIT (1024u * 1024u)
#define RX_LOW (64u * 1024u)
#define ACK_EVERY 64u

typedef struct {
	CvmiMigrationCore *core;
	const CvmMigrateOptions *o;
	CvmiConn conn;
	CvmMigrateWire wire;  /* AUTO until the first bytes tell */
	guint64 next_seq;     /* blocks delivered into the page */
	guint8 pending[CVM_MIGRATE_BLOCK_SIZE];
	gboolean has_pending; /* block next_seq received, not yet in the page */
	gboolean front_is_block; /* rx's first frame was decoded: a block that must wait */
	gboolean idle;        /* the last step moved nothing */
	gboolean completed;   /* the source said it sent everything */
	guint8 peer_digest[32];
	guint64 acked;        /* last ACK sent */
	gboolean greeted;     /* this connection's HELLO answered: ACKs may flow */
	EVP_MD_CTX *sha; /* OpenSSL: several times GChecksum's speed, which bounds the relay */
	gint64 page_wait_us;  /* since when a block waits for the SVSM */
	CvmiBackoff backoff;
} Dest;

static void
send_hello(Dest *d)
{
	CvmiHello hello = {.version_min = CVMI_WIRE_VERSION, .version_max = CVMI_WIRE_VERSION,
			   .next_seq = d->next_seq + (d->has_pending ? 1 : 0)};
	guint8 payload[CVMI_HELLO_SIZE];

	cvmi_hello_encode(&hello, payload);
	cvmi_frame_append(d->conn.tx, CVMI_FRAME_HELLO, 0, payload, sizeof payload);
	d->greeted = TRUE;
}

static gboolean
accept_peer(Dest *d, gint64 deadline, GError **error)
{
	GSocket *sock = cvmi_uri_accept(d->core->listener, deadline, d->core->cancel, error);

	if (sock == NULL)
		return FALSE;
	cvmi_conn_reset(&d->conn, sock);
	d->front_is_block = FALSE;
	d->greeted = FALSE;
	return TRUE;
}

/* AUTO: "CVM1" starts a cvm frame, a fork record starts with seven zero bytes. */
static gboolean
detect_wire(Dest *d, GError **error)
{
	const guint8 *b = cvmi_conn_rx(&d->conn);

	if (d->wire != CVM_MIGRATE_WIRE_AUTO || cvmi_conn_rx_len(&d->conn) < 4)
		return TRUE;
	if (memcmp(b, "CVM1", 4) == 0)
		d->wire = CVM_MIGRATE_WIRE_CVM;
	else if (b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 0)
		d->wire = CVM_MIGRATE_WIRE_FORK;
	else {
		g_set_error(error, CVM_ERROR, CVM_ERROR_PROTOCOL,
			    "the peer's first bytes are neither cvm framing nor the COCONUT-fork format");
		return FALSE;
	}
	cvmi_progress_set_wire(d->core, d->wire);
	return TRUE;
}

static gboolean
take_block(Dest *d, guint64 seq, const guint8 *block, GError **error)
{
	guint64 expect = d->next_seq + (d->has_pending ? 1 : 0);

	if (seq < expect)
		return TRUE; /* resent after a resume: already here */
	if (seq > expect || d->has_pending) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_PROTOCOL,
			    "block %" G_GUINT64_FORMAT " arrived, block %" G_GUINT64_FORMAT " was next", seq, expect);
		return FALSE;
	}
	memcpy(d->pending, block, CVM_MIGRATE_BLOCK_SIZE);
	d->has_pending = TRUE;
	d->page_wait_us = cvmi_backoff_now(&d->backoff);
	return TRUE;
}

static gboolean
handle_frame(Dest *d, const CvmiFrame *f, GError **error)
{
	CvmiHello hello;

	switch (f->type) {
	case CVMI_FRAME_HELLO:
		if (!cvmi_hello_decode(f, &hello, error))
			return FALSE;
		if (hello.version_min > CVMI_WIRE_VERSION || hello.version_max < CVMI_WIRE_VERSION) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED, "peer speaks cvm framing %u..%u",
				    hello.version_min, hello.version_max);
			return FALSE;
		}
		send_hello(d);
		return TRUE;
	case CVMI_FRAME_HEARTBEAT:
		return TRUE;
	case CVMI_FRAME_DATA:
		if (f->length != CVM_MIGRATE_BLOCK_SIZE)
			break;
		return take_block(d, f->seq, f->payload, error);
	case CVMI_FRAME_COMPLETE:
		if (f->length != sizeof d->peer_digest || f->seq != d->next_seq + (d->has_pending ? 1 : 0))
			break;
		memcpy(d->peer_digest, f->payload, sizeof d->peer_digest);
		d->completed = TRUE;
		return TRUE;
	case CVMI_FRAME_CANCEL:
		g_set_error(error, CVM_ERROR, CVM_ERROR_CANCELLED, "peer aborted: %.*s", (int)f->length,
			    (const char *)f->payload);
		return FALSE;
	default:
		break;
	}
	g_set_error(error, CVM_ERROR, CVM_ERROR_PROTOCOL,
		    "unexpected frame type %u seq %" G_GUINT64_FORMAT " from the source", f->type, f->seq);
	return FALSE;
}

/* Decode what arrived: control frames always (a CANCEL must not wait behind
 * a block the SVSM has not taken yet), blocks one at a time. */
static gboolean
drain_rx(Dest *d, gboolean *moved, GError **error)
{
	for (;;) {
		gssize used;
		if (!detect_wire(d, error))
			return FALSE;
		if (d->wire == CVM_MIGRATE_WIRE_AUTO)
			return TRUE;
		if (d->wire == CVM_MIGRATE_WIRE_FORK) {
			gboolean done = FALSE;
			const guint8 *block = NULL;
			if (d->has_pending || d->completed)
				return TRUE;
			used = cvmi_fork_decode(cvmi_conn_rx(&d->conn), cvmi_conn_rx_len(&d->conn), &done, &block, error);
			if (used > 0 && done)
				d->completed = TRUE;
			else if (used > 0 && !take_block(d, d->next_seq, block, error))
				return FALSE;
		} else {
			CvmiFrame f;
			/* Checking the same waiting block's CRC on every poll is waste. */
			if (d->front_is_block && (d->has_pending || d->completed))
				return TRUE;
			used = cvmi_frame_decode(cvmi_conn_rx(&d->conn), cvmi_conn_rx_len(&d->conn), &f, error);
			if (used > 0 && (f.type == CVMI_FRAME_DATA || f.type == CVMI_FRAME_COMPLETE) &&
			    (d->has_pending || d->completed)) {
				d->front_is_block = TRUE;
				return TRUE;
			}
			if (used > 0 && !handle_frame(d, &f, error))
				return FALSE;
		}
		if (used < 0)
			return FALSE;
		if (used == 0)
			return TRUE;
		cvmi_conn_consume(&d->conn, (gsize)used);
		d->front_is_block = FALSE;
		*moved = TRUE;
	}
}

/* Hand the pending block to the SVSM once it has read the previous one. */
static gboolean
feed_page(Dest *d, gboolean *moved, GError **error)
{
	CvmGuestMemory *mem = d->o->memory;
	guint64 gpa = d->o->page_gpa;
	guint8 data = 0;

	if (!d->has_pending)
		return TRUE;
	if (!cvmi_page_get(mem, gpa, CVM_MIGRATE_DATA_OFFSET, &data, error))
		return FALSE;
	if (data != CVM_MIGRATE_DATA_READ)
		return TRUE;
	if (!cvm_guest_memory_write(mem, gpa + CVM_MIGRATE_BUFFER_OFFSET, d->pending, CVM_MIGRATE_BLOCK_SIZE, error) ||
	    !cvmi_page_set(mem, gpa, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READY, error))
		return FALSE;
	/* The fork format carries no digest to compare (see source.c). */
	if (d->wire == CVM_MIGRATE_WIRE_CVM)
		EVP_DigestUpdate(d->sha, d->pending, CVM_MIGRATE_BLOCK_SIZE);
	d->has_pending = FALSE;
	d->next_seq++;
	cvmi_progress_add_block(d->core);
	*moved = TRUE;
	return TRUE;
}

/* The end: the SVSM has read the last block; tell it and (cvm) the source. */
static gboolean
finish(Dest *d, gboolean *done, GError **error)
{
	guint8 data = 0, digest[32];

	if (!d->completed || d->has_pending ||
	    !cvmi_page_get(d->o->memory, d->o->page_gpa, CVM_MIGRATE_DATA_OFFSET, &data, error))
		return error == NULL || *error == NULL;
	if (data != CVM_MIGRATE_DATA_READ)
		return TRUE;
	if (d->wire == CVM_MIGRATE_WIRE_CVM && !EVP_DigestFinal_ex(d->sha, digest, NULL)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_FAILED, "SHA-256 of the stream failed");
		return FALSE;
	}
	if (d->wire == CVM_MIGRATE_WIRE_CVM && memcmp(digest, d->peer_digest, sizeof digest) != 0) {
		g_autofree gchar *ours = cvmi_hex(digest, sizeof digest);
		g_autofree gchar *theirs = cvmi_hex(d->peer_digest, sizeof d->peer_digest);
		g_set_error(error, CVM_ERROR, CVM_ERROR_CHECKSUM,
			    "the SHA-256 of the blocks received %s differs from the source's %s", ours, theirs);
		return FALSE;
	}
	if (!cvmi_page_set(d->o->memory, d->o->page_gpa, CVM_MIGRATE_STATUS_OFFSET, CVM_MIGRATE_STATUS_COMPLETED, error))
		return FALSE;
	if (d->wire == CVM_MIGRATE_WIRE_CVM) {
		cvmi_frame_append(d->conn.tx, CVMI_FRAME_COMPLETE, d->next_seq, digest, sizeof digest);
		if (!cvmi_conn_flush(&d->conn, g_get_monotonic_time() + (gint64)d->o->io_timeout_ms * 1000,
				     d->core->cancel, error))
			return FALSE;
	}
	*done = TRUE;
	return TRUE;
}

static gboolean
check_deadlines(Dest *d, GError **error)
{
	gint64 now = cvmi_backoff_now(&d->backoff);

	if (d->has_pending && now - d->page_wait_us > (gint64)d->o->page_timeout_ms * 1000) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TIMEOUT, "the SVSM read no block from the page for %u ms",
			    d->o->page_timeout_ms);
		return FALSE;
	}
	if (!d->has_pending && !d->completed && now - d->conn.last_rx_us > (gint64)d->o->io_timeout_ms * 1000) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TIMEOUT, "the source stalled for %u ms", d->o->io_timeout_ms);
		return FALSE;
	}
	return TRUE;
}

/* Whether rx still holds a whole record (the peer may close right after its last). */
static gboolean
record_waiting(Dest *d)
{
	g_autoptr(GError) ignored = NULL;
	gboolean done;
	const guint8 *block;

	if (d->wire == CVM_MIGRATE_WIRE_FORK)
		return cvmi_fork_decode(cvmi_conn_rx(&d->conn), cvmi_conn_rx_len(&d->conn), &done, &block, &ignored) != 0;
	return cvmi_conn_rx_len(&d->conn) >= 4 &&
	       (d->wire == CVM_MIGRATE_WIRE_AUTO || cvmi_frame_whole(cvmi_conn_rx(&d->conn), cvmi_conn_rx_len(&d->conn)) != 0);
}

static gboolean
step(Dest *d, gboolean *done, GError **error)
{
	gboolean moved = FALSE;
	gint64 now = cvmi_backoff_now(&d->backoff);

	/* With blocks buffered and the page moving, leave the socket alone:
	 * one receive then feeds many blocks. */
	gboolean starved = !d->has_pending && !record_waiting(d);
	gboolean low = starved || cvmi_conn_rx_len(&d->conn) < RX_LOW;
	gboolean io = cvmi_conn_pending(&d->conn) > 0 || starved || now - d->conn.last_pump_us >= CVMI_PUMP_US ||
		      (!d->idle && low);
	/* The timely pump sends (ACKs, heartbeats); it receives only when rx runs low. */
	if (!cvmi_check_cancel(d->core, error) ||
	    (io && !cvmi_conn_pump(&d->conn, low ? RX_LIMIT : 0, &moved, error)) ||
	    !drain_rx(d, &moved, error) || !feed_page(d, &moved, error) || !finish(d, done, error))
		return FALSE;
	d->idle = !moved;
	if (*done)
		return TRUE;
	if (d->wire == CVM_MIGRATE_WIRE_CVM && d->greeted && (d->next_seq - d->acked >= ACK_EVERY ||
						(!moved && d->next_seq > d->acked))) {
		cvmi_frame_append(d->conn.tx, CVMI_FRAME_ACK, d->next_seq, NULL, 0);
		d->acked = d->next_seq;
	}
	if (d->wire == CVM_MIGRATE_WIRE_CVM && d->greeted && cvmi_conn_pending(&d->conn) == 0 &&
	    now - d->conn.last_tx_us > (gint64)d->o->heartbeat_ms * 1000)
		cvmi_frame_append(d->conn.tx, CVMI_FRAME_HEARTBEAT, 0, NULL, 0);
	if (d->conn.eof && !d->completed && !d->has_pending && !record_waiting(d)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "the source closed the connection");
		return FALSE;
	}
	if (moved) {
		cvmi_backoff_reset(&d->backoff);
		return TRUE;
	}
	if (!check_deadlines(d, error))
		return FALSE;
	guint us = cvmi_backoff_next(&d->backoff);
	return us == 0 || cvmi_conn_wait(&d->conn, us, d->core->cancel, error);
}

static gboolean
dest_loop(Dest *d, GError **error)
{
	gboolean done = FALSE;

	while (!done) {
		g_autoptr(GError) local = NULL;
		if (step(d, &done, &local))
			continue;
		/* A lost cvm link may come back within the window and resume. */
		if (!g_error_matches(local, CVM_ERROR, CVM_ERROR_IO) || d->wire != CVM_MIGRATE_WIRE_CVM ||
		    d->o->reconnect_timeout_ms == 0) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		cvmi_progress_set_state(d->core, CVM_MIGRATE_STATE_RECONNECTING);
		if (!accept_peer(d, g_get_monotonic_time() + (gint64)d->o->reconnect_timeout_ms * 1000, error)) {
			g_prefix_error(error, "connection lost and not resumed: ");
			return FALSE;
		}
		cvmi_progress_add_resume(d->core);
		cvmi_progress_set_state(d->core, CVM_MIGRATE_STATE_RUNNING);
	}
	return TRUE;
}

static void
dest_abort(Dest *d, const GError *why)
{
	if (d->wire != CVM_MIGRATE_WIRE_FORK && d->conn.socket != NULL) {
		g_autofree gchar *msg = g_strndup(why->message, CVMI_FRAME_MAX_PAYLOAD);
		cvmi_frame_append(d->conn.tx, CVMI_FRAME_CANCEL, d->next_seq, msg, strlen(msg));
		gint64 deadline = g_get_monotonic_time() + (gint64)MIN(d->o->io_timeout_ms, 5000u) * 1000;
		if (cvmi_conn_flush(&d->conn, deadline, NULL, NULL))
			cvmi_conn_linger(&d->conn, deadline);
	}
	cvmi_page_set(d->o->memory, d->o->page_gpa, CVM_MIGRATE_STATUS_OFFSET, CVM_MIGRATE_STATUS_NOT_STARTED, NULL);
}

gboolean
cvmi_dest_run(CvmiMigrationCore *core, GError **error)
{
	Dest d = {.core = core, .o = &core->opts, .wire = core->opts.wire};
	g_autoptr(GError) local = NULL;
	gboolean ok;

	d.sha = EVP_MD_CTX_new();
	if (d.sha == NULL || !EVP_DigestInit_ex(d.sha, EVP_sha256(), NULL))
		g_error("EVP SHA-256 unavailable"); /* as g_malloc does on exhaustion */
	/* The SVSM polls for the next block the moment it has read one: every
	 * microsecond before this end sees DATA_READ is the SVSM's, so spin
	 * (a yield's system call alone costs about one) before yielding. */
	cvmi_backoff_init(&d.backoff, 256, d.o->poll_max_us);
	cvmi_conn_init(&d.conn, NULL);
	if (d.wire != CVM_MIGRATE_WIRE_AUTO)
		cvmi_progress_set_wire(core, d.wire);
	/* The fork's order: INCOMING, then READ so the first block cannot deadlock. */
	ok = cvmi_page_set(d.o->memory, d.o->page_gpa, CVM_MIGRATE_STATUS_OFFSET, CVM_MIGRATE_STATUS_INCOMING, &local) &&
	     cvmi_page_set(d.o->memory, d.o->page_gpa, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READ, &local) &&
	     accept_peer(&d, g_get_monotonic_time() + (gint64)d.o->connect_timeout_ms * 1000, &local);
	if (ok) {
		cvmi_progress_set_state(core, CVM_MIGRATE_STATE_RUNNING);
		d.conn.last_rx_us = g_get_monotonic_time();
		ok = dest_loop(&d, &local);
	}
	if (!ok) {
		dest_abort(&d, local);
		g_propagate_error(error, g_steal_pointer(&local));
	}
	cvmi_conn_clear(&d.conn);
	EVP_MD_CTX_free(d.sha);
	return ok;
}
