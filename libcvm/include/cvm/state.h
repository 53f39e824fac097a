/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The state directory: JSON records that survive cvmd restarts.
 *
 * Layout: <dir>/<kind>/<name>.json, e.g. /var/lib/cvm/guests/web1.json.
 * Writes are atomic (temporary file, fsync, rename, fsync of the directory),
 * so a crash leaves either the old or the new record, never a torn one.
 * A record that does not parse is renamed to <name>.json.corrupt-<unix time>
 * and reported; it never stops the others from loading.
 */

#include <glib.h>
#include <json-c/json.h>
#include <cvm/error.h>

G_BEGIN_DECLS

typedef struct _CvmState CvmState;

/* The largest record, in bytes as stored: cvm_state_write() refuses a
 * bigger one (CVM_ERROR_INVALID_ARGUMENT) and readers set a bigger file
 * aside as not cvm's, so nothing cvm writes is refused when read back. */
#define CVM_STATE_RECORD_MAX (1024 * 1024)

/**
 * cvm_name_is_valid:
 * @name: a guest or record name
 *
 * Returns: %TRUE when @name matches [A-Za-z0-9_.-]{1,64} and is neither "."
 * nor "..": safe as a file name, a libvirt domain name and in D-Bus paths
 * (after escaping).
 */
gboolean cvm_name_is_valid(const char *name);

/**
 * cvm_name_check:
 * @what: what the name names, for the message ("guest name", "network name")
 * @name: (nullable): the name
 * @error: return location for a #GError
 *
 * cvm_name_is_valid() with the one message every caller gives:
 * CVM_ERROR_INVALID_ARGUMENT `invalid @what "@name": a name is 1 to 64 of
 * [A-Za-z0-9_.-], not "." or ".."`.
 *
 * Returns: %TRUE when @name is valid.
 */
gboolean cvm_name_check(const char *what, const char *name, GError **error);

/**
 * cvm_state_default_dir:
 * @system: %TRUE for the system instance, %FALSE for a per-user one
 *
 * Returns: (transfer full): $CVM_STATE_DIR if set; else /var/lib/cvm (system)
 * or $XDG_STATE_HOME/cvm (~/.local/state/cvm).
 */
gchar *cvm_state_default_dir(gboolean system);

/**
 * cvm_state_open:
 * @dir: the state directory; created (mode 0700) when missing
 * @error: return location for a #GError
 *
 * Returns: (transfer full): a state handle or %NULL with @error set.
 */
CvmState *cvm_state_open(const char *dir, GError **error);

void cvm_state_free(CvmState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmState, cvm_state_free)

/** cvm_state_get_dir: Returns: (transfer none): the directory of @state. */
const char *cvm_state_get_dir(const CvmState *state);

/**
 * cvm_state_claim:
 * @state: a state handle
 * @error: return location for a #GError
 *
 * Makes this process the owner of the state directory, the one writer of
 * its records, until @state is freed or the process ends: an exclusive
 * flock(2) on <dir>/cvmd.lock, which then holds the pid. cvmd claims its
 * directory at start-up; writes through other handles, in this or another
 * process, are refused meanwhile (cvm_state_dir_check_owner()).
 *
 * Returns: %TRUE when owned; CVM_ERROR_BUSY when another process owns it
 * (a second cvmd), CVM_ERROR_IO when the lock file cannot be made.
 */
gboolean cvm_state_claim(CvmState *state, GError **error);

/**
 * cvm_state_dir_check_owner:
 * @dir: a state directory
 * @error: return location for a #GError
 *
 * What in-process commands ask before they touch @dir.
 *
 * Returns: %TRUE when no running process owns @dir (cvm_state_claim());
 * else CVM_ERROR_BUSY "the state folder DIR is owned by cvmd (pid N); use
 * cvmctl through the bus ...". cvm_state_write() and cvm_state_remove() of a
 * handle that is not the owner ask too.
 */
gboolean cvm_state_dir_check_owner(const char *dir, GError **error);

/**
 * cvm_state_write:
 * @state: a state handle
 * @kind: record kind, a valid name ("guests")
 * @name: record name, a valid name
 * @record: the JSON value to store
 * @error: return location for a #GError
 *
 * Atomically replaces <dir>/<kind>/<name>.json. A record whose text is
 * over %CVM_STATE_RECORD_MAX bytes is refused (CVM_ERROR_INVALID_ARGUMENT)
 * and the old one kept.
 */
gboolean cvm_state_write(CvmState *state, const char *kind, const char *name,
			 json_object *record, GError **error);

/**
 * cvm_state_read:
 *
 * Returns: (transfer full): the record, or %NULL with CVM_ERROR_NOT_FOUND
 * (missing) or CVM_ERROR_INVALID_DATA (corrupt; the file has been set aside
 * and the message names the new file name). A "guests" record whose known
 * fields have the wrong JSON type (cvm_guest_record_check()) is corrupt.
 */
json_object *cvm_state_read(CvmState *state, const char *kind, const char *name,
			    GError **error);

/**
 * cvm_state_remove:
 *
 * Removes a record. Removing a missing record succeeds.
 */
gboolean cvm_state_remove(CvmState *state, const char *kind, const char *name,
			  GError **error);

/**
 * cvm_state_load_all:
 * @state: a state handle
 * @kind: record kind
 * @problems: (out) (optional) (transfer full): one message per record set
 *   aside (corrupt) or skipped (bad file name); may be empty
 * @error: return location for a #GError
 *
 * Temporary files left by a writer that was killed mid-write are removed
 * (only one process may own a state directory: cvmd loads it once at start).
 *
 * Returns: (transfer full): name -> json_object (owned), or %NULL when the
 * kind directory cannot be read. A missing directory gives an empty table.
 */
GHashTable *cvm_state_load_all(CvmState *state, const char *kind, GPtrArray **problems,
			       GError **error);

/**
 * cvm_state_load_all_full:
 * @set_aside: (out) (optional) (transfer full): the names (strings) of the
 *   records set aside as corrupt by this load, so their owner can rebuild
 *   them (cvmd does, from a running guest's libvirt metadata)
 *
 * cvm_state_load_all() that also says which records it set aside.
 */
GHashTable *cvm_state_load_all_full(CvmState *state, const char *kind, GPtrArray **problems,
				    GPtrArray **set_aside, GError **error);

/**
 * cvm_guest_record_check:
 * @rec: a "guests" record
 * @error: return location for a #GError
 *
 * Whether @rec decodes as a guest record (cvm_guest_record_from_json() in
 * cvm/guest-record.h: every known field of the right JSON type and range).
 *
 * Returns: %TRUE when it does; else the decoder's error.
 */
gboolean cvm_guest_record_check(json_object *rec, GError **error);

/* Fields of the other record kinds ("attest", ...); guest records are read
 * through cvm/guest-record.h. A record's string field, or @fallback when it is absent or not a string
 * (borrowed from @rec). */
const char *cvm_record_get_string(json_object *rec, const char *key, const char *fallback);
/* A record's integer field, or @fallback when it is absent. */
gint64 cvm_record_get_int(json_object *rec, const char *key, gint64 fallback);
/* A record's boolean field; FALSE when it is absent. */
gboolean cvm_record_get_bool(json_object *rec, const char *key);
/* A record's array of strings (non-strings skipped), or %NULL when it is
 * absent or not an array. (transfer full) */
gchar **cvm_record_get_strv(json_object *rec, const char *key);

G_END_DECLS
