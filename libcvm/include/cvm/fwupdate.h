/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Guest-driven and host-driven firmware replacement (docs/fwupdate.md).
 *
 * The engine turns a request into a CvmFwupdatePlan without trusting a byte
 * of it: the vm-launch-update file (etc/vmlaunchupdate) or the vmfwupdate
 * region list, with the image and regions read from guest memory through a
 * CvmGuestMemory accessor, or an image the host operator stages. A plan
 * always comes back, also for hostile input: then it does nothing and says
 * why (its status and message are what the guest and the log get).
 *
 * Applying a plan to a libvirt guest stores the new IGVM content-addressed in
 * the state directory, relaunches the domain from it and records the new
 * expected measurement in the same record write; the previous image is kept
 * for cvm_fwupdate_rollback().
 */
#pragma once

#include <cvm/fwupdate-wire.h>
#include <cvm/guest-memory.h>
#include <cvm/launch.h>
#include <cvm/policy.h>
#include <cvm/state.h>
#include <cvm/guest-record.h>
#include <glib.h>

G_BEGIN_DECLS

/** CVM_FWUPDATE_MAX_IMAGE: largest IGVM image read from a guest when no policy sets a limit. */
#define CVM_FWUPDATE_MAX_IMAGE CVM_POLICY_DEFAULT_MAX_UPDATE_SIZE

/**
 * CvmFwupdateGuest:
 * @platform: the platform the guest runs as (not AUTO)
 * @vcpus: vCPUs (for the launch digest)
 * @launched_with_igvm: the guest was started from an IGVM file (else
 *   vm-launch-update answers NOT_IGVM_INIT, as QEMU does)
 * @disabled: the guest locked the interface earlier (sticky until a host
 *   image restore)
 * @max_image: largest image accepted (0: CVM_FWUPDATE_MAX_IMAGE; at most
 *   4 GiB - 1, the IGVM limit); an image, or a region list, may describe at
 *   most 16 x @max_image / 4 KiB pages of guest memory (docs/fwupdate.md,
 *   "Bounds")
 *
 * What the engine knows of the guest. Guest RAM is the accessor's range.
 */
typedef struct {
	CvmPlatform platform;
	guint vcpus;
	gboolean launched_with_igvm;
	gboolean disabled;
	guint64 max_image;
} CvmFwupdateGuest;

/**
 * CvmFwupdateAction:
 * @CVM_FWUPDATE_ACTION_NONE: nothing changes (refused, ignored, or only a lock)
 * @CVM_FWUPDATE_ACTION_REPLACE: relaunch from the plan's new image
 * @CVM_FWUPDATE_ACTION_RESTORE_HOST: relaunch from the host's own image
 */
typedef enum {
	CVM_FWUPDATE_ACTION_NONE,
	CVM_FWUPDATE_ACTION_REPLACE,
	CVM_FWUPDATE_ACTION_RESTORE_HOST,
} CvmFwupdateAction;

typedef struct _CvmFwupdatePlan CvmFwupdatePlan;

/**
 * cvm_fwupdate_plan_vmlaunchupdate:
 * @guest: the guest
 * @file: the 56 bytes the guest wrote to etc/vmlaunchupdate
 * @len: their length
 * @mem: the guest's memory (the image is read from it)
 *
 * Follows QEMU's launch_update_write: a disabled interface ignores the
 * write; DISABLE locks it (and nothing else happens); address and size 0
 * with HOST_IGVM restores the host image; otherwise FORMAT_IGVM is required
 * (else LOAD_FAIL), the guest must run from IGVM (else NOT_IGVM_INIT), and the
 * image must lie in guest RAM, fit the size limit, parse, validate and
 * declare the guest's platform (else LOAD_FAIL). HOST_IGVM makes the
 * replacement last one reset.
 *
 * Returns: (transfer full): the plan, never %NULL.
 */
CvmFwupdatePlan *cvm_fwupdate_plan_vmlaunchupdate(const CvmFwupdateGuest *guest, const guint8 *file, gsize len,
						  CvmGuestMemory *mem);

/**
 * cvm_fwupdate_plan_vmfwupdate:
 * @guest: the guest
 * @device: the 0x28-byte struct vmfwupdate as the guest left it
 * @len: its length
 * @mem: the guest's memory (region array and sources are read from it)
 *
 * Validates the region list: at most CVM_VMFWUPDATE_MAX_REGIONS, known flags,
 * exactly one of COPY, ZERO and IGVM_IMAGE per region, ZERO without a
 * source, 4 KiB-aligned sizes and addresses, sources inside guest RAM,
 * destinations that do not overlap and in total fit firmware_size,
 * SEV_CPUID/SEV_SECRETS only for SEV-SNP, IGVM_PARAM refused (the interface
 * never defined it), an IGVM_IMAGE region alone. An IGVM_IMAGE region is the
 * new image; COPY and ZERO regions become one (built with cvm's writer:
 * MEASURE regions measured, the others unmeasured).
 *
 * Returns: (transfer full): the plan, never %NULL.
 */
CvmFwupdatePlan *cvm_fwupdate_plan_vmfwupdate(const CvmFwupdateGuest *guest, const guint8 *device, gsize len,
					      CvmGuestMemory *mem);

/**
 * cvm_fwupdate_plan_image:
 * @guest: the guest
 * @igvm: an IGVM file the host operator stages
 *
 * The host-driven path: the same image checks as a guest request.
 *
 * Returns: (transfer full): the plan, never %NULL.
 */
CvmFwupdatePlan *cvm_fwupdate_plan_image(const CvmFwupdateGuest *guest, GBytes *igvm);

void cvm_fwupdate_plan_free(CvmFwupdatePlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmFwupdatePlan, cvm_fwupdate_plan_free)

CvmFwupdateAction cvm_fwupdate_plan_get_action(const CvmFwupdatePlan *plan);
/** cvm_fwupdate_plan_get_status: the vm-launch-update status to report (CVM_VMLAUNCHUPDATE_STATUS_*). */
guint16 cvm_fwupdate_plan_get_status(const CvmFwupdatePlan *plan);
/** cvm_fwupdate_plan_get_message: what happened and why, for the log. */
const char *cvm_fwupdate_plan_get_message(const CvmFwupdatePlan *plan);
/** cvm_fwupdate_plan_get_locks: the interface is disabled after this request. */
gboolean cvm_fwupdate_plan_get_locks(const CvmFwupdatePlan *plan);
/** cvm_fwupdate_plan_get_one_reset: the replacement lasts one reset (HOST_IGVM). */
gboolean cvm_fwupdate_plan_get_one_reset(const CvmFwupdatePlan *plan);
/** cvm_fwupdate_plan_get_image: (nullable): the new IGVM file (REPLACE only). */
GBytes *cvm_fwupdate_plan_get_image(const CvmFwupdatePlan *plan);
/** cvm_fwupdate_plan_get_sha256: (nullable): its SHA-256, hex. */
const char *cvm_fwupdate_plan_get_sha256(const CvmFwupdatePlan *plan);
/** cvm_fwupdate_plan_get_digest: (nullable): its launch digest for the guest's platform, hex (none for native). */
const char *cvm_fwupdate_plan_get_digest(const CvmFwupdatePlan *plan);
/** cvm_fwupdate_plan_get_opaque: the guest range kept across the update (size 0: none). */
void cvm_fwupdate_plan_get_opaque(const CvmFwupdatePlan *plan, guint64 *addr, guint64 *size);

/**
 * cvm_fwupdate_plan_check_policy:
 * @plan: a REPLACE plan (others pass)
 * @policy: the host policy
 * @guest: the guest's name
 * @error: return location for a #GError
 *
 * Size limit, allowed launch digests and SNP ID-block keys
 * (cvm_policy_check_igvm()). A refused plan leaves the guest as it is.
 */
gboolean cvm_fwupdate_plan_check_policy(const CvmFwupdatePlan *plan, const CvmPolicy *policy, const char *guest,
					GError **error);

/** cvm_fwupdate_plan_to_json: the plan as a JSON object (text), for cvmctl and D-Bus. */
gchar *cvm_fwupdate_plan_to_json(const CvmFwupdatePlan *plan);

/**
 * cvm_fwupdate_stage:
 * @state: the cvm state directory
 * @name: a guest cvm launched
 * @igvm_path: the image
 * @error: return location for a #GError
 *
 * Plans the image for the guest (its platform from its record), checks the
 * host policy, stores the image content-addressed under
 * `<state>/firmware/<sha256>.igvm` and records it as the guest's staged
 * image. Nothing runs differently until cvm_fwupdate_apply().
 */
gboolean cvm_fwupdate_stage(CvmState *state, const char *name, const char *igvm_path, GError **error);

/**
 * cvm_fwupdate_apply:
 * @conn: the guest's libvirt connection
 * @state: the cvm state directory
 * @name: the guest
 * @error: return location for a #GError
 *
 * Relaunches the guest from its staged image (a reset through libvirt:
 * destroy, then define and start from the new image), keeping the running
 * image as the previous one. The record's image, digest and expected
 * measurement change in one write once the new domain runs; if it cannot be
 * started the guest is relaunched from the image it had.
 */
gboolean cvm_fwupdate_apply(virConnectPtr conn, CvmState *state, const char *name, GError **error);

/** cvm_fwupdate_rollback: the same, back to the previous image. */
gboolean cvm_fwupdate_rollback(virConnectPtr conn, CvmState *state, const char *name, GError **error);

/**
 * cvm_fwupdate_switch:
 * @rec: the guest's record; updated, never written
 * @rollback: %FALSE: to the staged image; %TRUE: to the previous one
 *
 * cvm_fwupdate_apply() or cvm_fwupdate_rollback() on a record the caller
 * owns and writes: cvmd's worker relaunches the guest and hands @rec to the
 * main thread, the state folder's one writer. After a failure @rec says
 * what runs (the old image relaunched), except with CVM_ERROR_STATE (no
 * such image: nothing was done).
 */
gboolean cvm_fwupdate_switch(virConnectPtr conn, CvmState *state, CvmGuestRecord *rec, gboolean rollback,
			     GError **error);

/**
 * cvm_fwupdate_recover:
 * @changed: (out): set when the record was rewritten
 *
 * Finishes a firmware switch cut short (the process died after the new
 * domain started and before the record was rewritten): when the guest's
 * domain (by UUID) carries cvm metadata naming the record's staged or
 * previous image rather than its current one, the record is rewritten as
 * cvm_fwupdate_apply() or cvm_fwupdate_rollback() would have. A guest without
 * a domain, or whose domain runs the recorded image, is left alone. cvmd
 * calls it for every record at start-up.
 */
gboolean cvm_fwupdate_recover(virConnectPtr conn, CvmState *state, const char *name, gboolean *changed,
			      GError **error);

/**
 * cvm_fwupdate_guest_from_record:
 * @state: the cvm state directory
 * @name: a guest cvm launched
 * @out: (out caller-allocates): its platform, vCPUs and lock state
 * @error: return location for a #GError
 *
 * What the engine needs to know of a guest, from its record.
 */
gboolean cvm_fwupdate_guest_from_record(CvmState *state, const char *name, CvmFwupdateGuest *out, GError **error);

/**
 * cvm_fwupdate_submit:
 * @conn: the guest's libvirt connection
 * @state: the cvm state directory
 * @name: the guest
 * @plan: a plan made for it (its policy already checked)
 * @error: return location for a #GError
 *
 * Carries out a guest's request as vm-launch-update defines it: a lock is
 * recorded (later requests are ignored); REPLACE stores the image and
 * relaunches the guest from it, and with HOST_IGVM marks it to last one
 * reset; RESTORE_HOST marks the host's image for the next reset. The host's
 * image is the one the guest was first launched from.
 */
gboolean cvm_fwupdate_submit(virConnectPtr conn, CvmState *state, const char *name, const CvmFwupdatePlan *plan,
			     GError **error);

/**
 * cvm_fwupdate_guest_reset:
 *
 * To call when the guest resets: if its replacement was to last one reset,
 * or the host image is to be restored, it is relaunched from the host's
 * image, which also lifts the lock. Otherwise nothing happens.
 */
gboolean cvm_fwupdate_guest_reset(virConnectPtr conn, CvmState *state, const char *name, GError **error);

/**
 * cvm_fwupdate_status:
 *
 * Returns: (transfer full): JSON text with the guest's current, staged and
 * previous images (path, SHA-256, expected measurement).
 */
gchar *cvm_fwupdate_status(CvmState *state, const char *name, GError **error);

G_END_DECLS
