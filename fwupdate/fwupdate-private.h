/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the fwupdate engine files. */
#pragma once

#include <cvm/fwupdate.h>
#include <cvm/measure.h>

struct _CvmFwupdatePlan {
	CvmFwupdateAction action;
	guint16 status;
	gboolean locks;
	gboolean one_reset;
	CvmPlatform platform;
	GBytes *image;
	gchar *sha256;
	gchar *digest;
	gboolean has_digest;
	CvmDigest raw_digest;
	guint64 opaque_addr, opaque_size;
	gchar *message;
	const char *cleared; /* what the update clears, for the log and JSON */
};

CvmFwupdatePlan *cvmi_fwupdate_plan_new(const CvmFwupdateGuest *guest);
/* Refuses @plan: no action, @status, the message (printf). Returns @plan. */
CvmFwupdatePlan *cvmi_fwupdate_refuse(CvmFwupdatePlan *plan, guint16 status, const char *fmt, ...)
	G_GNUC_PRINTF(3, 4);
/* Checks @image for @guest (size, parse, validation, platform) and, when it
 * passes, makes @plan a REPLACE with its hash and launch digest. */
CvmFwupdatePlan *cvmi_fwupdate_take_image(CvmFwupdatePlan *plan, const CvmFwupdateGuest *guest, GBytes *image);
/* Largest image read from a guest: the policy's limit, never above what an
 * IGVM file can be (its total_file_size is a u32). */
guint64 cvmi_fwupdate_max_image(const CvmFwupdateGuest *guest);
/* Reads the image the guest placed at @addr (@size bytes, the guest field
 * @field) and takes it: the size limit and guest RAM are checked and the
 * IGVM fixed header is read first, so only an image that can be one is ever
 * copied whole. */
CvmFwupdatePlan *cvmi_fwupdate_read_image(CvmFwupdatePlan *plan, const CvmFwupdateGuest *guest, CvmGuestMemory *mem,
					  const char *field, guint64 addr, guint64 size);
/* Pages of guest memory an image may describe for the guest's platform
 * (PAGE_DATA pages, a 2 MiB one counting 512, VP contexts and parameter
 * areas): CVMI_FWUPDATE_DESCRIBE_FACTOR times what cvmi_fwupdate_max_image()
 * holds as data. Pages without file data cost a few bytes of the file but a
 * page each to build, measure and launch; this keeps the engine's memory and
 * time proportional to the image limit (docs/fwupdate.md, "Bounds"). */
#define CVMI_FWUPDATE_DESCRIBE_FACTOR 16
guint64 cvmi_fwupdate_max_pages(const CvmFwupdateGuest *guest);

/* What the engine needs of a guest (platform, vCPUs), from its record;
 * submit.c adds the lock state for cvm_fwupdate_guest_from_record(). */
gboolean cvmi_fwupdate_guest_of(const CvmGuestRecord *rec, CvmFwupdateGuest *out, GError **error);
