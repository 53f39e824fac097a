/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * cvmd client: what cvmctl uses for commands that need state (list, status,
 * stop, launch, ...) when cvmd is reachable. When cvm_client_connect() returns
 * NULL with CVM_ERROR_NOT_FOUND, the caller may run the same operation
 * in-process through libcvm (cvm_local_*()).
 */

#include <gio/gio.h>
#include <json-c/json.h>
#include <cvm/guest-record.h>
#include <cvm/error.h>

G_BEGIN_DECLS

typedef struct _CvmClient CvmClient;

/**
 * cvm_client_connect:
 * @bus: "system", "session" or a D-Bus address; %NULL means system
 * @error: CVM_ERROR_NOT_FOUND when the bus or cvmd is not there (fall back
 *   to in-process), CVM_ERROR_IO for other failures
 *
 * Connects and checks that org.cvm.Cvmd1 has an owner (no auto-start).
 *
 * Returns: (transfer full): a client or %NULL.
 */
CvmClient *cvm_client_connect(const char *bus, GError **error);

void cvm_client_free(CvmClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmClient, cvm_client_free)

/**
 * cvm_client_list_guests:
 *
 * Returns: (transfer full): a JSON array of guest objects, each with the
 * Guest properties as keys "name", "uuid", "state", "platform", "igvm-path",
 * "igvm-sha256", "expected-measurement", "uri", "created" (the same keys as
 * the state records), sorted by name; %NULL with @error set.
 */
json_object *cvm_client_list_guests(CvmClient *client, GError **error);

/**
 * cvm_client_guest_status:
 *
 * Returns: (transfer full): one guest object as in cvm_client_list_guests(),
 * or %NULL with CVM_ERROR_NOT_FOUND / CVM_ERROR_INVALID_ARGUMENT.
 */
json_object *cvm_client_guest_status(CvmClient *client, const char *name, GError **error);

/**
 * cvm_client_guest_action:
 * @action: "start", "stop", "destroy", "reboot", "reset" or "forget"
 *   (cvm_lifecycle_action(); forget removes the domain, record and files)
 *
 * Calls the Guest method; errors come back as CVM_ERROR codes.
 */
gboolean cvm_client_guest_action(CvmClient *client, const char *name, const char *action,
				 GError **error);

/**
 * cvm_client_launch:
 * @spec: (transfer floating): an a{sv} launch spec (docs/dbus/README.md)
 *
 * Returns: (transfer full): the new guest's object path, or %NULL.
 */
gchar *cvm_client_launch(CvmClient *client, GVariant *spec, GError **error);

/**
 * cvm_client_attest_counters:
 *
 * Returns: (transfer full): the attestation proxy's counters in cvmd
 * (requests, failures, retries, passthrough-errors) as a JSON object.
 */
json_object *cvm_client_attest_counters(CvmClient *client, GError **error);

/**
 * cvm_client_verify_snp_report:
 * @report: the report bytes
 * @certificate: its VCEK or VLEK (DER or PEM)
 * @options: (transfer floating): the a{sv} options
 *   (cvm_snp_verify_options_to_variant())
 * @verified: (out) (optional): whether the report verified
 * @failed_check: (out) (optional) (transfer full): the step that failed
 *   (cvm_snp_verify_step_to_string()), "" when verified
 * @failure: (out) (optional): when it did not verify, the failure as
 *   cvm_snp_verify_report() gives it in-process (same code and message)
 * @error: the call's own failure (cvmd unreachable, an input over 64 KiB:
 *   CVM_ERROR_INVALID_ARGUMENT)
 *
 * Attestation.VerifySnpReport(): the checks of cvm_snp_verify_report(),
 * run by cvmd with the roots of its own data folder.
 *
 * Returns: %TRUE when cvmd answered (verified or not), %FALSE with @error
 * set when it did not.
 */
gboolean cvm_client_verify_snp_report(CvmClient *client, GBytes *report, GBytes *certificate, GVariant *options,
				      gboolean *verified, gchar **failed_check, GError **failure, GError **error);

/**
 * cvm_client_fwupdate:
 * @method: "Stage" (with @igvm_path), "Apply", "Rollback" or "Status"
 * @json: (out) (optional): the Status JSON
 *
 * A call of the guest's org.cvm.Cvmd1.FirmwareUpdate interface.
 */
gboolean cvm_client_fwupdate(CvmClient *client, const char *name, const char *method, const char *igvm_path,
			     gchar **json, GError **error);

/**
 * cvm_client_migrate_start:
 * @options: (transfer floating): Start() options (cvm_migrate_job_options_to_variant())
 *
 * Returns: (transfer full): the id of the migration job cvmd started, or %NULL.
 */
gchar *cvm_client_migrate_start(CvmClient *client, const char *guest, const char *to, GVariant *options,
				GError **error);
/* Migration.Cancel(). */
gboolean cvm_client_migrate_cancel(CvmClient *client, const char *id, GError **error);
/* Migration.GetStatus() as a JSON object (the same keys). */
json_object *cvm_client_migrate_status(CvmClient *client, const char *id, GError **error);
/* Migration.List(): (transfer full) the job ids. */
gchar **cvm_client_migrate_list(CvmClient *client, GError **error);

G_END_DECLS

G_BEGIN_DECLS

/**
 * cvm_local_list_guests:
 * @state_dir: the state directory (cvm_state_default_dir())
 * @uri: libvirt URI used for guests whose record names none
 * @error: return location for a #GError
 *
 * The in-process counterpart of cvm_client_list_guests(): the records of
 * @state_dir with "state" taken from libvirt now (matched by UUID; "vanished"
 * when the domain is gone, "unknown" when libvirt is unreachable). Records
 * are not modified (that is cvmd's job). Same JSON shape, sorted by name.
 */
json_object *cvm_local_list_guests(const char *state_dir, const char *uri, GError **error);

/**
 * cvm_local_guest_action:
 * @action: "start", "stop", "destroy", "reboot", "reset" or "forget" (destroy, undefine, drop
 *   the record and the guest's files: cvm_launch_forget())
 *
 * The in-process counterpart of cvm_client_guest_action() for guests in
 * @state_dir (CVM_ERROR_NOT_FOUND for unknown names).
 */
gboolean cvm_local_guest_action(const char *state_dir, const char *uri, const char *name,
				const char *action, GError **error);

/**
 * cvm_domain_state_name:
 * @state: a virDomainState value
 *
 * Returns: the Guest.State name for it ("running", "paused", "stopping",
 * "shutoff", "crashed", "suspended", "unknown"); shared by cvmd and the
 * in-process path so both report the same words.
 */
const char *cvm_domain_state_name(int state);

/**
 * cvm_domain_state_reason_name:
 * @state: a virDomainState value
 * @reason: its reason (virDomainGetState(), a virDomain*Reason of @state)
 *
 * Returns: the reason's name ("booted", "user", "I/O error", "crashed",
 * "shutdown", "destroyed", "failed", ...; "unknown" for what libvirt does
 * not know either or this version does not name): Guest.StateReason.
 */
const char *cvm_domain_state_reason_name(int state, int reason);

/**
 * cvm_guest_status_diagnose:
 * @status: a guest's status (its name, uri and state are read)
 * @reason: (nullable): the state's reason (cvm_domain_state_reason_name())
 *
 * Sets @state_reason and, for a guest that failed, crashed, shut off after
 * a crash or a failed start, or is paused by an error (reason unknown, I/O
 * error, watchdog, crashed, api-error), where QEMU's log is (@qemu_log,
 * cvm_launch_qemu_log_path()) and its last lines (@qemu_log_tail): what
 * QEMU said about it. A shut-off guest whose reason libvirt no longer knows
 * (an embedded driver opened by another process) gets the one libvirt wrote
 * into the log when it stopped the domain ("shutting down, reason=crashed").
 */
void cvm_guest_status_diagnose(CvmGuestRecord *status, const char *reason);

G_END_DECLS
