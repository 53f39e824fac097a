/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A vmfwupdate region-list request: every region checked against guest RAM,
 * the firmware size and the others before anything is read, then either the
 * one IGVM_IMAGE region is the new image or the COPY/ZERO regions are turned
 * into one with cvm's IGVM writer. */
#include "fwupdate/fwupdate-private.h"

#include <cvm/error.h>
#include <cvm/igvm-builder.h>

#define PAGE 4096u
#define KIND_FLAGS (CVM_VMFWUPDATE_REGION_COPY | CVM_VMFWUPDATE_REGION_ZERO | CVM_VMFWUPDATE_REGION_IGVM_IMAGE)

static CvmFwupdatePlan *
bad(CvmFwupdatePlan *plan, guint i, const char *what)
{
	return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, "region %u: %s", i, what);
}

/* One region on its own; NULL when it passes. */
static const char *
check_region(const CvmFwupdateGuest *guest, CvmGuestMemory *mem, const CvmVmfwupdateRegion *r)
{
	guint64 kind = r->flags & KIND_FLAGS;

	if (kind != CVM_VMFWUPDATE_REGION_COPY && kind != CVM_VMFWUPDATE_REGION_ZERO &&
	    kind != CVM_VMFWUPDATE_REGION_IGVM_IMAGE)
		return "needs exactly one of COPY, ZERO and IGVM_IMAGE";
	if (r->flags & CVM_VMFWUPDATE_REGION_IGVM_PARAM)
		return "IGVM_PARAM is not supported (the interface never defined it)";
	if ((r->flags & (CVM_VMFWUPDATE_REGION_SEV_CPUID | CVM_VMFWUPDATE_REGION_SEV_SECRETS)) &&
	    guest->platform != CVM_PLATFORM_SEV_SNP)
		return "SEV_CPUID and SEV_SECRETS only apply to SEV-SNP guests";
	if ((r->flags & CVM_VMFWUPDATE_REGION_SEV_CPUID) && (r->flags & CVM_VMFWUPDATE_REGION_SEV_SECRETS))
		return "SEV_CPUID and SEV_SECRETS together";
	if (r->size == 0 || (kind != CVM_VMFWUPDATE_REGION_IGVM_IMAGE && (r->size % PAGE || r->dst_addr % PAGE)))
		return "size and destination must be non-zero multiples of 4 KiB";
	if (kind == CVM_VMFWUPDATE_REGION_ZERO && r->src_addr != 0)
		return "ZERO takes no source";
	if (kind != CVM_VMFWUPDATE_REGION_ZERO && !cvm_guest_memory_contains(mem, r->src_addr, r->size))
		return "source is not inside guest RAM";
	return NULL;
}

static gint
by_dst(gconstpointer a, gconstpointer b)
{
	const CvmVmfwupdateRegion *x = a, *y = b;
	return x->dst_addr < y->dst_addr ? -1 : x->dst_addr > y->dst_addr;
}

/* The regions together: one IGVM_IMAGE alone, destinations apart, the
 * total within firmware_size, and the image they make within the engine's
 * limits (checked here, before a byte is read or a page built: a ZERO region
 * costs 32 bytes of image a page but a page each to build and measure). */
static CvmFwupdatePlan *
check_all(CvmFwupdatePlan *plan, const CvmFwupdateGuest *guest, const CvmVmfwupdate *dev,
	  CvmVmfwupdateRegion *regions, guint n)
{
	const guint64 per_page = sizeof(CvmIgvmVhsHeader) + sizeof(CvmIgvmPageData);
	guint64 total = 0, pages = 0, bytes = 0;

	for (guint i = 0; i < n; i++) {
		if ((regions[i].flags & CVM_VMFWUPDATE_REGION_IGVM_IMAGE) && n != 1)
			return bad(plan, i, "an IGVM_IMAGE region must be the only region");
		if (regions[i].flags & CVM_VMFWUPDATE_REGION_IGVM_IMAGE)
			return plan;
		if (total + regions[i].size < total || (total += regions[i].size) > dev->firmware_size)
			return bad(plan, i, "the regions exceed firmware_size");
		/* At most 256 regions of < 2^52 pages each: no overflow. */
		pages += regions[i].size / PAGE;
		if (pages > cvmi_fwupdate_max_pages(guest))
			return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL,
						    "region %u: size 0x%" G_GINT64_MODIFIER "x takes the regions to %"
						    G_GUINT64_FORMAT " pages, above the %" G_GUINT64_FORMAT
						    " an image may describe (%u x max-update-size)", i, regions[i].size,
						    pages, cvmi_fwupdate_max_pages(guest), CVMI_FWUPDATE_DESCRIBE_FACTOR);
		/* pages is now below 2^24 (max_image < 2^32): no overflow. */
		bytes += regions[i].size / PAGE * per_page +
			 ((regions[i].flags & CVM_VMFWUPDATE_REGION_COPY) ? regions[i].size : 0);
		if (bytes > cvmi_fwupdate_max_image(guest))
			return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL,
						    "region %u: size 0x%" G_GINT64_MODIFIER "x makes the image at least %"
						    G_GUINT64_FORMAT " bytes, above the %" G_GUINT64_FORMAT
						    " allowed (max-update-size)", i, regions[i].size, bytes,
						    cvmi_fwupdate_max_image(guest));
	}
	qsort(regions, n, sizeof(*regions), by_dst);
	for (guint i = 1; i < n; i++)
		if (regions[i - 1].dst_addr + regions[i - 1].size > regions[i].dst_addr)
			return bad(plan, i, "destination overlaps another region");
	return plan;
}

/* The platform the image is declared for: the AMD platforms as themselves
 * (their regions carry SEV flags), any other guest as NATIVE. */
static CvmPlatform
image_platform(CvmPlatform p)
{
	return p == CVM_PLATFORM_SEV || p == CVM_PLATFORM_SEV_ES || p == CVM_PLATFORM_SEV_SNP ? p : CVM_PLATFORM_NATIVE;
}

/* COPY and ZERO regions as an IGVM file for the guest's platform. */
static GBytes *
build_image(const CvmFwupdateGuest *guest, CvmGuestMemory *mem, const CvmVmfwupdateRegion *regions, guint n,
	    GError **error)
{
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);
	guint32 mask = cvm_igvm_builder_add_platform(b, image_platform(guest->platform), 0, 0, 0, error);

	if (mask == 0)
		return NULL;
	if (guest->platform == CVM_PLATFORM_SEV_SNP && !cvm_igvm_builder_add_guest_policy(b, mask, 0x30000, error))
		return NULL;
	for (guint i = 0; i < n; i++) {
		const CvmVmfwupdateRegion *r = &regions[i];
		guint32 flags = (r->flags & CVM_VMFWUPDATE_REGION_MEASURE) ? 0 : CVM_IGVM_PAGE_FLAG_UNMEASURED;
		CvmIgvmPageDataType type = (r->flags & CVM_VMFWUPDATE_REGION_SEV_CPUID)	    ? CVM_IGVM_PAGE_DATA_CPUID_DATA
					   : (r->flags & CVM_VMFWUPDATE_REGION_SEV_SECRETS) ? CVM_IGVM_PAGE_DATA_SECRETS
											    : CVM_IGVM_PAGE_DATA_NORMAL;
		if (r->flags & CVM_VMFWUPDATE_REGION_ZERO) {
			if (!cvm_igvm_builder_add_zero_pages(b, mask, r->dst_addr, r->size / PAGE, flags, type, error))
				return NULL;
			continue;
		}
		guint8 *buf = g_malloc(r->size);
		if (!cvm_guest_memory_read(mem, r->src_addr, buf, r->size, error)) {
			g_free(buf);
			return NULL;
		}
		g_autoptr(GBytes) data = g_bytes_new_take(buf, r->size);
		if (!cvm_igvm_builder_add_page_data(b, mask, r->dst_addr, flags, type, data, error))
			return NULL;
	}
	return cvm_igvm_builder_write_bytes(b, error);
}

static CvmFwupdatePlan *
read_regions(CvmFwupdatePlan *plan, const CvmFwupdateGuest *guest, const CvmVmfwupdate *dev, CvmGuestMemory *mem)
{
	g_autoptr(GError) error = NULL;
	g_autofree CvmVmfwupdateRegion *regions = NULL;
	guint n = dev->regions_count;
	guint8 raw[CVM_VMFWUPDATE_MAX_REGIONS * sizeof(CvmVmfwupdateRegionWire)];

	if (n > CVM_VMFWUPDATE_MAX_REGIONS)
		return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, "%u regions, at most %u", n,
					    CVM_VMFWUPDATE_MAX_REGIONS);
	if (!cvm_guest_memory_read(mem, dev->regions_addr, raw, n * sizeof(CvmVmfwupdateRegionWire), &error) ||
	    !cvm_vmfwupdate_regions_decode(raw, n * sizeof(CvmVmfwupdateRegionWire), n, &regions, &error))
		return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, "region list: %s", error->message);
	for (guint i = 0; i < n; i++) {
		const char *why = check_region(guest, mem, &regions[i]);
		if (why != NULL)
			return bad(plan, i, why);
	}
	if (check_all(plan, guest, dev, regions, n)->status != CVM_VMLAUNCHUPDATE_STATUS_SUCCESS)
		return plan;
	if (regions[0].flags & CVM_VMFWUPDATE_REGION_IGVM_IMAGE)
		return cvmi_fwupdate_read_image(plan, guest, mem, "region 0: IGVM_IMAGE size", regions[0].src_addr,
						regions[0].size);
	g_autoptr(GBytes) image = build_image(guest, mem, regions, n, &error);
	if (image == NULL)
		return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, "cannot build the image: %s",
					    error->message);
	return cvmi_fwupdate_take_image(plan, guest, image);
}

CvmFwupdatePlan *
cvm_fwupdate_plan_vmfwupdate(const CvmFwupdateGuest *guest, const guint8 *device, gsize len, CvmGuestMemory *mem)
{
	CvmFwupdatePlan *plan = cvmi_fwupdate_plan_new(guest);
	g_autoptr(GError) error = NULL;
	CvmVmfwupdate dev;

	if (guest->disabled)
		return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_SUCCESS,
					    "interface disabled by the guest: request ignored");
	if (!cvm_vmfwupdate_decode(device, len, &dev, &error))
		return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, "%s", error->message);
	if (dev.control & CVM_VMFWUPDATE_CTL_DISABLE) {
		cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_SUCCESS, "interface disabled until reset");
		plan->locks = TRUE;
		return plan;
	}
	if (dev.regions_count == 0)
		return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_SUCCESS, "no regions given");
	if (dev.opaque_addr != 0 && !cvm_guest_memory_contains(mem, dev.opaque_addr, PAGE))
		return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL,
					    "opaque blob at 0x%" G_GINT64_MODIFIER "x is not inside guest RAM",
					    dev.opaque_addr);
	read_regions(plan, guest, &dev, mem);
	if (plan->action == CVM_FWUPDATE_ACTION_REPLACE && dev.opaque_addr != 0) {
		plan->opaque_addr = dev.opaque_addr;
		plan->opaque_size = PAGE;
	}
	if (plan->action == CVM_FWUPDATE_ACTION_REPLACE)
		plan->cleared = "regions_addr and regions_count; at the reset all guest RAM but the opaque blob";
	return plan;
}
