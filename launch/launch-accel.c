/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The accelerator a guest runs under (KVM or TCG), and what tells that KVM
 * could not run it: libvirt's state reason and QEMU's own log, which the
 * QEMU driver keeps per domain. Nested KVM, for one, stops OVMF at its first
 * instructions with "KVM internal error. Suberror: 1 ... emulation failure"
 * where TCG boots it. */
#include "launch/launch-private.h"

#include <cvm/error.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Only the end of a log matters; a runaway log is not read whole. */
#define TAIL_BYTES 65536

static const char *const accel_names[] = {
	[CVM_LAUNCH_ACCEL_AUTO] = "auto",
	[CVM_LAUNCH_ACCEL_KVM] = "kvm",
	[CVM_LAUNCH_ACCEL_TCG] = "tcg",
	NULL,
};

static const char *
name_of(const char *const *names, guint n, guint value)
{
	return value < n ? names[value] : "unknown";
}

static gboolean
name_lookup(const char *const *names, guint n, const char *what, const char *name, guint *out,
	    GError **error)
{
	g_autofree gchar *all = NULL;

	for (guint i = 0; i < n; i++) {
		if (g_strcmp0(name, names[i]) == 0) {
			*out = i;
			return TRUE;
		}
	}
	all = g_strjoinv(", ", (gchar **)names);
	g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "unknown %s \"%s\" (%s)", what, name ? name : "",
		    all);
	return FALSE;
}

const char *
cvm_launch_accel_to_string(CvmLaunchAccel accel)
{
	return name_of(accel_names, G_N_ELEMENTS(accel_names) - 1, accel);
}

gboolean
cvm_launch_accel_from_string(const char *name, CvmLaunchAccel *out, GError **error)
{
	guint i;

	if (!name_lookup(accel_names, G_N_ELEMENTS(accel_names) - 1, "accelerator", name, &i, error))
		return FALSE;
	*out = i;
	return TRUE;
}

gboolean
cvmi_launch_choose_accel(CvmLaunchAccel wanted, CvmPlatform platform, CvmHostInfo *host,
			 CvmLaunchAccel *out, GError **error)
{
	if (wanted == CVM_LAUNCH_ACCEL_KVM && !host->kvm) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED,
			    "--accel kvm: this host has no usable KVM (libvirt offers no kvm domain, or /dev/kvm "
			    "does not open); --accel auto or tcg runs the guest under TCG");
		return FALSE;
	}
	if (wanted == CVM_LAUNCH_ACCEL_TCG && platform != CVM_PLATFORM_AUTO &&
	    platform != CVM_PLATFORM_NATIVE) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED,
			    "--accel tcg: a %s guest needs KVM; TCG runs native guests only",
			    cvm_platform_to_string(platform));
		return FALSE;
	}
	*out = wanted == CVM_LAUNCH_ACCEL_AUTO ? (host->kvm ? CVM_LAUNCH_ACCEL_KVM : CVM_LAUNCH_ACCEL_TCG) : wanted;
	if (*out == CVM_LAUNCH_ACCEL_TCG) {
		/* What the platform choice may pick from: TCG has no confidential platform. */
		host->kvm = FALSE;
		host->sev = host->sev_snp = host->tdx = FALSE;
	}
	return TRUE;
}

gboolean
cvm_launch_kvm_failed(int state, int reason, const char *qemu_log)
{
	/* QEMU stops the VM in its "internal-error" run state, which libvirt
	 * reports as paused for an unknown reason (qemuMonitorVMStatusToPausedReason). */
	gboolean stopped = (state == VIR_DOMAIN_PAUSED &&
			    (reason == VIR_DOMAIN_PAUSED_UNKNOWN || reason == VIR_DOMAIN_PAUSED_CRASHED)) ||
			   state == VIR_DOMAIN_CRASHED ||
			   (state == VIR_DOMAIN_SHUTOFF &&
			    (reason == VIR_DOMAIN_SHUTOFF_CRASHED || reason == VIR_DOMAIN_SHUTOFF_FAILED));

	return stopped && qemu_log != NULL && strstr(qemu_log, "KVM internal error") != NULL;
}

gchar *
cvm_launch_qemu_log_path(const char *uri, const char *name)
{
	g_autofree gchar *root = cvm_launch_embed_root(uri);
	g_autofree gchar *file = NULL;

	if (!cvm_name_is_valid(name))
		return NULL;
	file = g_strconcat(name, ".log", NULL);
	if (root != NULL)
		return g_build_filename(root, "log", "qemu", file, NULL);
	if (g_strcmp0(uri, "qemu:///system") == 0)
		return g_build_filename("/var/log/libvirt/qemu", file, NULL);
	return NULL;
}

gchar *
cvm_launch_log_tail(const char *path, guint lines)
{
	int fd = path != NULL ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	g_autofree gchar *buf = NULL;
	struct stat st;
	off_t from;
	gssize n;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return NULL;
	}
	from = st.st_size > TAIL_BYTES ? st.st_size - TAIL_BYTES : 0;
	buf = g_malloc(TAIL_BYTES + 1);
	n = pread(fd, buf, TAIL_BYTES, from);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	/* Count back @lines line ends, not counting a final one. */
	gchar *end = buf + n;
	if (end > buf && end[-1] == '\n')
		*--end = '\0';
	gchar *start = end;
	for (guint seen = 0; start > buf; start--) {
		if (start[-1] == '\n' && ++seen == lines)
			break;
	}
	return g_strdup(start);
}

/* Whether the serial log has anything in it: the guest ran far enough to
 * print, which no KVM internal error at the first instructions allows. */
static gboolean
has_output(const char *serial_log)
{
	struct stat st;

	return serial_log != NULL && stat(serial_log, &st) == 0 && st.st_size > 0;
}

gboolean
cvmi_launch_watch_kvm(virDomainPtr dom, const char *uri, const char *name, const char *serial_log, gchar **why)
{
	gint64 end = g_get_monotonic_time() + CVM_LAUNCH_KVM_WATCH_SECONDS * G_USEC_PER_SEC;
	g_autofree gchar *log_path = cvm_launch_qemu_log_path(uri, name);

	for (;;) {
		int state = VIR_DOMAIN_NOSTATE, reason = 0;

		if (virDomainGetState(dom, &state, &reason, 0) < 0)
			return FALSE;
		if (state != VIR_DOMAIN_RUNNING && state != VIR_DOMAIN_BLOCKED) {
			g_autofree gchar *tail = cvm_launch_log_tail(log_path, 10);

			if (!cvm_launch_kvm_failed(state, reason, tail))
				return FALSE;
			const char *line = strstr(tail, "KVM internal error");
			g_autofree gchar *first = g_strndup(line, strcspn(line, "\n"));
			*why = g_strdup_printf("KVM stopped %s in its first seconds (%s: \"%s\")", name, log_path,
					       first);
			return TRUE;
		}
		if (has_output(serial_log) || g_get_monotonic_time() >= end)
			return FALSE;
		g_usleep(100 * 1000);
	}
}
