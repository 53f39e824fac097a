/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Codecs for the vmfwupdate region list and the vm-launch-update fw_cfg file.
 * Byte layouts and their sources: cvm/fwupdate-wire.h, docs/fwupdate.md. */
#include <cvm/error.h>
#include <cvm/fwupdate-wire.h>
#include <string.h>

gboolean
cvm_vmfwupdate_decode(const guint8 *data, gsize len, CvmVmfwupdate *out, GError **error)
{
	CvmVmfwupdateWire w;

	if (data == NULL || len < sizeof(w)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
			    "vmfwupdate: %" G_GSIZE_FORMAT " bytes, struct needs 0x28", len);
		return FALSE;
	}
	memcpy(&w, data, sizeof(w));
	out->capabilities = cvm_le64(w.capabilities);
	out->firmware_size = cvm_le64(w.firmware_size);
	out->opaque_addr = cvm_le64(w.opaque_addr);
	out->regions_addr = cvm_le64(w.regions_addr);
	out->regions_count = cvm_le16(w.regions_count);
	out->control = cvm_le16(w.control);
	return TRUE;
}

GBytes *
cvm_vmfwupdate_encode(const CvmVmfwupdate *in)
{
	CvmVmfwupdateWire w = {
		.capabilities = GUINT64_TO_LE(in->capabilities),
		.firmware_size = GUINT64_TO_LE(in->firmware_size),
		.opaque_addr = GUINT64_TO_LE(in->opaque_addr),
		.regions_addr = GUINT64_TO_LE(in->regions_addr),
		.regions_count = GUINT16_TO_LE(in->regions_count),
		.control = GUINT16_TO_LE(in->control),
	};

	return g_bytes_new(&w, sizeof(w));
}

gboolean
cvm_vmfwupdate_regions_decode(const guint8 *data, gsize len, guint count,
			      CvmVmfwupdateRegion **out_regions, GError **error)
{
	g_autofree CvmVmfwupdateRegion *regions = NULL;

	if (count > CVM_VMFWUPDATE_MAX_REGIONS) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "vmfwupdate: %u regions, at most %u accepted", count,
			    CVM_VMFWUPDATE_MAX_REGIONS);
		return FALSE;
	}
	regions = g_new0(CvmVmfwupdateRegion, MAX(count, 1));
	for (guint i = 0; i < count; i++) {
		gsize off = (gsize)i * sizeof(CvmVmfwupdateRegionWire);
		CvmVmfwupdateRegionWire w;

		if (data == NULL || len < off + sizeof(w)) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
				    "vmfwupdate: region %u at byte 0x%" G_GSIZE_MODIFIER
				    "x past the %" G_GSIZE_FORMAT " bytes given",
				    i, off, len);
			return FALSE;
		}
		memcpy(&w, data + off, sizeof(w));
		regions[i].size = cvm_le64(w.size);
		regions[i].src_addr = cvm_le64(w.src_addr);
		regions[i].dst_addr = cvm_le64(w.dst_addr);
		regions[i].flags = cvm_le64(w.flags);
		if (regions[i].flags & ~CVM_VMFWUPDATE_REGION_KNOWN) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
				    "vmfwupdate: region %u (byte 0x%" G_GSIZE_MODIFIER
				    "x) has unknown flags 0x%" G_GINT64_MODIFIER "x",
				    i, off + 0x18,
				    (guint64)(regions[i].flags & ~CVM_VMFWUPDATE_REGION_KNOWN));
			return FALSE;
		}
	}
	*out_regions = g_steal_pointer(&regions);
	return TRUE;
}

GBytes *
cvm_vmfwupdate_regions_encode(const CvmVmfwupdateRegion *regions, guint count)
{
	gsize n = (gsize)count * sizeof(CvmVmfwupdateRegionWire);
	CvmVmfwupdateRegionWire *w = g_malloc0(MAX(n, 1));

	for (guint i = 0; i < count; i++) {
		w[i].size = GUINT64_TO_LE(regions[i].size);
		w[i].src_addr = GUINT64_TO_LE(regions[i].src_addr);
		w[i].dst_addr = GUINT64_TO_LE(regions[i].dst_addr);
		w[i].flags = GUINT64_TO_LE(regions[i].flags);
	}
	return g_bytes_new_take(w, n);
}

gboolean
cvm_vmlaunchupdate_decode(const guint8 *data, gsize len, CvmVmlaunchupdate *out, GError **error)
{
	CvmVmlaunchupdateWire w;
	guint64 unknown;

	if (data == NULL || len < sizeof(w)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
			    "vmlaunchupdate: %" G_GSIZE_FORMAT " bytes, file is 56", len);
		return FALSE;
	}
	memcpy(&w, data, sizeof(w));
	out->version = cvm_le16(w.version);
	out->status = cvm_le16(w.status);
	out->capabilities = cvm_le64(w.capabilities);
	out->control = cvm_le64(w.control);
	out->fw_image_addr = cvm_le64(w.fw_image_addr);
	out->fw_image_size = cvm_le64(w.fw_image_size);
	out->opaque_addr = cvm_le64(w.opaque_addr);
	out->opaque_size = cvm_le64(w.opaque_size);
	if (out->version != CVM_VMLAUNCHUPDATE_VERSION) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "vmlaunchupdate: version %u at byte 0x0, expected 1", out->version);
		return FALSE;
	}
	unknown = out->control & ~CVM_VMLAUNCHUPDATE_CTL_KNOWN;
	if (unknown != 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "vmlaunchupdate: unknown control bits 0x%" G_GINT64_MODIFIER
			    "x at byte 0x10", unknown);
		return FALSE;
	}
	return TRUE;
}

GBytes *
cvm_vmlaunchupdate_encode(const CvmVmlaunchupdate *in)
{
	CvmVmlaunchupdateWire w = {
		.version = GUINT16_TO_LE(in->version),
		.status = GUINT16_TO_LE(in->status),
		.capabilities = GUINT64_TO_LE(in->capabilities),
		.control = GUINT64_TO_LE(in->control),
		.fw_image_addr = GUINT64_TO_LE(in->fw_image_addr),
		.fw_image_size = GUINT64_TO_LE(in->fw_image_size),
		.opaque_addr = GUINT64_TO_LE(in->opaque_addr),
		.opaque_size = GUINT64_TO_LE(in->opaque_size),
	};

	return g_bytes_new(&w, sizeof(w));
}

const char *
cvm_vmlaunchupdate_status_name(guint16 status)
{
	switch (status) {
	case CVM_VMLAUNCHUPDATE_STATUS_SUCCESS:
		return "success";
	case CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL:
		return "load-fail";
	case CVM_VMLAUNCHUPDATE_STATUS_NOT_IGVM_INIT:
		return "not-igvm-init";
	default:
		return NULL;
	}
}
