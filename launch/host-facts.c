/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A host's probe result as JSON ("host facts"): `cvmctl host --json` prints
 * it on the target host and `cvmctl domxml --host-facts` reads it on
 * another, so the XML for a host with SEV-SNP or a newer libvirt can be
 * made where neither is. The keys are those of cvmd's Capabilities
 * dictionary (docs/dbus/README.md). */
#include <string.h>
#include <cvm/error.h>
#include <cvm/host.h>
#include "libcvm/libcvm-internal.h"

typedef enum { FACT_VERSION, FACT_BOOL, FACT_SMALL } FactKind;

/* Every field of CvmHostInfo, in the order printed. */
static const struct {
	const char *key;
	FactKind kind;
	gsize offset;
	gboolean optional; /* 0 when absent (unknown to the probe as well) */
} facts[] = {
	{ "libvirt-version", FACT_VERSION, G_STRUCT_OFFSET(CvmHostInfo, libvirt_version), FALSE },
	{ "qemu-version", FACT_VERSION, G_STRUCT_OFFSET(CvmHostInfo, qemu_version), FALSE },
	{ "qemu-igvm", FACT_BOOL, G_STRUCT_OFFSET(CvmHostInfo, qemu_igvm), FALSE },
	{ "kvm", FACT_BOOL, G_STRUCT_OFFSET(CvmHostInfo, kvm), FALSE },
	{ "sev", FACT_BOOL, G_STRUCT_OFFSET(CvmHostInfo, sev), FALSE },
	{ "sev-snp", FACT_BOOL, G_STRUCT_OFFSET(CvmHostInfo, sev_snp), FALSE },
	{ "tdx", FACT_BOOL, G_STRUCT_OFFSET(CvmHostInfo, tdx), FALSE },
	{ "snp-id-block", FACT_BOOL, G_STRUCT_OFFSET(CvmHostInfo, snp_id_block), FALSE },
	{ "sev-cbitpos", FACT_SMALL, G_STRUCT_OFFSET(CvmHostInfo, sev_cbitpos), TRUE },
	{ "sev-reduced-phys-bits", FACT_SMALL, G_STRUCT_OFFSET(CvmHostInfo, sev_reduced_phys_bits), TRUE },
	/* What the QEMU offers the COCONUT SVSM (cvm_host_info_from_qemu_help());
	 * optional so that facts written before they existed still read. */
	{ "qemu-svsm-virtio-mmio", FACT_BOOL, G_STRUCT_OFFSET(CvmHostInfo, qemu_svsm_virtio_mmio), TRUE },
	{ "qemu-device-plane", FACT_BOOL, G_STRUCT_OFFSET(CvmHostInfo, qemu_device_plane), TRUE },
	{ "qemu-virtio-blk-device", FACT_BOOL, G_STRUCT_OFFSET(CvmHostInfo, qemu_virtio_blk_device), TRUE },
	{ "qemu-vhost-vsock-device", FACT_BOOL, G_STRUCT_OFFSET(CvmHostInfo, qemu_vhost_vsock_device), TRUE },
};

json_object *
cvm_host_info_to_json(const CvmHostInfo *host)
{
	json_object *o = json_object_new_object();

	for (gsize i = 0; i < G_N_ELEMENTS(facts); i++) {
		const void *field = G_STRUCT_MEMBER_P(host, facts[i].offset);
		json_object *v;

		if (facts[i].kind == FACT_VERSION)
			v = json_object_new_int64((gint64)*(const gulong *)field);
		else if (facts[i].kind == FACT_BOOL)
			v = json_object_new_boolean(*(const gboolean *)field);
		else
			v = json_object_new_int64(*(const guint *)field);
		json_object_object_add(o, facts[i].key, v);
	}
	return o;
}

gboolean
cvm_host_info_from_json(const char *data, gsize len, CvmHostInfo *out, GError **error)
{
	json_object *root = cvmi_json_parse(data, len, "host facts", error);
	gboolean ok = FALSE;

	memset(out, 0, sizeof(*out));
	if (root == NULL)
		return FALSE;
	if (!json_object_is_type(root, json_type_object)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA, "host facts are not a JSON object");
		goto out;
	}
	/* Unknown keys are left alone ("platforms", which `cvmctl host`
	 * prints, is derived from these); a missing or mistyped one is an
	 * error rather than a guess about the target host. */
	for (gsize i = 0; i < G_N_ELEMENTS(facts); i++) {
		void *field = G_STRUCT_MEMBER_P(out, facts[i].offset);
		json_object *v = NULL;

		if (!json_object_object_get_ex(root, facts[i].key, &v)) {
			if (facts[i].optional)
				continue;
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA, "host facts lack \"%s\"", facts[i].key);
			goto out;
		}
		if (facts[i].kind == FACT_BOOL) {
			if (!json_object_is_type(v, json_type_boolean)) {
				g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
					    "host facts: \"%s\" must be true or false", facts[i].key);
				goto out;
			}
			*(gboolean *)field = json_object_get_boolean(v);
			continue;
		}
		/* Versions in libvirt's encoding (major * 1000000 + minor * 1000
		 * + micro), so below 1000 majors; bit counts below 64. */
		gint64 max = facts[i].kind == FACT_VERSION ? G_GINT64_CONSTANT(999999999) : 63;
		gint64 n = json_object_get_int64(v);
		if (!json_object_is_type(v, json_type_int) || n < 0 || n > max) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
				    "host facts: \"%s\" must be a whole number from 0 to %" G_GINT64_FORMAT, facts[i].key,
				    max);
			goto out;
		}
		if (facts[i].kind == FACT_VERSION)
			*(gulong *)field = (gulong)n;
		else
			*(guint *)field = (guint)n;
	}
	ok = TRUE;
out:
	json_object_put(root);
	if (!ok)
		memset(out, 0, sizeof(*out));
	return ok;
}
