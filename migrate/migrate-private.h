/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal pieces of the migration broker (migrate/). */
#pragma once

#include <cvm/migrate.h>
#include <cvm/error.h>
#include "libcvm/socket-uri-internal.h"

/* ---- page.c: the shared migration page ---- */
gboolean cvmi_page_check(CvmGuestMemory *mem, guint64 gpa, GError **error);
gboolean cvmi_page_get(CvmGuestMemory *mem, guint64 gpa, guint offset, guint8 *value,
		       GError **error);
gboolean cvmi_page_set(CvmGuestMemory *mem, guint64 gpa, guint offset, guint8 value,
		       GError **error);

/* Polling backoff: a few immediate retries, yields for a short while, then
 * sleeps doubling to a ceiling. It also keeps the polling loop's clock. */
typedef struct {
	guint spins;
	guint max_spins;
	guint sleep_us;
	guint max_us;
	gint64 yield_since;
	gint64 now;       /* last clock reading */
	guint now_reads;  /* cvmi_backoff_now calls since then */
} CvmiBackoff;
/* @spins: immediate retries before the first yield (see the roles). */
void cvmi_backoff_init(CvmiBackoff *b, guint spins, guint max_us);
void cvmi_backoff_reset(CvmiBackoff *b);
/* The next delay in microseconds (0 = retry now; it may have yielded the CPU). */
guint cvmi_backoff_next(CvmiBackoff *b);
/* The monotonic clock for a polling loop: read afresh every few calls, and
 * after every yield or sleep, so it lags by a few polls at most. */
gint64 cvmi_backoff_now(CvmiBackoff *b);

/* ---- uri.c: channel endpoints ---- */
/* A connected, non-blocking socket, or NULL. */
GSocket *cvmi_uri_connect(const CvmiUri *uri, gint64 deadline, GCancellable *cancel,
			  GError **error);
/* A bound, listening, non-blocking socket; *bound_uri says where. */
GSocket *cvmi_uri_listen(const CvmiUri *uri, gchar **bound_uri, GError **error);
/* Accept one connection before @deadline (monotonic us). */
GSocket *cvmi_uri_accept(GSocket *listener, gint64 deadline, GCancellable *cancel,
			 GError **error);

/* ---- wire.c: frames ---- */
#define CVMI_FRAME_MAGIC    0x43564d31u /* "CVM1" */
#define CVMI_FRAME_HEADER   24u
#define CVMI_FRAME_MAX_PAYLOAD CVM_MIGRATE_BLOCK_SIZE
#define CVMI_WIRE_VERSION   1u
#define CVMI_HELLO_SIZE     32u
#define CVMI_SESSION_SIZE   16u

typedef enum {
	CVMI_FRAME_HELLO = 1,
	CVMI_FRAME_DATA = 2,
	CVMI_FRAME_ACK = 3,
	CVMI_FRAME_HEARTBEAT = 4,
	CVMI_FRAME_COMPLETE = 5,
	CVMI_FRAME_CANCEL = 6,
} CvmiFrameType;

typedef struct {
	guint8 type;
	guint16 length;
	guint64 seq;
	const guint8 *payload; /* points into the decoded buffer */
} CvmiFrame;

typedef struct {
	guint16 version_min;
	guint16 version_max;
	guint64 next_seq;
	guint8 session[CVMI_SESSION_SIZE];
} CvmiHello;

/* Append one cvm frame (header with CRC-32, then payload) to @out. */
void cvmi_frame_append(GByteArray *out, guint8 type, guint64 seq, const void *payload,
		       gsize length);
/* The size of the frame at the front of (@buf, @len) when all of it has
 * arrived, else 0; checks nothing else (cvmi_frame_decode does). */
gsize cvmi_frame_whole(const guint8 *buf, gsize len);
/* Decode one frame from the front of (@buf, @len). Returns the bytes used,
 * 0 when more bytes are needed, -1 with @error on a corrupt or unknown frame. */
gssize cvmi_frame_decode(const guint8 *buf, gsize len, CvmiFrame *frame, GError **error);
void cvmi_hello_encode(const CvmiHello *hello, guint8 out[CVMI_HELLO_SIZE]);
gboolean cvmi_hello_decode(const CvmiFrame *frame, CvmiHello *hello, GError **error);

/* The fork's raw format. */
/* Append a DATA record's header and room for its block; returns where the
 * block goes (valid until @out next changes size): the caller copies the
 * block there once, from guest memory. */
guint8 *cvmi_fork_append_data(GByteArray *out);
void cvmi_fork_append_completed(GByteArray *out);
/* Decode one fork record: returns bytes used, 0 for more, -1 on an unknown
 * header. *completed says which record it was; *block points at the data. */
gssize cvmi_fork_decode(const guint8 *buf, gsize len, gboolean *completed,
			const guint8 **block, GError **error);

/* ---- conn.c: a non-blocking socket with buffers ---- */
/* While the page keeps moving, the socket is still served at least this
 * often (microseconds); in between, work is batched. */
#define CVMI_PUMP_US 200
typedef struct {
	GSocket *socket;
	GByteArray *rx;
	GByteArray *tx;
	gsize rx_off;        /* bytes of rx already consumed */
	gsize tx_off;        /* bytes of tx already sent */
	gint64 last_rx_us;   /* last time bytes arrived */
	gint64 last_tx_us;   /* last time bytes left */
	gint64 last_pump_us; /* last time the socket was tried */
	gboolean eof;
} CvmiConn;
void cvmi_conn_init(CvmiConn *c, GSocket *socket);
void cvmi_conn_reset(CvmiConn *c, GSocket *socket); /* new socket, buffers emptied */
void cvmi_conn_clear(CvmiConn *c);
gsize cvmi_conn_pending(const CvmiConn *c);
/* Send and receive without blocking (receive only while rx < @rx_limit).
 * Sets *moved when bytes went either way. FALSE on a socket error; EOF sets c->eof. */
gboolean cvmi_conn_pump(CvmiConn *c, gsize rx_limit, gboolean *moved, GError **error);
/* Drop @n bytes from the front of rx. */
void cvmi_conn_consume(CvmiConn *c, gsize n);
/* The unconsumed received bytes. */
static inline const guint8 *
cvmi_conn_rx(const CvmiConn *c)
{
	return c->rx->data + c->rx_off;
}
static inline gsize
cvmi_conn_rx_len(const CvmiConn *c)
{
	return c->rx->len - c->rx_off;
}
/* Wait up to @timeout_us for the socket to become readable (or writable when
 * tx holds bytes). */
gboolean cvmi_conn_wait(CvmiConn *c, gint64 timeout_us, GCancellable *cancel, GError **error);
/* Shut down writing and read until the peer closes (or @deadline), so the
 * last frames sent are not lost to a reset. */
void cvmi_conn_linger(CvmiConn *c, gint64 deadline);
/* Send everything in tx before @deadline. */
gboolean cvmi_conn_flush(CvmiConn *c, gint64 deadline, GCancellable *cancel, GError **error);

/* ---- migration.c, used by source.c and dest.c ---- */
typedef struct {
	CvmMigrateOptions opts;
	GCancellable *cancel;
	GSocket *listener; /* destination */
	GMutex lock;       /* guards progress */
	CvmMigrateProgress progress; /* but blocks and bytes: see blocks */
	/* Blocks moved: only the migration thread writes it, and without the
	 * lock, whose locked instruction after each block's page write waited
	 * for that write to reach the SVSM's core (a tenth of the relay's time).
	 * cvm_migration_get_progress reads it atomically. */
	guint64 blocks;
	gint64 start_us;
} CvmiMigrationCore;
void cvmi_progress_set_state(CvmiMigrationCore *core, CvmMigrateState state);
void cvmi_progress_set_wire(CvmiMigrationCore *core, CvmMigrateWire wire);
void cvmi_progress_add_block(CvmiMigrationCore *core);
void cvmi_progress_set_acked(CvmiMigrationCore *core, guint64 acked);
void cvmi_progress_add_resume(CvmiMigrationCore *core);
gboolean cvmi_check_cancel(CvmiMigrationCore *core, GError **error);

gboolean cvmi_source_run(CvmiMigrationCore *core, GError **error);
gboolean cvmi_dest_run(CvmiMigrationCore *core, GError **error);
