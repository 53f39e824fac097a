/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Launching a guest end to end and forgetting it again. Each step undoes
 * the earlier ones when it fails: the record first (so a crash leaves a
 * "launching" record that reconciliation resolves), then the files, then the
 * domain. */
#include "libcvm/fs-internal.h"
#include "launch/launch-private.h"
#include "libcvm/libcvm-internal.h"

#include <cvm/state.h>
#include <cvm/guest-record.h>
#include <cvm/error.h>
#include <cvm/lifecycle.h>
#include <json-c/json.h>
#include <cvm/client.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

gchar *
cvm_launch_guest_dir(const char *state_dir, const char *name)
{
	return g_build_filename(state_dir, "guests.d", name, NULL);
}

/* What a relaunch (firmware update) needs to rebuild the same guest. */
static void
add_spec(CvmGuestRecord *rec, const CvmLaunchPlan *plan, const CvmGuestSpec *spec)
{
	rec->memory_mib = plan->memory_bytes >> 20;
	rec->vcpus = plan->vcpus;
	cvm_guest_record_set(&rec->disk, spec->disk);
	cvm_guest_record_set(&rec->network, spec->network);
	cvm_guest_record_set(&rec->command_line, spec->command_line);
	rec->has_snp_policy = spec->has_snp_policy;
	rec->snp_policy = spec->has_snp_policy ? spec->snp_policy : 0;
	cvm_guest_record_set(&rec->accel_requested, cvm_launch_accel_to_string(spec->accel));
	g_strfreev(rec->svsm_devices);
	rec->svsm_devices = spec->svsm_devices != NULL && spec->svsm_devices[0] != NULL
				    ? g_strdupv((gchar **)spec->svsm_devices)
				    : NULL;
}

static void
set_image_md(CvmGuestRecord *rec, const CvmLaunchMetadata *md)
{
	cvm_guest_record_set(&rec->platform, md->platform);
	cvm_guest_record_set(&rec->image.igvm_path, md->igvm_path);
	cvm_guest_record_set(&rec->image.igvm_sha256, md->igvm_sha256 ? md->igvm_sha256 : "");
	cvm_guest_record_set(&rec->image.measurement, md->measurement ? md->measurement : "");
	cvm_guest_record_set(&rec->strategy, md->strategy ? md->strategy : "");
}

static void
set_image(CvmGuestRecord *rec, const CvmLaunchPlan *plan)
{
	set_image_md(rec, &plan->md);
	cvm_guest_record_set(&rec->accel, cvm_launch_accel_to_string(plan->accel));
}

static CvmGuestRecord *
new_record(const CvmLaunchPlan *plan, const CvmGuestSpec *spec, const char *uri)
{
	CvmGuestRecord *rec = cvm_guest_record_new(spec->name);

	cvm_guest_record_set(&rec->state, "launching");
	set_image(rec, plan);
	add_spec(rec, plan, spec);
	cvm_guest_record_set(&rec->serial_log, plan->serial_log);
	cvm_guest_record_set(&rec->uri, uri);
	rec->created = g_get_real_time() / G_USEC_PER_SEC;
	return rec;
}

static gboolean
name_is_free(virConnectPtr conn, CvmState *state, const char *name, GError **error)
{
	virDomainPtr dom = virDomainLookupByName(conn, name);
	g_autoptr(GError) local = NULL;
	CvmGuestRecord *rec;

	if (dom != NULL) {
		virDomainFree(dom);
		g_set_error(error, CVM_ERROR, CVM_ERROR_EXISTS, "a libvirt domain named %s exists already", name);
		return FALSE;
	}
	rec = cvm_guest_record_load(state, name, &local);
	if (rec != NULL) {
		cvm_guest_record_free(rec);
		g_set_error(error, CVM_ERROR, CVM_ERROR_EXISTS, "cvm already has a guest named %s (cvmctl stop/forget it)",
			    name);
		return FALSE;
	}
	return TRUE;
}

/* Every string of a spec ends up in the record (and all the record's
 * strings together, each escaped as JSON at worst 6 bytes a byte, stay
 * below what the state directory will store and read back). */
G_STATIC_ASSERT((32 + CVM_LAUNCH_MAX_SVSM_DEVICES + 3) * 6 * CVM_LAUNCH_STRING_MAX < CVM_STATE_RECORD_MAX);

static gboolean
check_sizes(const CvmGuestSpec *spec, GError **error)
{
	const struct {
		const char *key, *value;
	} strings[] = {
		{ "igvm", spec->igvm_path }, { "serial-log", spec->serial_log }, { "disk", spec->disk },
		{ "network", spec->network }, { "command-line", spec->command_line },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(strings); i++) {
		gsize len = strings[i].value ? strlen(strings[i].value) : 0;

		if (len > CVM_LAUNCH_STRING_MAX) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
				    "launch spec: \"%s\" is %zu bytes; the limit is %d", strings[i].key, len,
				    CVM_LAUNCH_STRING_MAX);
			return FALSE;
		}
	}
	/* (more devices than the SVSM has slots for are refused by the plan) */
	for (guint i = 0; spec->svsm_devices != NULL && spec->svsm_devices[i] != NULL; i++)
		if (strlen(spec->svsm_devices[i]) > CVM_LAUNCH_STRING_MAX) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
				    "launch spec: an SVSM device is %zu bytes; the limit is %d",
				    strlen(spec->svsm_devices[i]), CVM_LAUNCH_STRING_MAX);
			return FALSE;
		}
	return TRUE;
}

/* @host: what the caller already knows of the host (cvmd keeps it from its
 * start), or NULL to probe @conn now. */
static CvmLaunchPlan *
plan_for(virConnectPtr conn, CvmState *state, const CvmGuestSpec *spec, const CvmHostInfo *host, GError **error)
{
	CvmHostInfo probed;
	g_autofree gchar *dir = NULL;

	if (!cvm_name_check("guest name", spec->name, error) || !check_sizes(spec, error))
		return NULL;
	if (host == NULL) {
		if (!cvm_host_probe(conn, &probed, error))
			return NULL;
		host = &probed;
	}
	dir = cvm_launch_guest_dir(cvm_state_get_dir(state), spec->name);
	return cvm_launch_plan_new(spec, host, dir, error);
}

/* Records @dom as @name's running domain; when the record cannot be
 * written, the domain goes (destroyed, undefined, freed) and FALSE. */
static gboolean
record_running(CvmState *state, CvmGuestRecord *rec, virDomainPtr dom, GError **error)
{
	char uuid[VIR_UUID_STRING_BUFLEN];

	if (virDomainGetUUIDString(dom, uuid) == 0)
		cvm_guest_record_set(&rec->uuid, uuid);
	cvm_guest_record_set(&rec->state, "running");
	if (cvm_guest_record_save(state, rec, error))
		return TRUE;
	virDomainDestroy(dom);
	virDomainUndefine(dom);
	virDomainFree(dom);
	return FALSE;
}

/* The guest's identity is its domain's UUID (cvm_lifecycle_lookup()), so it
 * is chosen here and recorded before the domain is defined: a launch killed
 * between define and start leaves a record that names its domain, and a
 * relaunch keeps the guest's UUID. */
static gboolean
set_uuid(CvmLaunchPlan *plan, const char *uuid, GError **error)
{
	xmlDocPtr doc = xmlReadMemory(plan->xml, (int)strlen(plan->xml), "domain.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL, node;
	xmlChar *buf = NULL;
	int len = 0;

	if (root == NULL) {
		xmlFreeDoc(doc);
		g_set_error(error, CVM_ERROR, CVM_ERROR_FAILED, "domain XML of %s is not well-formed", plan->name);
		return FALSE;
	}
	for (node = root->children; node != NULL; node = node->next)
		if (node->type == XML_ELEMENT_NODE && xmlStrcmp(node->name, (const xmlChar *)"uuid") == 0)
			break;
	if (node != NULL)
		xmlNodeSetContent(node, (const xmlChar *)uuid);
	else
		xmlNewTextChild(root, NULL, (const xmlChar *)"uuid", (const xmlChar *)uuid);
	xmlDocDumpMemory(doc, &buf, &len);
	xmlFreeDoc(doc);
	g_free(plan->xml);
	plan->xml = g_strndup((const char *)buf, len);
	xmlFree(buf);
	return TRUE;
}

static virDomainPtr
start(virConnectPtr conn, CvmState *state, CvmLaunchPlan *plan, CvmGuestRecord *rec, GError **error)
{
	virDomainPtr dom;
	g_autofree gchar *chosen = g_uuid_string_random();

	if (!set_uuid(plan, chosen, error))
		return NULL;
	cvm_guest_record_set(&rec->uuid, chosen);
	if (!cvm_guest_record_save(state, rec, error))
		return NULL;
	cvmi_test_fault("launch-recorded");
	/* Leftovers of a launch killed before it recorded anything are ours. */
	cvmi_rm_rf(plan->guest_dir);
	if (!cvm_launch_plan_write_files(plan, error))
		goto undo_record;
	cvmi_test_fault("launch-files");
	dom = cvm_lifecycle_define_start(conn, plan->name, plan->xml, error);
	if (dom != NULL)
		cvmi_test_fault("launch-started");
	if (dom == NULL || !record_running(state, rec, dom, error))
		goto undo_files;
	return dom;
undo_files:
	cvmi_rm_rf(plan->guest_dir);
undo_record:
	cvm_guest_record_remove(state, plan->name, NULL);
	return NULL;
}

/* Destroy and undefine the guest's domain, found by the record's UUID, if
 * libvirt has it. A QEMU that died while we destroyed it (see guest-local.c)
 * is fine. A domain that only has the guest's name is not the guest's: it is
 * left alone, with CVM_ERROR_STATE when @strict (a relaunch could not define
 * the guest's domain beside it), silently otherwise (forgetting the guest
 * needs nothing from it). */
static gboolean
remove_domain(virConnectPtr conn, const char *name, const CvmGuestRecord *rec, gboolean strict, GError **error)
{
	g_autoptr(GError) local = NULL;
	virDomainPtr dom = cvm_lifecycle_lookup(conn, name, rec->uuid, &local);
	gboolean ok;

	if (dom == NULL) {
		if (g_error_matches(local, CVM_ERROR, CVM_ERROR_NOT_FOUND) ||
		    (!strict && g_error_matches(local, CVM_ERROR, CVM_ERROR_STATE)))
			return TRUE;
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	ok = (virDomainIsActive(dom) != 1 || virDomainDestroy(dom) == 0 || virDomainIsActive(dom) == 0) &&
	     (virDomainIsPersistent(dom) != 1 || virDomainUndefine(dom) == 0);
	if (!ok)
		cvm_libvirt_set_error(error, "cannot remove domain %s", name);
	virDomainFree(dom);
	return ok;
}

/* AUTO's second chance: @dom, which KVM could not run (@why), goes and the
 * guest is launched again under TCG on the same record. NULL (the record
 * and files removed) when that fails too. */
static virDomainPtr
relaunch_tcg(virConnectPtr conn, CvmState *state, const CvmGuestSpec *spec, virDomainPtr dom, CvmGuestRecord *rec,
	     const char *why, GError **error)
{
	CvmGuestSpec tcg = *spec;
	g_autoptr(CvmLaunchPlan) plan = NULL;
	g_autofree gchar *note = g_strdup_printf("%s; relaunched under TCG (--accel auto)", why);
	g_autofree gchar *dir = cvm_launch_guest_dir(cvm_state_get_dir(state), spec->name);
	g_autofree gchar *firmware = g_build_filename(dir, "firmware", NULL);

	virDomainFree(dom);
	tcg.accel = CVM_LAUNCH_ACCEL_TCG;
	plan = plan_for(conn, state, &tcg, NULL, error);
	/* The guest keeps its identity under TCG. */
	if (plan == NULL || !set_uuid(plan, rec->uuid ? rec->uuid : "", error))
		goto undo;
	if (!remove_domain(conn, spec->name, rec, TRUE, error)) {
		g_prefix_error(error, "%s: cannot remove the KVM domain: ", why);
		goto undo;
	}
	cvmi_rm_rf(firmware);
	if (!cvm_launch_plan_write_files(plan, error))
		goto undo;
	set_image(rec, plan);
	cvm_guest_record_set(&rec->accel_fallback, note);
	dom = cvm_lifecycle_define_start(conn, plan->name, plan->xml, error);
	if (dom == NULL) {
		g_prefix_error(error, "%s; under TCG: ", why);
		goto undo;
	}
	if (!record_running(state, rec, dom, error))
		goto undo;
	return dom;
undo:
	remove_domain(conn, spec->name, rec, FALSE, NULL);
	cvmi_rm_rf(dir);
	cvm_guest_record_remove(state, spec->name, NULL);
	return NULL;
}

virDomainPtr
cvm_launch_guest(virConnectPtr conn, CvmState *state, const CvmGuestSpec *spec, GStrv *warnings, GError **error)
{
	return cvm_launch_guest_on_host(conn, state, spec, NULL, warnings, error);
}

virDomainPtr
cvm_launch_guest_on_host(virConnectPtr conn, CvmState *state, const CvmGuestSpec *spec, const CvmHostInfo *host,
			 GStrv *warnings, GError **error)
{
	g_autoptr(CvmLaunchPlan) plan = plan_for(conn, state, spec, host, error);
	g_autofree gchar *why = NULL;
	g_autoptr(CvmGuestRecord) rec = NULL;
	virDomainPtr dom;
	char *uri;

	g_autofree gchar *policy_dir = cvm_policy_default_dir();
	g_autoptr(CvmPolicy) policy = NULL;

	if (plan == NULL || !name_is_free(conn, state, spec->name, error))
		return NULL;
	policy = cvm_policy_load_dir(policy_dir, error);
	if (policy == NULL || !cvm_launch_plan_check_policy(plan, policy, error))
		return NULL;
	uri = virConnectGetURI(conn);
	rec = new_record(plan, spec, uri != NULL ? uri : "");
	free(uri);
	dom = start(conn, state, plan, rec, error);
	/* Only a native guest: TCG has no confidential platform, and a guest
	 * must never quietly lose its protection. */
	if (dom != NULL && spec->accel == CVM_LAUNCH_ACCEL_AUTO && plan->accel == CVM_LAUNCH_ACCEL_KVM &&
	    plan->platform == CVM_PLATFORM_NATIVE &&
	    cvmi_launch_watch_kvm(dom, rec->uri, spec->name, plan->serial_log, &why))
		dom = relaunch_tcg(conn, state, spec, dom, rec, why, error);
	if (dom != NULL && warnings != NULL)
		*warnings = g_strdupv((gchar **)plan->warnings->pdata);
	return dom;
}

gboolean
cvm_launch_forget(virConnectPtr conn, CvmState *state, const char *name, GError **error)
{
	g_autofree gchar *dir = NULL;
	CvmGuestRecord *rec;
	gboolean ok;

	if (!cvm_name_check("guest name", name, error))
		return FALSE;
	/* No record, no UUID: nothing of libvirt's is known to be the guest's. */
	rec = cvm_guest_record_load(state, name, NULL);
	ok = rec == NULL || remove_domain(conn, name, rec, FALSE, error);
	cvm_guest_record_free(rec);
	if (!ok)
		return FALSE;
	dir = cvm_launch_guest_dir(cvm_state_get_dir(state), name);
	cvmi_rm_rf(dir);
	return cvm_guest_record_remove(state, name, error);
}

gboolean
cvmi_launch_spec_from_record(const CvmGuestRecord *rec, CvmGuestSpec *spec, GError **error)
{
	*spec = (CvmGuestSpec){.name = rec->name, .igvm_path = rec->image.igvm_path,
			       .memory_bytes = rec->memory_mib << 20, .vcpus = rec->vcpus,
			       .serial_log = rec->serial_log, .disk = rec->disk, .network = rec->network,
			       .command_line = rec->command_line, .has_snp_policy = rec->has_snp_policy,
			       .snp_policy = rec->snp_policy,
			       .svsm_devices = (const char *const *)rec->svsm_devices};
	/* A guest AUTO moved to TCG gets AUTO's choice again on a relaunch. */
	if (rec->accel_requested != NULL && !cvm_launch_accel_from_string(rec->accel_requested, &spec->accel, error))
		return FALSE;
	if (rec->platform != NULL && !cvm_platform_from_string(rec->platform, &spec->platform, error))
		return FALSE;
	return TRUE;
}

gboolean
cvmi_launch_relaunch(virConnectPtr conn, CvmState *state, CvmGuestRecord *rec, const char *igvm_path, GError **error)
{
	const char *name = rec->name;
	CvmGuestSpec spec;
	virDomainPtr dom;
	char uuid[VIR_UUID_STRING_BUFLEN];

	if (!cvmi_launch_spec_from_record(rec, &spec, error))
		return FALSE;
	spec.igvm_path = igvm_path;
	g_autoptr(CvmLaunchPlan) plan = plan_for(conn, state, &spec, NULL, error);
	const char *old_uuid = rec->uuid ? rec->uuid : "";
	g_autofree gchar *chosen = g_uuid_string_is_valid(old_uuid) ? g_strdup(old_uuid) : g_uuid_string_random();

	if (plan == NULL || !set_uuid(plan, chosen, error))
		return FALSE;
	/* The reset: the old domain goes, the new one is made from the new image. */
	if (!remove_domain(conn, name, rec, TRUE, error)) {
		g_prefix_error(error, "cannot stop %s for its firmware update: ", name);
		return FALSE;
	}
	cvmi_test_fault("relaunch-removed");
	g_autofree gchar *firmware = g_build_filename(plan->guest_dir, "firmware", NULL);
	cvmi_rm_rf(firmware);
	if (!cvm_launch_plan_write_files(plan, error))
		return FALSE;
	dom = cvm_lifecycle_define_start(conn, name, plan->xml, error);
	if (dom == NULL)
		return FALSE;
	cvmi_test_fault("relaunch-started");
	if (virDomainGetUUIDString(dom, uuid) == 0)
		cvm_guest_record_set(&rec->uuid, uuid);
	virDomainFree(dom);
	set_image(rec, plan);
	cvm_guest_record_set(&rec->state, "running");
	return TRUE;
}

CvmGuestRecord *
cvm_launch_record_from_domain(virDomainPtr dom, GError **error)
{
	CvmLaunchMetadata md = { 0 };
	char uuid[VIR_UUID_STRING_BUFLEN];
	char *xml = virDomainGetXMLDesc(dom, 0), *uri;
	int state = VIR_DOMAIN_NOSTATE, reason;
	virDomainInfo info;
	CvmGuestRecord *rec;
	gboolean ok;

	if (xml == NULL) {
		cvm_libvirt_set_error(error, "cannot read the XML of domain %s", virDomainGetName(dom));
		return NULL;
	}
	ok = cvm_launch_metadata_from_domain_xml(xml, &md, error);
	free(xml);
	if (!ok || virDomainGetUUIDString(dom, uuid) < 0 || virDomainGetInfo(dom, &info) < 0) {
		if (ok)
			cvm_libvirt_set_error(error, "cannot read domain %s", virDomainGetName(dom));
		else
			g_prefix_error(error, "domain %s: ", virDomainGetName(dom));
		cvm_launch_metadata_clear(&md);
		return NULL;
	}
	rec = cvm_guest_record_new(virDomainGetName(dom));
	cvm_guest_record_set(&rec->uuid, uuid);
	cvm_guest_record_set(&rec->state, virDomainGetState(dom, &state, &reason, 0) == 0 ? cvm_domain_state_name(state)
											   : "unknown");
	set_image_md(rec, &md);
	cvm_launch_metadata_clear(&md);
	rec->memory_mib = info.maxMem >> 10;
	rec->vcpus = info.nrVirtCpu;
	uri = virConnectGetURI(virDomainGetConnect(dom));
	cvm_guest_record_set(&rec->uri, uri != NULL ? uri : "");
	free(uri);
	rec->created = g_get_real_time() / G_USEC_PER_SEC;
	virResetLastError();
	return rec;
}

CvmGuestRecord *
cvm_launch_rebuild_record(virConnectPtr conn, CvmState *state, const char *name, GError **error)
{
	virDomainPtr dom = virDomainLookupByName(conn, name);
	CvmGuestRecord *rec;

	virResetLastError();
	if (dom == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "no libvirt domain named %s", name);
		return NULL;
	}
	rec = cvm_launch_record_from_domain(dom, error);
	virDomainFree(dom);
	if (rec == NULL)
		return NULL;
	rec->rebuilt = g_get_real_time() / G_USEC_PER_SEC;
	if (!cvm_guest_record_save(state, rec, error)) {
		cvm_guest_record_free(rec);
		return NULL;
	}
	return rec;
}
