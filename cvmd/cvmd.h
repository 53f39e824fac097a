/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmd internals: a thin D-Bus layer over libcvm (docs/cvmd.md). */
#pragma once

#include <gio/gio.h>
#include <libvirt/libvirt.h>
#include <json-c/json.h>
#include <cvm/bus.h>
#include <cvm/host.h>
#include <cvm/state.h>
#include <cvm/guest-record.h>
#include "cvm-dbus.h"

typedef struct _Cvmd Cvmd;
typedef struct _CvmdGuest CvmdGuest;

struct _Cvmd {
	GMainLoop *loop;
	GDBusConnection *bus;
	GDBusObjectManagerServer *objects;
	CvmDbusManager *manager;
	CvmState *state;
	GHashTable *guests; /* name -> CvmdGuest* */
	GHashTable *launching; /* names whose LaunchGuest runs in a worker */
	char *uri;          /* libvirt connection URI */
	virConnectPtr conn; /* NULL while libvirt is unreachable */
	CvmHostInfo host;   /* probed once per connection */
	gboolean host_probed;
	int lifecycle_cb;   /* virConnectDomainEventRegisterAny id, -1 if none */
	int reboot_cb;      /* the same for reboots (reboot.c), -1 if none */
	guint name_id;
	gboolean system;    /* system-bus instance: enforce caller checks */
	gboolean name_lost;
	gid_t cvm_gid;      /* group allowed to call mutating methods; -1 if absent */
	GThread *main_thread; /* the one writer of guest records (guest.c) */
};

struct _CvmdGuest {
	Cvmd *daemon;
	char *name;
	char *path;
	CvmDbusObjectSkeleton *object;
	CvmDbusGuest *iface;
	CvmGuestRecord *record; /* what is in the state directory: the main
				 * thread writes both (guest_writer()) */
	const char *busy;    /* what a worker is doing to the guest, or NULL */
	gboolean gone;       /* its record was removed (Forget, a migration) */
};

/* The interfaces a guest object or the manager object carries beyond the
 * core ones. Each later interface (attestation.c, firmware-update.c,
 * migration.c) defines one CvmdInterface and adds one line to the table in
 * interfaces.c. */
typedef struct {
	const char *name; /* D-Bus interface name */
	/* Called once at start-up, after d->bus is connected and before the
	 * name is owned: export manager-level skeletons at CVM_BUS_PATH on
	 * d->bus here (connect "g-authorize-method" to cvmd_caller_authorize).
	 * May be NULL. */
	gboolean (*attach_manager)(Cvmd *d, GError **error);
	/* Called for every guest object created; may be NULL. */
	void (*attach_guest)(Cvmd *d, CvmdGuest *guest);
	/* Called before a guest object goes away; may be NULL. */
	void (*detach_guest)(Cvmd *d, CvmdGuest *guest);
	/* Methods anyone may call (read-only); everything else needs a
	 * privileged caller. NULL-terminated; may be NULL. */
	const char *const *public_methods;
} CvmdInterface;

const CvmdInterface *const *cvmd_interfaces(void);

/* trim.c: after start-up, give back init-only memory. */
void cvmd_trim_memory(void);

/* bus.c */
gboolean cvmd_bus_setup(Cvmd *d, const char *bus, GError **error);
void cvmd_bus_teardown(Cvmd *d);

/* caller.c: TRUE when the method may run; else the invocation has been
 * answered with PermissionDenied. Connect to "g-authorize-method". */
gboolean cvmd_caller_authorize(GDBusInterfaceSkeleton *iface, GDBusMethodInvocation *inv,
			       gpointer daemon);
gboolean cvmd_caller_uid(Cvmd *d, GDBusMethodInvocation *inv, uid_t *uid, GError **error);
gboolean cvmd_caller_privileged(Cvmd *d, GDBusMethodInvocation *inv, GError **error);
void cvmd_caller_init(Cvmd *d);

/* manager.c */
void cvmd_manager_create(Cvmd *d);
gboolean cvmd_manager_publish(Cvmd *d, GError **error);
void cvmd_manager_refresh_capabilities(Cvmd *d);

/* source.c: InspectIgvm / MeasureIgvm ({"path": s} or {"fd": h}). */
void cvmd_source_connect(Cvmd *d);
/* The file named by a source dict, in memory only cvmd controls (a sealed
 * memfd mapped, anything else copied); the path form needs a privileged
 * caller (cvmd may read files the caller cannot), and the size limit depends
 * on the caller. Blocks on the bus and the file: call it from a job. */
GBytes *cvmd_source_read(Cvmd *d, GDBusMethodInvocation *inv, GUnixFDList *fds,
			 GVariant *source, GError **error);

/* jobs.c: work on a caller's input, run in a small bounded pool off the main
 * loop. @run (in a pool thread) returns the method's reply tuple (floating
 * or owned) or NULL with an error; the invocation is answered from the main context. When the
 * pool is full the call is answered Busy at once. @data is freed with
 * @free_data either way. */
typedef GVariant *(*CvmdJobFunc)(Cvmd *d, GDBusMethodInvocation *inv, gpointer data, GError **error);
void cvmd_job_start(Cvmd *d, GDBusMethodInvocation *inv, CvmdJobFunc run, gpointer data,
		    GDestroyNotify free_data);

/* launch.c: LaunchGuest. */
void cvmd_launch_connect(Cvmd *d);

/* guest.c */
/* Makes the main thread the one writer of d->state's guest records: a save
 * or remove from a worker (a launch, a firmware switch, a migration) is run
 * there, and updates the guest object's record with the file. */
void cvmd_guest_writer_install(Cvmd *d);
CvmdGuest *cvmd_guest_add(Cvmd *d, const char *name, const CvmGuestRecord *record);
void cvmd_guest_remove(Cvmd *d, CvmdGuest *g);
CvmdGuest *cvmd_guest_lookup(Cvmd *d, const char *name);
/* Updates the State property (and the stored record when it changed). */
void cvmd_guest_set_state(CvmdGuest *g, const char *state);
/* StateReason (libvirt's reason for the current state, %NULL: unknown) and,
 * for a failed guest, QemuLog and QemuLogTail (cvm_guest_status_diagnose()). */
void cvmd_guest_set_reason(CvmdGuest *g, const char *reason);
gboolean cvmd_guest_save(CvmdGuest *g, GError **error);
/* A worker that relaunches or moves the guest holds it meanwhile (@what, a
 * static string, names the work in errors): Stop, Destroy, Forget and
 * firmware changes are refused with CVM_ERROR_BUSY, as is a second hold. */
gboolean cvmd_guest_hold(CvmdGuest *g, const char *what, GError **error);
/* The hold of a Guest.Reset call, which restores firmware itself. */
#define CVMD_RESET_WORK "a Reset is in progress"
/* Ends the hold; the state is asked of libvirt again. */
void cvmd_guest_release(CvmdGuest *g);
/* FALSE, with CVM_ERROR_BUSY, while a worker holds @g. */
gboolean cvmd_guest_check_idle(CvmdGuest *g, GError **error);

/* libvirt.c */
gboolean cvmd_libvirt_open(Cvmd *d, GError **error);
void cvmd_libvirt_close(Cvmd *d);
/* Start, stop or destroy the guest's domain, found by @uuid (never by name
 * alone); thread-safe. *@state: the guest's state afterwards, or NULL;
 * "replaced" on failure when another domain holds the guest's name. */
gboolean cvmd_libvirt_lifecycle(Cvmd *d, const char *name, const char *uuid, const char *action, char **state,
				GError **error);

/* attest-services.c: ServeQuotes and ServeCertificates of the Attestation
 * interface (attestation.c), and their restoration at start-up. */
void cvmd_attest_services_connect(Cvmd *d, CvmDbusAttestation *iface);
/* attest-verify.c: VerifySnpReport of the Attestation interface. */
void cvmd_attest_verify_connect(Cvmd *d, CvmDbusAttestation *iface);
/* Serves @rec for @name and keeps it as the state record KIND/NAME, or
 * neither: the record is written first and put back as it was when @serve
 * refuses. */
typedef gboolean (*CvmdAttestServeFn)(Cvmd *d, const char *name, json_object *rec, GError **error);
gboolean cvmd_attest_keep_and_serve(Cvmd *d, const char *kind, const char *name, json_object *rec, CvmdAttestServeFn serve,
				    GError **error);
/* Largest timeout or deadline of a service configuration, in ms (10 min). */
#define CVMD_ATTEST_MS_MAX 600000u
/* An a{sv} configuration as a JSON record: keys in @strings (s), @numbers
 * (u, each within its range: timeouts 1-CVMD_ATTEST_MS_MAX, attempts 1-10,
 * breaker 1-1000) and @string_lists (as) are taken, anything else is
 * InvalidArgument. */
json_object *cvmd_attest_config_record(GVariant *config, const char *const *strings, const char *const *numbers,
				       const char *const *string_lists, GError **error);
/* The record's "listen", checked by cvm_attest_listen_check() (a daemon's
 * working directory means nothing to its clients); NULL with
 * InvalidArgument otherwise. */
const char *cvmd_attest_listen(json_object *rec, GError **error);

/* reboot.c: firmware restores due at a guest's reset. */
int cvmd_reboot_register(Cvmd *d);

/* reconcile.c */
gboolean cvmd_reconcile_load(Cvmd *d, GError **error);
/* Reconcile(): answers @inv with the number of guests whose state changed;
 * libvirt is asked from a worker thread. */
void cvmd_reconcile_async(Cvmd *d, GDBusMethodInvocation *inv);
/* One guest's state from libvirt; TRUE if it changed. */
gboolean cvmd_reconcile_guest(CvmdGuest *g);

/* errors: return a GError over D-Bus (CVM_ERROR domain -> named errors). */
void cvmd_return_error(GDBusMethodInvocation *inv, GError *error);
