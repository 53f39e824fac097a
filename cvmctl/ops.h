/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The operations of cvmctl that cvmd serves (guests, firmware updates,
 * migration jobs, the attestation proxy's counters, SNP report
 * verification), one interface with two
 * implementations: through cvmd (ops-dbus.c) and in-process through libcvm
 * (ops-local.c). cvmctl_ops_open() chooses once per command; the commands
 * never ask which one they got, so both paths behave alike by construction;
 * what only cvmd can do fails in-process with CVM_ERROR_NOT_SUPPORTED saying
 * so (exit 4). What both need
 * on top of the primitives (stop with a deadline, forget --force, the serial
 * log) is written once in ops.c. */
#pragma once

#include <glib.h>
#include <json-c/json.h>
#include <cvm/attest-snp.h>
#include <cvm/client.h>
#include <cvm/launch.h>
#include <cvm/migrate-job.h>

typedef struct _CvmctlOps CvmctlOps;

typedef struct {
	const char *name; /* "cvmd" or "in-process", for -v */
	/* Every guest's status, sorted by name (cvm_client_list_guests() shape). */
	json_object *(*list)(CvmctlOps *ops, GError **error);
	/* One guest's status; CVM_ERROR_NOT_FOUND for an unknown name. */
	json_object *(*status)(CvmctlOps *ops, const char *name, GError **error);
	/* Launch; (out) warnings the plan gave (the in-process path prints
	 * them; cvmd keeps them in its log). Returns the guest's status. */
	json_object *(*launch)(CvmctlOps *ops, const CvmGuestSpec *spec, GStrv *warnings, GError **error);
	/* "start", "stop", "destroy", "reboot", "reset" or "forget". */
	gboolean (*action)(CvmctlOps *ops, const char *name, const char *action, GError **error);
	/* A FirmwareUpdate method ("Stage" with @image, "Apply", "Rollback",
	 * "Status"); returns the guest's firmware status JSON afterwards. */
	gchar *(*fwupdate)(CvmctlOps *ops, const char *name, const char *method, const char *image, GError **error);
	/* Start a migration job (cvm/migrate-job.h); returns its id. @detach:
	 * the job is to outlive the command, which only cvmd's do (in-process
	 * the job runs on a thread of this cvmctl, stopped when @ops is freed). */
	gchar *(*migrate_start)(CvmctlOps *ops, const CvmMigrateJobOptions *job, gboolean detach, GError **error);
	/* A job's status, the shape of cvmd's Migration.GetStatus(): id, guest,
	 * dest-name, phase, mode, blocks, bytes, rate-bytes-s, elapsed-us, and
	 * error-name and error once it failed. */
	json_object *(*migrate_status)(CvmctlOps *ops, const char *id, GError **error);
	gboolean (*migrate_cancel)(CvmctlOps *ops, const char *id, GError **error);
	/* The ids of the jobs there are, oldest first. */
	GStrv (*migrate_list)(CvmctlOps *ops, GError **error);
	/* The attestation proxy's counters (cvmd's Attest.GetCounters()). */
	json_object *(*attest_counters)(CvmctlOps *ops, GError **error);
	/* Verify an SNP report: cvm_snp_verify_report(), or cvmd's
	 * Attestation.VerifySnpReport() (cvm_client_verify_snp_report(): no
	 * @opts->roots_dir). TRUE when the verification ran, with @failed
	 * (CVM_SNP_VERIFY_OK when verified) and @failure; FALSE with @error
	 * when it did not. */
	gboolean (*verify_snp_report)(CvmctlOps *ops, GBytes *report, GBytes *certificate,
				      const CvmSnpVerifyOptions *opts, CvmSnpVerifyStep *failed, GError **failure,
				      GError **error);
	void (*free)(CvmctlOps *ops);
} CvmctlOpsVtable;

struct _CvmctlOps {
	const CvmctlOpsVtable *vt;
	gchar *bus;       /* the command's --bus, or NULL */
	gchar *uri;       /* the command's --connect, or NULL (in-process only) */
	gchar *state_dir; /* where the guests' files are (cvmctl_state_dir()) */
	gchar *no_cvmd;   /* in-process: why cvmd was not used, for what only cvmd does */
};

/* cvmd when cvmctl_connect() finds it, else in-process on
 * cvmctl_state_dir(@bus) and libvirt at @uri (cvmctl_local_uri()). -v says
 * which. Never fails: the in-process path opens what it needs per call. */
CvmctlOps *cvmctl_ops_open(const char *bus, const char *uri);
/* In-process whether or not cvmd runs, for an operation cvmd must not do
 * for this caller; -v says @why. */
CvmctlOps *cvmctl_ops_open_local(const char *bus, const char *why);
void cvmctl_ops_free(CvmctlOps *ops);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmctlOps, cvmctl_ops_free)

/* The two implementations (ops-dbus.c, ops-local.c). */
CvmctlOps *cvmctl_ops_dbus_new(CvmClient *client);
CvmctlOps *cvmctl_ops_local_new(void);

/* @status (a guest's status, or an array of them; consumed) with the
 * status keys only, in one order: what cvmd's Guest properties say
 * (cvm_client_guest_status()). The in-process record has more keys, cvm's
 * bookkeeping; the same command prints the same thing through either path.
 * NULL stays NULL. */
json_object *cvmctl_ops_shape(json_object *status);

/* Found by name in @ops->list() (the in-process path has no cheaper way). */
json_object *cvmctl_ops_find(json_object *list, const char *name, GError **error);

/* Stop: ACPI shutdown; with @timeout_s > 0 wait that long for the guest to be
 * shut off, then power it off (a guest may ignore ACPI). @force: power off
 * at once. */
gboolean cvmctl_ops_stop(CvmctlOps *ops, const char *name, gboolean force, gdouble timeout_s, GError **error);

/* Forget: domain, record and files gone. A running or paused guest is
 * refused (CVM_ERROR_STATE, naming the commands that would stop it) unless
 * @force, which powers it off first. */
gboolean cvmctl_ops_forget(CvmctlOps *ops, const char *name, gboolean force, GError **error);

/* The guest's serial log: its record's, else the default under the state
 * folder. */
gchar *cvmctl_ops_serial_log(CvmctlOps *ops, const char *name, GError **error);
