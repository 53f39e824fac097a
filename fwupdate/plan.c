/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Firmware-update plans: the checks every new image passes whatever brought
 * it (guest request or host staging), its hash and launch digest, the host
 * policy, and the plan as JSON. */
#include "fwupdate/fwupdate-private.h"
#include "launch/launch-internal.h"

#include <cvm/error.h>
#include <cvm/igvm.h>
#include <cvm/measure.h>
#include <json-c/json.h>
#include <stdarg.h>

CvmFwupdatePlan *
cvmi_fwupdate_plan_new(const CvmFwupdateGuest *guest)
{
	CvmFwupdatePlan *plan = g_new0(CvmFwupdatePlan, 1);

	plan->platform = guest->platform;
	plan->status = CVM_VMLAUNCHUPDATE_STATUS_SUCCESS;
	plan->message = g_strdup("no update requested");
	return plan;
}

CvmFwupdatePlan *
cvmi_fwupdate_refuse(CvmFwupdatePlan *plan, guint16 status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_free(plan->message);
	plan->message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	plan->action = CVM_FWUPDATE_ACTION_NONE;
	plan->status = status;
	g_clear_pointer(&plan->image, g_bytes_unref);
	return plan;
}

guint64
cvmi_fwupdate_max_image(const CvmFwupdateGuest *guest)
{
	return MIN(guest->max_image != 0 ? guest->max_image : CVM_FWUPDATE_MAX_IMAGE, G_MAXUINT32);
}

guint64
cvmi_fwupdate_max_pages(const CvmFwupdateGuest *guest)
{
	return cvmi_fwupdate_max_image(guest) / CVM_IGVM_PAGE_SIZE * CVMI_FWUPDATE_DESCRIBE_FACTOR;
}

/* Pages @igvm describes for @mask, counted until they pass @limit (so a
 * hostile count never overflows); *@at is the last header counted. */
static guint64
described_pages(const CvmIgvm *igvm, guint32 mask, guint64 limit, CvmIgvmHeader *at)
{
	guint64 pages = 0;

	for (guint i = 0; pages <= limit && cvm_igvm_get_header(igvm, i, at); i++) {
		const CvmIgvmPageData *pd = cvm_igvm_header_page_data(at);
		const CvmIgvmParameterArea *pa = cvm_igvm_header_parameter_area(at);
		const CvmIgvmVpContext *vp = cvm_igvm_header_vp_context(at);

		if (pd != NULL && (cvm_le32(pd->compatibility_mask) & mask))
			pages += (cvm_le32(pd->flags) & CVM_IGVM_PAGE_FLAG_2MB) ? 512 : 1;
		else if (vp != NULL && (cvm_le32(vp->compatibility_mask) & mask))
			pages++;
		else if (pa != NULL) { /* areas have no mask; each is inserted once */
			guint64 bytes = cvm_le64(pa->number_of_bytes);
			pages += MIN(bytes / CVM_IGVM_PAGE_SIZE + (bytes % CVM_IGVM_PAGE_SIZE != 0), limit + 1);
		}
	}
	return pages;
}

CvmFwupdatePlan *
cvmi_fwupdate_take_image(CvmFwupdatePlan *plan, const CvmFwupdateGuest *guest, GBytes *image)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvm) igvm = NULL;
	gsize len = g_bytes_get_size(image);

	if (len > cvmi_fwupdate_max_image(guest))
		return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL,
					    "image of %zu bytes is larger than the %" G_GUINT64_FORMAT " allowed", len,
					    cvmi_fwupdate_max_image(guest));
	igvm = cvm_igvm_new_from_bytes(image, CVM_IGVM_NONE, &error);
	if (igvm == NULL)
		return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, "image is not a valid IGVM file: %s",
					    error->message);
	if (cvm_igvm_find_platform(igvm, guest->platform) == NULL)
		return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL,
					    "image has no %s platform, the guest's",
					    cvm_platform_to_string(guest->platform));
	/* Before measuring: measurement and launch cost a page each. */
	guint64 limit = cvmi_fwupdate_max_pages(guest);
	CvmIgvmHeader at;
	if (described_pages(igvm, cvm_igvm_platform_mask(igvm, guest->platform), limit, &at) > limit)
		return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL,
					    "image describes more than %" G_GUINT64_FORMAT " pages of guest memory "
					    "(%u x max-update-size) by header %u (%s at byte 0x%x)", limit,
					    CVMI_FWUPDATE_DESCRIBE_FACTOR, at.index, cvm_igvm_header_type_name(at.type),
					    at.payload_offset);
	if (guest->platform != CVM_PLATFORM_NATIVE) {
		CvmMeasureOptions opts;
		CvmDigest digest;
		cvm_measure_options_init(&opts);
		opts.platform = guest->platform;
		opts.vcpus = guest->vcpus;
		if (!cvm_measure_igvm_parsed(igvm, &opts, &digest, NULL, &error))
			return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL,
						    "cannot measure the image: %s", error->message);
		plan->digest = cvm_digest_to_hex(&digest);
		plan->raw_digest = digest;
		plan->has_digest = TRUE;
	}
	plan->image = g_bytes_ref(image);
	plan->sha256 = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, image);
	plan->action = CVM_FWUPDATE_ACTION_REPLACE;
	plan->status = CVM_VMLAUNCHUPDATE_STATUS_SUCCESS;
	g_free(plan->message);
	plan->message = g_strdup_printf("replace the firmware with %s (%zu bytes)", plan->sha256, len);
	return plan;
}

CvmFwupdatePlan *
cvmi_fwupdate_read_image(CvmFwupdatePlan *plan, const CvmFwupdateGuest *guest, CvmGuestMemory *mem,
			 const char *field, guint64 addr, guint64 size)
{
	g_autoptr(GError) error = NULL;
	CvmIgvmFixedHeaderV1 fixed;

	if (size == 0)
		return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, "%s is 0", field);
	if (size > cvmi_fwupdate_max_image(guest))
		return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL,
					    "%s %" G_GUINT64_FORMAT " is above the %" G_GUINT64_FORMAT
					    " allowed (max-update-size)", field, size, cvmi_fwupdate_max_image(guest));
	if (!cvm_guest_memory_contains(mem, addr, size))
		return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL,
					    "image at 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER
					    "x is not inside guest RAM", addr, size);
	if (size < sizeof(fixed))
		return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL,
					    "image is not a valid IGVM file: %s %" G_GUINT64_FORMAT
					    " is shorter than the fixed header", field, size);
	if (!cvm_guest_memory_read(mem, addr, &fixed, sizeof(fixed), &error))
		return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, "cannot read the image: %s",
					    error->message);
	if (cvm_le32(fixed.magic) != CVM_IGVM_MAGIC || cvm_le32(fixed.total_file_size) != size)
		return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL,
					    "image is not a valid IGVM file: magic 0x%08x, total_file_size %u, %s %"
					    G_GUINT64_FORMAT, cvm_le32(fixed.magic), cvm_le32(fixed.total_file_size),
					    field, size);
	guint8 *buf = g_malloc(size);
	if (!cvm_guest_memory_read(mem, addr, buf, size, &error)) {
		g_free(buf);
		return cvmi_fwupdate_refuse(plan, CVM_VMLAUNCHUPDATE_STATUS_LOAD_FAIL, "cannot read the image: %s",
					    error->message);
	}
	g_autoptr(GBytes) image = g_bytes_new_take(buf, size);
	return cvmi_fwupdate_take_image(plan, guest, image);
}

CvmFwupdatePlan *
cvm_fwupdate_plan_image(const CvmFwupdateGuest *guest, GBytes *igvm)
{
	return cvmi_fwupdate_take_image(cvmi_fwupdate_plan_new(guest), guest, igvm);
}

void
cvm_fwupdate_plan_free(CvmFwupdatePlan *plan)
{
	if (plan == NULL)
		return;
	g_clear_pointer(&plan->image, g_bytes_unref);
	g_free(plan->sha256);
	g_free(plan->digest);
	g_free(plan->message);
	g_free(plan);
}

CvmFwupdateAction cvm_fwupdate_plan_get_action(const CvmFwupdatePlan *plan) { return plan->action; }
guint16 cvm_fwupdate_plan_get_status(const CvmFwupdatePlan *plan) { return plan->status; }
const char *cvm_fwupdate_plan_get_message(const CvmFwupdatePlan *plan) { return plan->message; }
gboolean cvm_fwupdate_plan_get_locks(const CvmFwupdatePlan *plan) { return plan->locks; }
gboolean cvm_fwupdate_plan_get_one_reset(const CvmFwupdatePlan *plan) { return plan->one_reset; }
GBytes *cvm_fwupdate_plan_get_image(const CvmFwupdatePlan *plan) { return plan->image; }
const char *cvm_fwupdate_plan_get_sha256(const CvmFwupdatePlan *plan) { return plan->sha256; }
const char *cvm_fwupdate_plan_get_digest(const CvmFwupdatePlan *plan) { return plan->digest; }

void
cvm_fwupdate_plan_get_opaque(const CvmFwupdatePlan *plan, guint64 *addr, guint64 *size)
{
	*addr = plan->opaque_addr;
	*size = plan->opaque_size;
}

gboolean
cvm_fwupdate_plan_check_policy(const CvmFwupdatePlan *plan, const CvmPolicy *policy, const char *guest,
			       GError **error)
{
	g_autoptr(CvmIgvm) igvm = NULL;

	if (plan->action != CVM_FWUPDATE_ACTION_REPLACE)
		return TRUE;
	if (!cvm_policy_check_update_size(policy, guest, g_bytes_get_size(plan->image), error))
		return FALSE;
	igvm = cvm_igvm_new_from_bytes(plan->image, CVM_IGVM_NONE, error);
	if (igvm == NULL)
		return FALSE;
	return cvm_policy_check_igvm(policy, guest, igvm, plan->platform,
				     plan->has_digest ? &plan->raw_digest : NULL, error);
}

gchar *
cvm_fwupdate_plan_to_json(const CvmFwupdatePlan *plan)
{
	static const char *const actions[] = {"none", "replace", "restore-host"};
	json_object *o = json_object_new_object();
	const char *status = cvm_vmlaunchupdate_status_name(plan->status);

	json_object_object_add(o, "action", json_object_new_string(actions[plan->action]));
	json_object_object_add(o, "status", json_object_new_string(status ? status : "unknown"));
	json_object_object_add(o, "message", json_object_new_string(plan->message));
	json_object_object_add(o, "locks", json_object_new_boolean(plan->locks));
	json_object_object_add(o, "one-reset", json_object_new_boolean(plan->one_reset));
	json_object_object_add(o, "platform", json_object_new_string(cvm_platform_to_string(plan->platform)));
	if (plan->image != NULL) {
		json_object_object_add(o, "image-size", json_object_new_int64((gint64)g_bytes_get_size(plan->image)));
		json_object_object_add(o, "image-sha256", json_object_new_string(plan->sha256));
	}
	if (plan->digest != NULL)
		json_object_object_add(o, "launch-digest", json_object_new_string(plan->digest));
	if (plan->cleared != NULL)
		json_object_object_add(o, "cleared", json_object_new_string(plan->cleared));
	if (plan->opaque_size != 0) {
		json_object_object_add(o, "opaque-addr", json_object_new_int64((gint64)plan->opaque_addr));
		json_object_object_add(o, "opaque-size", json_object_new_int64((gint64)plan->opaque_size));
	}
	gchar *out = g_strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return out;
}
