/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The COCONUT SVSM's devices as QEMU options, spelled as the SVSM's own
 * coconut-svsm/scripts/launch_guest.sh spells them (coconut-svsm/svsm @f4bc4bcd):
 *   -machine ...,x-svsm-virtio-mmio=on   (virtio-mmio slots for the SVSM)
 *   -global virtio-mmio.force-legacy=false
 *   -drive file=PATH,format=raw,if=none,id=...,cache=none
 *   -device virtio-blk-device,drive=...            (--state PATH)
 *   -device vhost-vsock-device,guest-cid=CID       (--vsock CID)
 * and, when QEMU has KVM planes (device-plane= in its help) under SEV-SNP,
 * -machine kernel-irqchip=split,device-plane=2 with plane=0 on each device:
 * the guest OS runs at VMPL2, the SVSM owns its devices at VMPL0. Nothing
 * here is in any QEMU release; each option is refused by name where the
 * host's QEMU lacks it. See docs/firmware.md. */
#include "launch/launch-private.h"

#include <cvm/error.h>
#include <string.h>

#define SVSM_VMPL 0  /* kernel/src/types.rs SVSM_VMPL, as the script has it */
#define GUEST_VMPL 2 /* GUEST_VMPL */

static gboolean
refuse(GError **error, gint code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static gboolean
refuse(GError **error, gint code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree gchar *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, CVM_ERROR, code, "SVSM devices: %s", msg);
	return FALSE;
}

/* The guest CID of "vsock:CID": 0-2 are reserved (hypervisor, local,
 * host), 0xffffffff means any. */
static gboolean
parse_cid(const char *text, guint32 *out)
{
	guint64 v;

	if (!g_ascii_string_to_unsigned(text, 10, 3, G_MAXUINT32 - 1, &v, NULL))
		return FALSE;
	*out = (guint32)v;
	return TRUE;
}

static gboolean
check_host(const CvmHostInfo *host, CvmPlatform platform, CvmLaunchStrategy strategy, gboolean blk,
	   gboolean vsock, GError **error)
{
	g_autofree gchar *qemu = cvmi_launch_version_string(host->qemu_version);
	g_autoptr(GString) lacks = g_string_new(NULL);

	if (platform != CVM_PLATFORM_SEV_SNP && platform != CVM_PLATFORM_NATIVE)
		return refuse(error, CVM_ERROR_NOT_SUPPORTED, "the SVSM runs under sev-snp (or native), not %s",
			      cvm_platform_to_string(platform));
	/* Everything missing at once: one refusal names the whole gap. */
	if (!host->qemu_svsm_virtio_mmio)
		g_string_append(lacks, "the x-svsm-virtio-mmio machine property");
	if (strategy != CVM_LAUNCH_STRATEGY_IGVM_CFG)
		g_string_append_printf(lacks, "%sthe IGVM loader (igvm-cfg)", lacks->len ? ", " : "");
	if (blk && !host->qemu_virtio_blk_device)
		g_string_append_printf(lacks, "%svirtio-blk-device", lacks->len ? ", " : "");
	if (vsock && !host->qemu_vhost_vsock_device)
		g_string_append_printf(lacks, "%svhost-vsock-device", lacks->len ? ", " : "");
	if (lacks->len > 0)
		return refuse(error, CVM_ERROR_NOT_SUPPORTED,
			      "QEMU %s lacks %s (COCONUT SVSM's QEMU 11 with its patches has them)", qemu, lacks->str);
	return TRUE;
}

gboolean
cvmi_launch_svsm_args(const CvmGuestSpec *spec, const CvmHostInfo *host, CvmPlatform platform,
		      CvmLaunchStrategy strategy, GStrv *out, GError **error)
{
	const char *const *devs = spec->svsm_devices;
	g_autoptr(GStrvBuilder) devices = g_strv_builder_new();
	g_autoptr(GStrvBuilder) args = g_strv_builder_new();
	gboolean blk = FALSE, vsock = FALSE, planes;
	guint n_blk = 0, n;

	*out = NULL;
	if (devs == NULL || devs[0] == NULL)
		return TRUE;
	n = g_strv_length((gchar **)devs);
	if (n > CVM_LAUNCH_MAX_SVSM_DEVICES)
		return refuse(error, CVM_ERROR_INVALID_ARGUMENT,
			      "%u asked for, at most %u (x-svsm-virtio-mmio has %u virtio-mmio slots from 0xfef00000)",
			      n, CVM_LAUNCH_MAX_SVSM_DEVICES, CVM_LAUNCH_MAX_SVSM_DEVICES);
	/* Which devices first (usage errors before host errors). */
	for (guint i = 0; i < n; i++) {
		const char *d = devs[i];
		guint32 cid;

		if (g_str_has_prefix(d, "blk:")) {
			const char *path = d + strlen("blk:");
			if (!g_path_is_absolute(path) || !g_file_test(path, G_FILE_TEST_IS_REGULAR))
				return refuse(error, CVM_ERROR_INVALID_ARGUMENT,
					      "\"%s\": the state disk must be an existing regular file, absolute path", d);
			blk = TRUE;
		} else if (g_str_has_prefix(d, "vsock:")) {
			if (vsock)
				return refuse(error, CVM_ERROR_INVALID_ARGUMENT, "\"%s\": one vsock device at most", d);
			if (!parse_cid(d + strlen("vsock:"), &cid))
				return refuse(error, CVM_ERROR_INVALID_ARGUMENT,
					      "\"%s\": the guest CID must be a number from 3 to 4294967294", d);
			vsock = TRUE;
		} else {
			return refuse(error, CVM_ERROR_INVALID_ARGUMENT,
				      "unknown device \"%s\" (blk:PATH or vsock:CID)", d);
		}
	}
	if (!check_host(host, platform, strategy, blk, vsock, error))
		return FALSE;
	planes = host->qemu_device_plane && platform == CVM_PLATFORM_SEV_SNP;
	g_autofree gchar *plane = planes ? g_strdup_printf(",plane=%d", SVSM_VMPL) : g_strdup("");
	/* QEMU merges repeated -machine options with libvirt's own (q35). */
	g_strv_builder_add_many(args, "-machine", "x-svsm-virtio-mmio=on", NULL);
	if (planes) {
		g_autofree gchar *m = g_strdup_printf("kernel-irqchip=split,device-plane=%d", GUEST_VMPL);
		g_strv_builder_add_many(args, "-machine", m, NULL);
	}
	g_strv_builder_add_many(args, "-global", "virtio-mmio.force-legacy=false", NULL);
	for (guint i = 0; i < n; i++) {
		const char *d = devs[i];

		if (g_str_has_prefix(d, "blk:")) {
			g_autofree gchar *path = cvmi_launch_qemu_escape(d + strlen("blk:"));
			g_autofree gchar *drive = g_strdup_printf("file=%s,format=raw,if=none,id=cvm-svsm-blk%u,"
								  "cache=none", path, n_blk);
			g_autofree gchar *dev = g_strdup_printf("virtio-blk-device,drive=cvm-svsm-blk%u%s", n_blk,
								plane);
			g_strv_builder_add_many(args, "-drive", drive, "-device", dev, NULL);
			n_blk++;
		} else {
			g_autofree gchar *dev = g_strdup_printf("vhost-vsock-device,guest-cid=%s%s",
								d + strlen("vsock:"), plane);
			g_strv_builder_add_many(args, "-device", dev, NULL);
		}
	}
	*out = g_strv_builder_end(args);
	return TRUE;
}
