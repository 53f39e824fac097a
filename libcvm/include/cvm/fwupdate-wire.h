/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Guest-initiated firmware update: wire formats of the two interfaces.
 *
 * 1. vmfwupdate region list (Gerd Hoffmann's Mar 2025 rewrite, ML thread
 *    "Re: [PATCH v6] hw/misc/vmfwupdate"): struct vmfwupdate (0x28 bytes,
 *    natural alignment: the mail gives no packing) and 32-byte region entries.
 * 2. vm-launch-update (QEMU docs/specs/vmlaunchupdate.rst,
 *    include/standard-headers/misc/vmlaunchupdate.h): the 56-byte fw_cfg file
 *    etc/vmlaunchupdate.
 * All fields little-endian. See docs/fwupdate.md.
 */
#pragma once

#include <cvm/igvm-defs.h>
#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

/* ---- vmfwupdate (region list) ---- */

#define CVM_VMFWUPDATE_CAP_BIOS_RESIZE  0x1ull
#define CVM_VMFWUPDATE_CAP_IGVM_IMAGES  0x2ull /* written "2 << 0" in the mail */
#define CVM_VMFWUPDATE_CTL_DISABLE      0x1u

#define CVM_VMFWUPDATE_REGION_COPY        0x1ull
#define CVM_VMFWUPDATE_REGION_ZERO        0x2ull
#define CVM_VMFWUPDATE_REGION_MEASURE     0x4ull
#define CVM_VMFWUPDATE_REGION_VALIDATE    0x8ull
#define CVM_VMFWUPDATE_REGION_IGVM_IMAGE  0x100ull
#define CVM_VMFWUPDATE_REGION_IGVM_PARAM  0x200ull
#define CVM_VMFWUPDATE_REGION_SEV_CPUID   0x10000ull
#define CVM_VMFWUPDATE_REGION_SEV_SECRETS 0x20000ull
/* Every flag bit the interface defines; anything else is refused. */
#define CVM_VMFWUPDATE_REGION_KNOWN                                                        \
	(CVM_VMFWUPDATE_REGION_COPY | CVM_VMFWUPDATE_REGION_ZERO |                         \
	 CVM_VMFWUPDATE_REGION_MEASURE | CVM_VMFWUPDATE_REGION_VALIDATE |                  \
	 CVM_VMFWUPDATE_REGION_IGVM_IMAGE | CVM_VMFWUPDATE_REGION_IGVM_PARAM |             \
	 CVM_VMFWUPDATE_REGION_SEV_CPUID | CVM_VMFWUPDATE_REGION_SEV_SECRETS)

typedef struct CVM_WIRE {
	guint64 capabilities;  /* VMM capabilities, read-only for the guest */
	guint64 firmware_size; /* firmware storage size, read-only */
	guint64 opaque_addr;   /* GPA of the opaque blob kept across the update */
	guint64 regions_addr;  /* GPA of the region array */
	guint16 regions_count;
	guint16 control;       /* CVM_VMFWUPDATE_CTL_*; only reset clears DISABLE */
	guint8 tail_padding[4]; /* natural-alignment tail of the C struct */
} CvmVmfwupdateWire;
CVM_WIRE_ASSERT(CvmVmfwupdateWire, 0x28);
CVM_WIRE_OFFSET(CvmVmfwupdateWire, firmware_size, 0x08);
CVM_WIRE_OFFSET(CvmVmfwupdateWire, opaque_addr, 0x10);
CVM_WIRE_OFFSET(CvmVmfwupdateWire, regions_addr, 0x18);
CVM_WIRE_OFFSET(CvmVmfwupdateWire, regions_count, 0x20);
CVM_WIRE_OFFSET(CvmVmfwupdateWire, control, 0x22);

typedef struct CVM_WIRE {
	guint64 size;
	guint64 src_addr; /* GPA before the update */
	guint64 dst_addr; /* GPA after the update */
	guint64 flags;    /* CVM_VMFWUPDATE_REGION_* */
} CvmVmfwupdateRegionWire;
CVM_WIRE_ASSERT(CvmVmfwupdateRegionWire, 32);
CVM_WIRE_OFFSET(CvmVmfwupdateRegionWire, src_addr, 0x08);
CVM_WIRE_OFFSET(CvmVmfwupdateRegionWire, dst_addr, 0x10);
CVM_WIRE_OFFSET(CvmVmfwupdateRegionWire, flags, 0x18);

/* Decoded (host-order) forms. */
typedef struct {
	guint64 capabilities;
	guint64 firmware_size;
	guint64 opaque_addr;
	guint64 regions_addr;
	guint16 regions_count;
	guint16 control;
} CvmVmfwupdate;

typedef struct {
	guint64 size;
	guint64 src_addr;
	guint64 dst_addr;
	guint64 flags;
} CvmVmfwupdateRegion;

/* Upper bound on regions_count the host accepts (the wire allows 65535). */
#define CVM_VMFWUPDATE_MAX_REGIONS 256

/**
 * cvm_vmfwupdate_decode:
 * Decode struct vmfwupdate from @data (@len must be at least 0x28; extra
 * bytes are ignored). Returns FALSE with CVM_ERROR_TRUNCATED otherwise.
 */
gboolean cvm_vmfwupdate_decode(const guint8 *data, gsize len, CvmVmfwupdate *out, GError **error);
/** cvm_vmfwupdate_encode: the 0x28-byte wire form of @in (tail padding zero). */
GBytes *cvm_vmfwupdate_encode(const CvmVmfwupdate *in);

/**
 * cvm_vmfwupdate_regions_decode:
 * Decode @count region entries from @data/@len into a newly allocated array
 * (@out_regions, free with g_free). Fails with CVM_ERROR_TRUNCATED naming the
 * first missing entry's byte offset, or CVM_ERROR_INVALID_DATA when @count
 * exceeds CVM_VMFWUPDATE_MAX_REGIONS or an entry has unknown flag bits.
 * Semantic checks (addresses, overlap, combinations) belong to the engine.
 */
gboolean cvm_vmfwupdate_regions_decode(const guint8 *data, gsize len, guint count,
				       CvmVmfwupdateRegion **out_regions, GError **error);
/** cvm_vmfwupdate_regions_encode: 32 * @count bytes. */
GBytes *cvm_vmfwupdate_regions_encode(const CvmVmfwupdateRegion *regions, guint count);

/* ---- vm-launch-update (fw_cfg etc/vmlaunchupdate) ---- */

#define CVM_VMLAUNCHUPDATE_FW_CFG_FILE "etc/vmlaunchupdate"
#define CVM_VMLAUNCHUPDATE_VERSION     1

#define CVM_VMLAUNCHUPDATE_STATUS_SUCCESS       0
#define CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL     1
#define CVM_VMLAUNCHUPDATE_STATUS_NOT_IGVM_INIT 2

#define CVM_VMLAUNCHUPDATE_FORMAT_IGVM   (1ull << 32) /* capability and control bit */
#define CVM_VMLAUNCHUPDATE_CTL_DISABLE   (1ull << 0)
#define CVM_VMLAUNCHUPDATE_CTL_HOST_IGVM (1ull << 1)
#define CVM_VMLAUNCHUPDATE_CTL_KNOWN                                                       \
	(CVM_VMLAUNCHUPDATE_FORMAT_IGVM | CVM_VMLAUNCHUPDATE_CTL_DISABLE |                 \
	 CVM_VMLAUNCHUPDATE_CTL_HOST_IGVM)

typedef struct CVM_WIRE {
	guint16 version;
	guint16 status; /* written by the VMM */
	guint32 padding;
	guint64 capabilities;
	guint64 control;
	guint64 fw_image_addr; /* cleared on successful parse */
	guint64 fw_image_size;
	guint64 opaque_addr;   /* kept across reset; shared memory on CVMs */
	guint64 opaque_size;
} CvmVmlaunchupdateWire;
CVM_WIRE_ASSERT(CvmVmlaunchupdateWire, 56);
CVM_WIRE_OFFSET(CvmVmlaunchupdateWire, status, 0x02);
CVM_WIRE_OFFSET(CvmVmlaunchupdateWire, capabilities, 0x08);
CVM_WIRE_OFFSET(CvmVmlaunchupdateWire, control, 0x10);
CVM_WIRE_OFFSET(CvmVmlaunchupdateWire, fw_image_addr, 0x18);
CVM_WIRE_OFFSET(CvmVmlaunchupdateWire, fw_image_size, 0x20);
CVM_WIRE_OFFSET(CvmVmlaunchupdateWire, opaque_addr, 0x28);
CVM_WIRE_OFFSET(CvmVmlaunchupdateWire, opaque_size, 0x30);

typedef struct {
	guint16 version;
	guint16 status;
	guint64 capabilities;
	guint64 control;
	guint64 fw_image_addr;
	guint64 fw_image_size;
	guint64 opaque_addr;
	guint64 opaque_size;
} CvmVmlaunchupdate;

/**
 * cvm_vmlaunchupdate_decode:
 * Decode the 56-byte etc/vmlaunchupdate file. Fails with CVM_ERROR_TRUNCATED
 * when @len < 56, CVM_ERROR_INVALID_DATA for a version other than 1 or
 * control bits outside CVM_VMLAUNCHUPDATE_CTL_KNOWN (byte offset named).
 * The padding word is ignored, as QEMU does.
 */
gboolean cvm_vmlaunchupdate_decode(const guint8 *data, gsize len, CvmVmlaunchupdate *out,
				   GError **error);
/** cvm_vmlaunchupdate_encode: the 56-byte wire form of @in (padding zero). */
GBytes *cvm_vmlaunchupdate_encode(const CvmVmlaunchupdate *in);
/** cvm_vmlaunchupdate_status_name: "success", "load-fail", "not-igvm-init" or NULL. */
const char *cvm_vmlaunchupdate_status_name(guint16 status);

G_END_DECLS
