/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SVSM migration broker: relays the COCONUT-SVSM migration page between two
 * hosts. The source side drains blocks the SVSM puts in the page onto a
 * channel; the destination side feeds blocks from the channel into the page.
 * The page layout and register values are those of the COCONUT QEMU fork
 * (migration/snp.h); see docs/migrate.md for both wire formats.
 *
 * Every migration is one CvmMigration object with its own thread; there is
 * no global state, so any number may run in one process.
 */
#pragma once

#include <glib.h>
#include <gio/gio.h>
#include <cvm/guest-memory.h>

G_BEGIN_DECLS

/* Migration page (4 KiB, shared with the SVSM). */
#define CVM_MIGRATE_PAGE_SIZE        0x1000u
#define CVM_MIGRATE_STATUS_OFFSET    0x000u
#define CVM_MIGRATE_DATA_OFFSET      0x001u
#define CVM_MIGRATE_BUFFER_OFFSET    0x800u
#define CVM_MIGRATE_BLOCK_SIZE       0x800u

/* Status register values. */
#define CVM_MIGRATE_STATUS_NOT_STARTED 0x0u
#define CVM_MIGRATE_STATUS_INCOMING    0x1u
#define CVM_MIGRATE_STATUS_RUNNING     0x2u
#define CVM_MIGRATE_STATUS_COMPLETED   0x3u
/* Data register values. */
#define CVM_MIGRATE_DATA_READY         0x4u
#define CVM_MIGRATE_DATA_READ          0x5u

/* The fork's raw wire format: BE64 header, then (for DATA) one block. */
#define CVM_MIGRATE_FORK_FLAG_DATA      0x5u
#define CVM_MIGRATE_FORK_FLAG_COMPLETED 0x6u

typedef enum {
	CVM_MIGRATE_ROLE_SOURCE, /* page -> channel */
	CVM_MIGRATE_ROLE_DEST,   /* channel -> page */
} CvmMigrateRole;

typedef enum {
	CVM_MIGRATE_WIRE_AUTO, /* destination: detect from the first bytes; source: cvm */
	CVM_MIGRATE_WIRE_CVM,  /* negotiated cvm framing (both ends are cvm) */
	CVM_MIGRATE_WIRE_FORK, /* raw COCONUT-fork format */
} CvmMigrateWire;

typedef enum {
	CVM_MIGRATE_STATE_NEW,
	CVM_MIGRATE_STATE_CONNECTING,
	CVM_MIGRATE_STATE_RUNNING,
	CVM_MIGRATE_STATE_RECONNECTING,
	CVM_MIGRATE_STATE_COMPLETED,
	CVM_MIGRATE_STATE_FAILED,
	CVM_MIGRATE_STATE_CANCELLED,
} CvmMigrateState;

/**
 * CvmMigrateOptions:
 * @role: which side of the page this broker plays
 * @memory: guest memory holding the page (borrowed; must outlive the migration)
 * @page_gpa: guest physical address of the migration page (4 KiB aligned, a real GPA)
 * @uri: `tcp:HOST:PORT`, `unix:PATH` or `vsock:CID:PORT`; the destination listens
 * @wire: framing on the channel
 * @connect_timeout_ms: bound on connect, accept and the handshake
 * @io_timeout_ms: bound on a silent or stalled peer
 * @page_timeout_ms: bound on the SVSM not moving a register
 * @reconnect_timeout_ms: cvm framing only: window for a dropped connection to
 *   come back and resume from the last acknowledged block; 0 aborts on a drop
 * @heartbeat_ms: cvm framing: send a heartbeat after this much silence
 * @poll_max_us: ceiling of the page-polling backoff
 * @window_blocks: cvm framing: unacknowledged blocks the source keeps for a resume
 */
typedef struct {
	CvmMigrateRole role;
	CvmGuestMemory *memory;
	guint64 page_gpa;
	const char *uri;
	CvmMigrateWire wire;
	guint connect_timeout_ms;
	guint io_timeout_ms;
	guint page_timeout_ms;
	guint reconnect_timeout_ms;
	guint heartbeat_ms;
	guint poll_max_us;
	guint window_blocks;
} CvmMigrateOptions;

/* Fill @opts with defaults (30 s timeouts, 10 s reconnect window, 1 s
 * heartbeats, 1 ms polling ceiling, 1024-block window, AUTO wire). */
void cvm_migrate_options_init(CvmMigrateOptions *opts);

/**
 * CvmMigrateProgress:
 * @state: where the migration is
 * @wire: the framing in use (AUTO until known)
 * @blocks: blocks moved through the page
 * @bytes: block bytes moved (blocks * 0x800)
 * @acked: cvm framing: blocks the destination has confirmed
 * @resumes: reconnects that resumed the stream
 * @elapsed_us: time since the migration started running
 */
typedef struct {
	CvmMigrateState state;
	CvmMigrateWire wire;
	guint64 blocks;
	guint64 bytes;
	guint64 acked;
	guint64 resumes;
	gint64 elapsed_us;
} CvmMigrateProgress;

typedef struct _CvmMigration CvmMigration;

/**
 * cvm_migration_new:
 * @opts: options (copied; @opts->memory is borrowed)
 * @error: return location for a #GError
 *
 * Validates the options and the page address. A destination binds its
 * listening socket here, so the bound address is known before start.
 *
 * Returns: (transfer full): the migration, or %NULL
 */
CvmMigration *cvm_migration_new(const CvmMigrateOptions *opts, GError **error);

/* The URI the destination actually listens on (port 0 resolved), or NULL. */
const char *cvm_migration_get_listen_uri(CvmMigration *mig);

/* Run the migration in the calling thread until it ends. */
gboolean cvm_migration_run(CvmMigration *mig, GError **error);
/* Run it in a new thread; cvm_migration_wait() collects the result. */
gboolean cvm_migration_start(CvmMigration *mig, GError **error);
gboolean cvm_migration_wait(CvmMigration *mig, GError **error);

/* Ask the migration to stop: the peer is told (cvm framing) and both ends
 * end with CVM_ERROR_CANCELLED. Safe from any thread or signal source. */
void cvm_migration_cancel(CvmMigration *mig);

/* A consistent snapshot of the counters; safe from any thread. */
void cvm_migration_get_progress(CvmMigration *mig, CvmMigrateProgress *progress);

const char *cvm_migrate_state_to_string(CvmMigrateState state);
const char *cvm_migrate_wire_to_string(CvmMigrateWire wire);

void cvm_migration_free(CvmMigration *mig);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmMigration, cvm_migration_free)

G_END_DECLS
