/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* HMP and QMP commands through virDomainQemuMonitorCommand(). */
#include "libcvm/qemu-monitor-internal.h"
#include "libcvm/libcvm-internal.h"

#include <cvm/error.h>
#include <cvm/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <stdlib.h>
#include <string.h>

gboolean
cvmi_qemu_hmp(virDomainPtr dom, const char *cmd, gchar **reply, GError **error)
{
	char *out = NULL;

	if (virDomainQemuMonitorCommand(dom, cmd, &out, VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) < 0) {
		cvm_libvirt_set_error(error, "monitor command \"%s\" on %s", cmd, virDomainGetName(dom));
		return FALSE;
	}
	if (out != NULL && (g_str_has_prefix(out, "Error") || strstr(out, "unknown command") != NULL ||
			    strstr(out, "not implemented") != NULL)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_FAILED, "monitor command \"%s\" on %s: %s", cmd,
			    virDomainGetName(dom), g_strstrip(out));
		free(out);
		return FALSE;
	}
	if (reply != NULL)
		*reply = g_strdup(out ? out : "");
	free(out);
	return TRUE;
}

json_object *
cvmi_qemu_qmp(virDomainPtr dom, const char *cmd, GError **error)
{
	char *out = NULL;
	json_object *reply, *ret = NULL, *err;

	if (virDomainQemuMonitorCommand(dom, cmd, &out, 0) < 0) {
		cvm_libvirt_set_error(error, "QMP command %s on %s", cmd, virDomainGetName(dom));
		return NULL;
	}
	g_autofree gchar *what = g_strdup_printf("reply of %s", virDomainGetName(dom));
	reply = cvmi_json_parse(out, strlen(out), what, error);
	free(out);
	if (reply == NULL)
		return NULL;
	if (json_object_object_get_ex(reply, "return", &ret))
		json_object_get(ret);
	else {
		json_object *desc = NULL;
		json_object_object_get_ex(reply, "error", &err);
		if (err != NULL)
			json_object_object_get_ex(err, "desc", &desc);
		g_set_error(error, CVM_ERROR, CVM_ERROR_FAILED, "QMP command %s on %s: %s", cmd,
			    virDomainGetName(dom), desc ? json_object_get_string(desc) : "no return value");
		ret = NULL;
	}
	json_object_put(reply);
	return ret;
}
