/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Source role: blocks the SVSM puts in the page go onto the channel. */
#include "migrate/migrate-private.h"
#include "libcvm/libcvm-internal.h"

#include <openssl/evp.h>
#include <string.h>

#define TX_HIGH (1024u * 1024u) /* stop draining the page while this much is unsent */
#define RX_LIMIT (64u * 1024u)
/* A send costs the page handshake its whole duration (the SVSM waits for
 * DATA_READ meanwhile), and on loopback in a paravirtualised guest most of
 * it is per call, not per byte: 0.91 us a block in 64 KiB sends, 0.72 in
 * 256 KiB ones (bench-migrate source side 2.0 s -> 1.7 s a GiB). */
#define TX_BATCH (256u * 1024u)

typedef struct {
	CvmiMigrationCore *core;
	const CvmMigrateOptions *o;
	CvmiUri uri;
	CvmiConn conn;
	gboolean cvm;
	guint8 session[CVMI_SESSION_SIZE];
	guint8 *window;     /* ring of unacknowledged blocks (cvm framing) */
	guint64 base_seq;   /* oldest unacknowledged block */
	guint64 next_seq;   /* blocks taken from the page so far */
	gboolean completed; /* the SVSM said COMPLETED; COMPLETE is queued */
	gboolean confirmed; /* the destination echoed COMPLETE */
	EVP_MD_CTX *sha; /* OpenSSL: several times GChecksum's speed, which bounds the relay */
	guint8 digest[32];
	gint64 page_progress_us;
	CvmiBackoff backoff;
} Source;

static guint8 *
window_slot(Source *s, guint64 seq)
{
	return s->window + (seq % s->o->window_blocks) * CVM_MIGRATE_BLOCK_SIZE;
}

/* cvm framing: (re)send a block from the window. */
static void
queue_block(Source *s, guint64 seq)
{
	cvmi_frame_append(s->conn.tx, CVMI_FRAME_DATA, seq, window_slot(s, seq), CVM_MIGRATE_BLOCK_SIZE);
}

static void
queue_complete(Source *s)
{
	if (s->cvm)
		cvmi_frame_append(s->conn.tx, CVMI_FRAME_COMPLETE, s->next_seq, s->digest,
				  sizeof s->digest);
	else
		cvmi_fork_append_completed(s->conn.tx);
}

/* Greet first (a destination that auto-detects the format waits for the
 * first bytes, and a fork peer never reads), then wait for the
 * destination's HELLO; returns its next_seq. */
static gboolean
handshake(Source *s, gint64 deadline, guint64 *next_seq, GError **error)
{
	CvmiHello mine = { .version_min = CVMI_WIRE_VERSION, .version_max = CVMI_WIRE_VERSION,
			   .next_seq = s->next_seq };
	guint8 payload[CVMI_HELLO_SIZE];

	memcpy(mine.session, s->session, sizeof mine.session);
	cvmi_hello_encode(&mine, payload);
	cvmi_frame_append(s->conn.tx, CVMI_FRAME_HELLO, 0, payload, sizeof payload);
	if (!cvmi_conn_flush(&s->conn, deadline, s->core->cancel, error))
		return FALSE;
	for (;;) {
		gboolean moved = FALSE;
		if (!cvmi_conn_pump(&s->conn, RX_LIMIT, &moved, error))
			return FALSE;
		CvmiFrame f;
		gssize used = cvmi_frame_decode(cvmi_conn_rx(&s->conn), cvmi_conn_rx_len(&s->conn), &f, error);
		if (used < 0)
			return FALSE;
		if (used > 0) {
			CvmiHello peer;
			if (!cvmi_hello_decode(&f, &peer, error))
				return FALSE;
			cvmi_conn_consume(&s->conn, (gsize)used);
			if (peer.version_min > CVMI_WIRE_VERSION || peer.version_max < CVMI_WIRE_VERSION) {
				g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED,
					    "peer speaks cvm framing %u..%u, this end %u",
					    peer.version_min, peer.version_max, CVMI_WIRE_VERSION);
				return FALSE;
			}
			*next_seq = peer.next_seq;
			return TRUE;
		}
		if (s->conn.eof) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_IO,
				    "peer closed before its HELLO (a COCONUT-fork peer needs --wire fork)");
			return FALSE;
		}
		if (g_get_monotonic_time() >= deadline) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_TIMEOUT,
				    "no cvm HELLO from the peer (a COCONUT-fork peer needs --wire fork)");
			return FALSE;
		}
		if (!cvmi_conn_wait(&s->conn, deadline - g_get_monotonic_time(), s->core->cancel,
				    error))
			return FALSE;
	}
}

/* Connect (and for cvm framing, shake hands and queue what the peer lacks). */
static gboolean
source_connect(Source *s, gint64 deadline, gboolean resume, GError **error)
{
	GSocket *sock = cvmi_uri_connect(&s->uri, deadline, s->core->cancel, error);
	if (sock == NULL)
		return FALSE;
	cvmi_conn_reset(&s->conn, sock);
	if (!s->cvm)
		return TRUE;
	guint64 peer_next = 0;
	if (!handshake(s, deadline, &peer_next, error))
		return FALSE;
	if (peer_next < s->base_seq || peer_next > s->next_seq || (!resume && peer_next != 0)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_PROTOCOL,
			    "peer wants block %" G_GUINT64_FORMAT ", this end holds %" G_GUINT64_FORMAT
			    "..%" G_GUINT64_FORMAT, peer_next, s->base_seq, s->next_seq);
		return FALSE;
	}
	s->base_seq = peer_next;
	for (guint64 seq = peer_next; seq < s->next_seq; seq++)
		queue_block(s, seq);
	if (s->completed)
		queue_complete(s);
	return TRUE;
}

/* Take one block from the page if the SVSM has put one there. */
static gboolean
poll_page(Source *s, gboolean *moved, GError **error)
{
	CvmGuestMemory *mem = s->o->memory;
	guint64 gpa = s->o->page_gpa;
	if (s->completed || s->next_seq - s->base_seq >= s->o->window_blocks ||
	    cvmi_conn_pending(&s->conn) >= TX_HIGH)
		return TRUE;
	/* Status before data, as the fork does: a block written just before
	 * COMPLETED is still seen on this pass. */
	guint8 status = 0, data = 0;
	if (!cvmi_page_get(mem, gpa, CVM_MIGRATE_STATUS_OFFSET, &status, error) ||
	    !cvmi_page_get(mem, gpa, CVM_MIGRATE_DATA_OFFSET, &data, error))
		return FALSE;
	if (data == CVM_MIGRATE_DATA_READY) {
		/* cvm framing keeps the block in the window for a resume; the
		 * fork format has none, so its block goes from the page straight
		 * into the send buffer: one copy, not two. */
		guint8 *slot = s->cvm ? window_slot(s, s->next_seq) : cvmi_fork_append_data(s->conn.tx);
		if (!cvm_guest_memory_read(mem, gpa + CVM_MIGRATE_BUFFER_OFFSET, slot,
					   CVM_MIGRATE_BLOCK_SIZE, error) ||
		    !cvmi_page_set(mem, gpa, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READ, error))
			return FALSE;
		/* Only cvm framing carries the stream's SHA-256: the fork
		 * format has no field for it, and hashing took 40% of a relay. */
		if (s->cvm) {
			EVP_DigestUpdate(s->sha, slot, CVM_MIGRATE_BLOCK_SIZE);
			queue_block(s, s->next_seq);
		}
		s->next_seq++;
		if (!s->cvm)
			s->base_seq = s->next_seq; /* the fork format has no acknowledgements */
		cvmi_progress_add_block(s->core);
		s->page_progress_us = cvmi_backoff_now(&s->backoff);
		*moved = TRUE;
	} else if (status == CVM_MIGRATE_STATUS_COMPLETED) {
		if (s->cvm && !EVP_DigestFinal_ex(s->sha, s->digest, NULL)) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_FAILED, "SHA-256 of the stream failed");
			return FALSE;
		}
		s->completed = TRUE;
		queue_complete(s);
		*moved = TRUE;
	}
	return TRUE;
}

static gboolean
handle_frame(Source *s, const CvmiFrame *f, GError **error)
{
	switch (f->type) {
	case CVMI_FRAME_HEARTBEAT:
		return TRUE;
	case CVMI_FRAME_ACK:
		if (f->seq < s->base_seq || f->seq > s->next_seq)
			break;
		s->base_seq = f->seq;
		cvmi_progress_set_acked(s->core, f->seq);
		return TRUE;
	case CVMI_FRAME_COMPLETE:
		if (!s->completed || f->seq != s->next_seq || f->length != sizeof s->digest)
			break;
		if (memcmp(f->payload, s->digest, sizeof s->digest) != 0) {
			g_autofree gchar *theirs = cvmi_hex(f->payload, sizeof s->digest);
			g_autofree gchar *ours = cvmi_hex(s->digest, sizeof s->digest);
			g_set_error(error, CVM_ERROR, CVM_ERROR_CHECKSUM,
				    "destination's SHA-256 of the stream %s differs from the source's %s", theirs, ours);
			return FALSE;
		}
		s->base_seq = f->seq;
		cvmi_progress_set_acked(s->core, f->seq);
		s->confirmed = TRUE;
		return TRUE;
	case CVMI_FRAME_CANCEL:
		g_set_error(error, CVM_ERROR, CVM_ERROR_CANCELLED, "peer aborted: %.*s",
			    (int)f->length, (const char *)f->payload);
		return FALSE;
	default:
		break;
	}
	g_set_error(error, CVM_ERROR, CVM_ERROR_PROTOCOL,
		    "unexpected frame type %u seq %" G_GUINT64_FORMAT " from the destination",
		    f->type, f->seq);
	return FALSE;
}

static gboolean
drain_rx(Source *s, GError **error)
{
	if (!s->cvm) {
		/* A cvm destination in auto mode greets first; the fork never sends. */
		cvmi_conn_consume(&s->conn, cvmi_conn_rx_len(&s->conn));
		return TRUE;
	}
	for (;;) {
		CvmiFrame f;
		gssize used = cvmi_frame_decode(cvmi_conn_rx(&s->conn), cvmi_conn_rx_len(&s->conn), &f, error);
		if (used < 0)
			return FALSE;
		if (used == 0)
			return TRUE;
		gboolean ok = handle_frame(s, &f, error);
		cvmi_conn_consume(&s->conn, (gsize)used);
		if (!ok)
			return FALSE;
	}
}

static gboolean
check_deadlines(Source *s, GError **error)
{
	gint64 now = cvmi_backoff_now(&s->backoff);
	const CvmMigrateOptions *o = s->o;
	if (now - s->page_progress_us > (gint64)o->page_timeout_ms * 1000) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TIMEOUT,
			    "the SVSM put no block in the migration page for %u ms",
			    o->page_timeout_ms);
		return FALSE;
	}
	gint64 quiet = s->cvm ? now - s->conn.last_rx_us :
		       cvmi_conn_pending(&s->conn) > 0 ? now - s->conn.last_tx_us : 0;
	if (quiet > (gint64)o->io_timeout_ms * 1000) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TIMEOUT,
			    "the destination stalled for %u ms", o->io_timeout_ms);
		return FALSE;
	}
	return TRUE;
}

/* Nothing moved: check the deadlines, then back off (woken by the socket). */
static gboolean
back_off(Source *s, GError **error)
{
	if (!check_deadlines(s, error))
		return FALSE;
	guint us = cvmi_backoff_next(&s->backoff);
	return us == 0 || cvmi_conn_wait(&s->conn, us, s->core->cancel, error);
}

/* One pass: page, socket, frames; sleeps (bounded, woken by the socket) only
 * when nothing moved. */
static gboolean
step(Source *s, GError **error)
{
	gboolean moved = FALSE;
	gint64 now = cvmi_backoff_now(&s->backoff);
	if (!cvmi_check_cancel(s->core, error))
		return FALSE;
	if (s->completed || s->next_seq - s->base_seq >= s->o->window_blocks ||
	    cvmi_conn_pending(&s->conn) >= TX_HIGH)
		s->page_progress_us = now; /* waiting on the peer, not the SVSM */
	if (!poll_page(s, &moved, error))
		return FALSE;
	if (s->cvm && cvmi_conn_pending(&s->conn) == 0 &&
	    now - s->conn.last_tx_us > (gint64)s->o->heartbeat_ms * 1000)
		cvmi_frame_append(s->conn.tx, CVMI_FRAME_HEARTBEAT, 0, NULL, 0);
	/* Batch the socket work: a send per TX_BATCH bytes (or per CVMI_PUMP_US)
	 * rather than two system calls per block or per poll of the page. */
	if (!s->completed && cvmi_conn_pending(&s->conn) < TX_BATCH &&
	    now - s->conn.last_pump_us < CVMI_PUMP_US) {
		if (moved)
			cvmi_backoff_reset(&s->backoff);
		return moved || back_off(s, error);
	}
	/* A fork peer never speaks: while blocks flow, only send (a receive
	 * beside each send heard EAGAIN ~7000 times a GiB); a lost peer fails
	 * the send, and an idle pass still reads, to see it close. */
	gsize rx_limit = s->cvm || !moved ? RX_LIMIT : 0;
	if (!cvmi_conn_pump(&s->conn, rx_limit, &moved, error) || !drain_rx(s, error))
		return FALSE;
	if (s->conn.eof && !s->confirmed && !(s->completed && !s->cvm && cvmi_conn_pending(&s->conn) == 0)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "the destination closed the connection");
		return FALSE;
	}
	if (moved) {
		cvmi_backoff_reset(&s->backoff);
		return TRUE;
	}
	return back_off(s, error);
}

static gboolean
reconnect(Source *s, GError **error)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)s->o->reconnect_timeout_ms * 1000;
	cvmi_progress_set_state(s->core, CVM_MIGRATE_STATE_RECONNECTING);
	for (;;) {
		g_autoptr(GError) local = NULL;
		if (!cvmi_check_cancel(s->core, error))
			return FALSE;
		gint64 try_deadline = MIN(deadline, g_get_monotonic_time() + G_USEC_PER_SEC);
		if (source_connect(s, try_deadline, TRUE, &local)) {
			cvmi_progress_add_resume(s->core);
			cvmi_progress_set_state(s->core, CVM_MIGRATE_STATE_RUNNING);
			s->page_progress_us = g_get_monotonic_time();
			return TRUE;
		}
		if (!g_error_matches(local, CVM_ERROR, CVM_ERROR_IO) &&
		    !g_error_matches(local, CVM_ERROR, CVM_ERROR_TIMEOUT)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		if (g_get_monotonic_time() >= deadline) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_TIMEOUT,
				    "connection lost and not resumed within %u ms (last: %s)",
				    s->o->reconnect_timeout_ms, local->message);
			return FALSE;
		}
		g_usleep(20 * 1000);
	}
}

static gboolean
source_loop(Source *s, GError **error)
{
	while (s->cvm ? !s->confirmed :
			!(s->completed && cvmi_conn_pending(&s->conn) == 0)) {
		g_autoptr(GError) local = NULL;
		if (step(s, &local))
			continue;
		/* Only a lost link is worth a resume; anything the peer said
		 * (corrupt frame, cancel) or a timeout ends the migration. */
		gboolean lost = g_error_matches(local, CVM_ERROR, CVM_ERROR_IO);
		if (!lost || !s->cvm || s->o->reconnect_timeout_ms == 0) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		g_debug("migration source: %s; reconnecting", local->message);
		if (!reconnect(s, error))
			return FALSE;
	}
	cvmi_conn_linger(&s->conn, g_get_monotonic_time() + G_USEC_PER_SEC);
	return TRUE;
}

/* Tell the peer (cvm framing) and hand the page back to the SVSM idle. */
static void
source_abort(Source *s, const GError *why)
{
	if (s->cvm && s->conn.socket != NULL) {
		g_autofree gchar *msg = g_strndup(why->message, CVMI_FRAME_MAX_PAYLOAD);
		cvmi_frame_append(s->conn.tx, CVMI_FRAME_CANCEL, s->next_seq, msg, strlen(msg));
		/* Everything queued before the CANCEL must drain first: allow time. */
		gint64 deadline = g_get_monotonic_time() + (gint64)MIN(s->o->io_timeout_ms, 5000u) * 1000;
		if (cvmi_conn_flush(&s->conn, deadline, NULL, NULL))
			cvmi_conn_linger(&s->conn, deadline);
	}
	cvmi_page_set(s->o->memory, s->o->page_gpa, CVM_MIGRATE_STATUS_OFFSET,
		      CVM_MIGRATE_STATUS_NOT_STARTED, NULL);
}

gboolean
cvmi_source_run(CvmiMigrationCore *core, GError **error)
{
	Source s = { .core = core, .o = &core->opts };
	if (!cvmi_uri_parse(s.o->uri, &s.uri, error))
		return FALSE;
	s.cvm = s.o->wire != CVM_MIGRATE_WIRE_FORK;
	cvmi_progress_set_wire(core, s.cvm ? CVM_MIGRATE_WIRE_CVM : CVM_MIGRATE_WIRE_FORK);
	for (gsize i = 0; i < sizeof s.session; i += 4) {
		guint32 r = g_random_int();
		memcpy(s.session + i, &r, 4);
	}
	s.window = g_malloc((gsize)s.o->window_blocks * CVM_MIGRATE_BLOCK_SIZE);
	s.sha = EVP_MD_CTX_new();
	if (s.sha == NULL || !EVP_DigestInit_ex(s.sha, EVP_sha256(), NULL))
		g_error("EVP SHA-256 unavailable"); /* as g_malloc does on exhaustion */
	/* After putting a block in the page the SVSM has its own work (the
	 * next block) before it waits for DATA_READ, which hides a yield's
	 * latency here: yield early, and the socket's far end or the SVSM get
	 * this CPU instead of preempting the other (bench-migrate source side,
	 * best of 4: 1.44 s with 256 spins, 1.29 s with 32). */
	cvmi_backoff_init(&s.backoff, 16, s.o->poll_max_us);
	cvmi_conn_init(&s.conn, NULL);
	g_autoptr(GError) local = NULL;
	gint64 deadline = g_get_monotonic_time() + (gint64)s.o->connect_timeout_ms * 1000;
	gboolean ok = source_connect(&s, deadline, FALSE, &local);
	if (ok) {
		/* The fork's order: a known data register first, then RUNNING. */
		ok = cvmi_page_set(s.o->memory, s.o->page_gpa, CVM_MIGRATE_DATA_OFFSET,
				   CVM_MIGRATE_DATA_READ, &local) &&
		     cvmi_page_set(s.o->memory, s.o->page_gpa, CVM_MIGRATE_STATUS_OFFSET,
				   CVM_MIGRATE_STATUS_RUNNING, &local);
		cvmi_progress_set_state(core, CVM_MIGRATE_STATE_RUNNING);
		s.page_progress_us = g_get_monotonic_time();
		ok = ok && source_loop(&s, &local);
	}
	if (!ok) {
		source_abort(&s, local);
		g_propagate_error(error, g_steal_pointer(&local));
	}
	cvmi_conn_clear(&s.conn);
	EVP_MD_CTX_free(s.sha);
	g_free(s.window);
	cvmi_uri_clear(&s.uri);
	return ok;
}
