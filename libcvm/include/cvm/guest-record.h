/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A guest's record: what cvm keeps about a guest it launched, in
 * <state>/guests/<name>.json (cvm/state.h writes it atomically).
 *
 * This is the only code that names the record's keys. Everything else reads
 * and writes the typed fields below; the JSON on disk, the a{sv} of cvmd's
 * Guest object and the JSON that `cvmctl status --json` prints are made here.
 *
 * The file carries "record-version" (CVM_GUEST_RECORD_VERSION); a record
 * without it is version 1 and is migrated when loaded (docs/cvmd.md, "Guest
 * records"). Keys this version does not know are kept: a record loaded and
 * saved again still holds them, so an older cvm does not strip what a newer
 * one wrote.
 */

#include <glib.h>
#include <json-c/json.h>
#include <cvm/state.h>

G_BEGIN_DECLS

/* The on-disk version this library writes. */
#define CVM_GUEST_RECORD_VERSION 3

/**
 * CvmGuestImage:
 * @igvm_path: the IGVM file the guest is (or would be) launched from
 * @igvm_sha256: its SHA-256, hex
 * @measurement: the launch measurement expected of it, hex ("" for native)
 *
 * One firmware image slot of a record. A slot whose @igvm_path is %NULL is
 * empty.
 */
typedef struct {
	gchar *igvm_path;
	gchar *igvm_sha256;
	gchar *measurement;
} CvmGuestImage;

/**
 * CvmGuestRecord:
 * @name: the guest (and record, and libvirt domain) name
 * @uuid: the libvirt domain's UUID: the guest's identity
 * @state: cvm's word for its state ("launching", "running", "shutoff", ...)
 * @platform: "sev-snp", "sev-es", "sev", "tdx" or "native"
 * @image: the image the guest runs
 * @strategy: how the domain XML hands the image to QEMU
 * @accel: the accelerator the guest runs under ("kvm", "tcg")
 * @accel_requested: what the launch asked for ("auto", "kvm", "tcg")
 * @accel_fallback: why an "auto" guest was moved to TCG, or %NULL
 * @serial_log: the serial log file
 * @uri: the libvirt connection URI the guest's domain lives on
 * @disk: (nullable): the disk image given at launch
 * @network: (nullable): the libvirt network given at launch
 * @command_line: (nullable): the kernel command line given at launch
 * @memory_mib: guest RAM, MiB
 * @vcpus: vCPU count
 * @has_snp_policy: whether @snp_policy was given at launch
 * @snp_policy: the SEV-SNP guest policy
 * @created: when cvm first recorded the guest, unix seconds
 * @rebuilt: when the record was rebuilt from libvirt, unix seconds; 0: never
 * @staged: a firmware image staged for the next Apply
 * @previous: the image before the last Apply, for Rollback
 * @host_igvm_path: the host's own image, remembered at the first guest
 *   firmware request (fwupdate/submit.c)
 * @fwupdate_disabled: the guest locked firmware requests
 * @fwupdate_one_reset: an update applies at the next reset only
 * @fwupdate_restore_host: the host image is restored at the next reset
 * @svsm_devices: (nullable): the COCONUT SVSM's devices given at launch
 *   ("blk:PATH", "vsock:CID"; CvmGuestSpec.svsm_devices), kept for a relaunch
 * @migration: (nullable): the guest's part in a migration job that has not
 *   ended: "outgoing" (the source), "incoming" (the destination launched for
 *   it); "interrupted" once a job was cut short (cvmd killed during it)
 * @migration_peer: (nullable): the other guest of that job
 * @migration_started: when the "outgoing" mark was written, unix seconds
 * @migration_error: (nullable): why the guest's last migration did not end
 *   well (cvmd records it at its restart for an interrupted job)
 * @state_reason: status only, never stored: libvirt's reason for @state
 * @qemu_log: status only: QEMU's log of a failed guest
 * @qemu_log_tail: status only: its last lines
 *
 * All strings are owned; %NULL means the key is absent.
 */
typedef struct {
	gchar *name;
	gchar *uuid;
	gchar *state;
	gchar *platform;
	CvmGuestImage image;
	gchar *strategy;
	gchar *accel;
	gchar *accel_requested;
	gchar *accel_fallback;
	gchar *serial_log;
	gchar *uri;
	gchar *disk;
	gchar *network;
	gchar *command_line;
	guint64 memory_mib;
	guint vcpus;
	gboolean has_snp_policy;
	guint64 snp_policy;
	gint64 created;
	gint64 rebuilt;
	CvmGuestImage staged;
	CvmGuestImage previous;
	gchar *host_igvm_path;
	gboolean fwupdate_disabled;
	gboolean fwupdate_one_reset;
	gboolean fwupdate_restore_host;
	GStrv svsm_devices;
	gchar *migration;
	gchar *migration_peer;
	gint64 migration_started;
	gchar *migration_error;
	gchar *state_reason;
	gchar *qemu_log;
	gchar *qemu_log_tail;
	/*< private >*/
	json_object *unknown; /* keys this version does not know, kept as read */
} CvmGuestRecord;

/** cvm_guest_record_new: Returns: (transfer full): an empty record named @name. */
CvmGuestRecord *cvm_guest_record_new(const char *name);
/** cvm_guest_record_copy: Returns: (transfer full): a deep copy of @rec. */
CvmGuestRecord *cvm_guest_record_copy(const CvmGuestRecord *rec);
void cvm_guest_record_free(CvmGuestRecord *rec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmGuestRecord, cvm_guest_record_free)

/* Replaces a string field (@value copied; %NULL clears it). */
void cvm_guest_record_set(gchar **field, const char *value);
/* Fills @dst with copies of @src's strings (an empty @src empties @dst). */
void cvm_guest_image_set(CvmGuestImage *dst, const CvmGuestImage *src);
void cvm_guest_image_clear(CvmGuestImage *image);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CvmGuestImage, cvm_guest_image_clear)

/**
 * cvm_guest_record_from_json:
 * @obj: a record as stored
 * @name: the record's name (its file name): fills a missing "name"
 * @error: return location for a #GError
 *
 * Decodes and, for an older "record-version", migrates a stored record.
 *
 * Returns: (transfer full): the record; %NULL with CVM_ERROR_INVALID_DATA
 * naming the field, what it is and what it should be (a known key of the
 * wrong JSON type or out of range), or CVM_ERROR_NOT_SUPPORTED for a
 * "record-version" newer than %CVM_GUEST_RECORD_VERSION.
 */
CvmGuestRecord *cvm_guest_record_from_json(json_object *obj, const char *name, GError **error);

/**
 * cvm_guest_record_to_disk_json:
 *
 * Returns: (transfer full): @rec as stored, with "record-version" and the
 * unknown keys it was read with. Status-only fields are left out.
 */
json_object *cvm_guest_record_to_disk_json(const CvmGuestRecord *rec);

/**
 * cvm_guest_record_to_json:
 *
 * Returns: (transfer full): the guest's status as `cvmctl status --json`
 * prints it, the same for cvmd and in-process: "name", "uuid", "state",
 * "platform", "igvm-path", "igvm-sha256", "expected-measurement", "uri",
 * "created" (RFC 3339), and when set "accel", "accel-fallback",
 * "state-reason", "qemu-log", "qemu-log-tail", "serial-log" (the last only
 * in-process: cvmd's Guest has no property for it).
 */
json_object *cvm_guest_record_to_json(const CvmGuestRecord *rec);

/**
 * cvm_guest_record_to_variant:
 *
 * Returns: (transfer floating): the a{sv} of cvmd's org.cvm.Cvmd1.Guest
 * properties for @rec (docs/dbus/org.cvm.Cvmd1.Guest.xml): every property,
 * "" for an unset string.
 */
GVariant *cvm_guest_record_to_variant(const CvmGuestRecord *rec);

/**
 * cvm_guest_record_from_variant:
 * @dict: an a{sv} as cvm_guest_record_to_variant() makes (cvmd's GetAll)
 *
 * Returns: (transfer full): the status fields of a guest cvmd reported;
 * empty optional strings (Accel, StateReason, ...) become %NULL.
 */
CvmGuestRecord *cvm_guest_record_from_variant(GVariant *dict);

/**
 * cvm_guest_record_load:
 *
 * Reads, checks and migrates the record of @name (cvm_state_read(): a
 * record that does not decode is set aside and CVM_ERROR_INVALID_DATA).
 *
 * Returns: (transfer full): the record, or %NULL with CVM_ERROR_NOT_FOUND,
 * CVM_ERROR_INVALID_DATA or CVM_ERROR_IO.
 */
CvmGuestRecord *cvm_guest_record_load(CvmState *state, const char *name, GError **error);

/**
 * cvm_guest_record_save:
 *
 * Atomically replaces the record of @rec->name (cvm_state_write()).
 */
gboolean cvm_guest_record_save(CvmState *state, const CvmGuestRecord *rec, GError **error);

/** cvm_guest_record_remove: removes the record of @name; a missing one is fine. */
gboolean cvm_guest_record_remove(CvmState *state, const char *name, GError **error);

/**
 * cvm_guest_record_load_all:
 * @problems: (out) (optional) (transfer full): as cvm_state_load_all()
 * @set_aside: (out) (optional) (transfer full): as cvm_state_load_all_full()
 *
 * Returns: (transfer full): name -> #CvmGuestRecord (owned), or %NULL when
 * the guests directory cannot be read.
 */
GHashTable *cvm_guest_record_load_all(CvmState *state, GPtrArray **problems, GPtrArray **set_aside,
				      GError **error);

/**
 * CvmGuestRecordWriter:
 * @rec: (nullable): the record to store, or %NULL to remove @name's
 * @name: the record's name
 * @data: what cvm_guest_record_set_writer() was given
 * @error: return location for a #GError
 *
 * Stores @rec (cvm_guest_record_write()) or removes the record
 * (cvm_guest_record_unlink()) on the thread the owner keeps its records on,
 * and returns when that is done.
 */
typedef gboolean (*CvmGuestRecordWriter)(const CvmGuestRecord *rec, const char *name, gpointer data,
					 GError **error);

/**
 * cvm_guest_record_set_writer:
 *
 * Routes every cvm_guest_record_save() and cvm_guest_record_remove() on
 * @state, from any thread, through @writer: cvmd's main thread is then the
 * only writer of guest records and its copies are the files'
 * (docs/cvmd.md, "One writer"). %NULL: direct writes again.
 */
void cvm_guest_record_set_writer(CvmState *state, CvmGuestRecordWriter writer, gpointer data);

/* What a #CvmGuestRecordWriter calls: the file itself, past the writer. */
gboolean cvm_guest_record_write(CvmState *state, const CvmGuestRecord *rec, GError **error);
gboolean cvm_guest_record_unlink(CvmState *state, const char *name, GError **error);

G_END_DECLS
