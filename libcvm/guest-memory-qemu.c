/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A running QEMU guest's RAM, reached in its process: the monitor names a
 * vCPU thread (hence the process) and the host address of each guest
 * address; /proc/PID/mem does the rest. No shared-memory backend or other
 * change to the guest is needed, which is what lets cvm's relay serve any
 * QEMU guest on this host. */
#include "libcvm/qemu-monitor-internal.h"

#include <cvm/error.h>
#include <cvm/guest-memory.h>
#include <stdlib.h>
#include <string.h>

/* The process of one of the domain's vCPU threads. */
static gboolean
qemu_pid(virDomainPtr dom, int *pid, GError **error)
{
	g_autoptr(GError) local = NULL;
	json_object *cpus = cvmi_qemu_qmp(dom, "{\"execute\":\"query-cpus-fast\"}", &local), *tid = NULL;
	gint64 t = 0;

	if (cpus != NULL && json_object_is_type(cpus, json_type_array) && json_object_array_length(cpus) > 0 &&
	    json_object_object_get_ex(json_object_array_get_idx(cpus, 0), "thread-id", &tid))
		t = json_object_get_int64(tid);
	json_object_put(cpus);
	if (t <= 0 || t > G_MAXINT) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED, "%s: no QEMU vCPU thread%s%s",
			    virDomainGetName(dom), local ? ": " : "", local ? local->message : "");
		return FALSE;
	}
	g_autofree gchar *path = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/status", t);
	g_autofree gchar *status = NULL;
	const char *tgid;
	if (!g_file_get_contents(path, &status, NULL, NULL) || (tgid = strstr(status, "\nTgid:")) == NULL ||
	    (*pid = atoi(tgid + 6)) <= 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED,
			    "%s: its QEMU (vCPU thread %" G_GINT64_FORMAT ") is not a process on this host",
			    virDomainGetName(dom), t);
		return FALSE;
	}
	return TRUE;
}

/* A thread id from another host may name a local process by chance:
 * libvirt gives QEMU the domain's UUID on its command line. */
static gboolean
is_domain_process(virDomainPtr dom, int pid, GError **error)
{
	char uuid[VIR_UUID_STRING_BUFLEN];
	g_autofree gchar *path = g_strdup_printf("/proc/%d/cmdline", pid);
	g_autofree gchar *cmdline = NULL;
	gsize len = 0;

	if (virDomainGetUUIDString(dom, uuid) == 0 && g_file_get_contents(path, &cmdline, &len, NULL))
		for (gsize at = 0; at < len; at += strlen(cmdline + at) + 1)
			if (strcmp(cmdline + at, uuid) == 0)
				return TRUE;
	g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED,
		    "%s: process %d is not its QEMU; is the domain on another host?", virDomainGetName(dom), pid);
	return FALSE;
}

/* "Host virtual address for 0x1000 (pc.ram) is 0x7f..." */
static gboolean
gpa2hva(virDomainPtr dom, guint64 gpa, guint64 *hva, gchar **block, GError **error)
{
	g_autofree gchar *cmd = g_strdup_printf("gpa2hva 0x%" G_GINT64_MODIFIER "x", gpa);
	g_autofree gchar *reply = NULL;
	const char *open_ = NULL, *close_ = NULL, *is = NULL;

	if (!cvmi_qemu_hmp(dom, cmd, &reply, error))
		return FALSE;
	g_strstrip(reply);
	if (g_str_has_prefix(reply, "Host virtual address for") && (open_ = strchr(reply, '(')) != NULL &&
	    (close_ = strchr(open_, ')')) != NULL)
		is = strstr(close_, " is 0x");
	if (is == NULL || !g_ascii_string_to_unsigned(is + 6, 16, 1, G_MAXUINT64, hva, NULL)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "%s: guest address 0x%" G_GINT64_MODIFIER
			    "x is not in its RAM: %s", virDomainGetName(dom), gpa, reply);
		return FALSE;
	}
	*block = g_strndup(open_ + 1, close_ - open_ - 1);
	return TRUE;
}

CvmGuestMemory *
cvm_guest_memory_new_qemu(struct _virDomain *domain, guint64 gpa, guint64 size, GError **error)
{
	g_autofree gchar *first_block = NULL, *last_block = NULL;
	guint64 first = 0, last = 0;
	int pid = 0;

	g_return_val_if_fail(domain != NULL, NULL);
	if (size == 0 || gpa > G_MAXUINT64 - (size - 1)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "guest window 0x%" G_GINT64_MODIFIER
			    "x+0x%" G_GINT64_MODIFIER "x is not usable", gpa, size);
		return NULL;
	}
	if (!qemu_pid(domain, &pid, error) || !gpa2hva(domain, gpa, &first, &first_block, error) ||
	    !gpa2hva(domain, gpa + size - 1, &last, &last_block, error))
		return NULL;
	/* Both ends in one RAM block, at the distance they have in the guest:
	 * then every byte between is where the window expects it. */
	if (strcmp(first_block, last_block) != 0 || last < first || last - first != size - 1) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "%s: guest window 0x%" G_GINT64_MODIFIER
			    "x+0x%" G_GINT64_MODIFIER "x spans RAM blocks (%s, %s)", virDomainGetName(domain), gpa, size,
			    first_block, last_block);
		return NULL;
	}
	g_autoptr(CvmGuestMemory) mem = cvm_guest_memory_new_process(pid, first, gpa, size, error);
	if (mem == NULL || !is_domain_process(domain, pid, error))
		return NULL;
	return g_steal_pointer(&mem);
}
