/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a migration job says to the COCONUT fork's monitor, and how it finds
 * a migration page's address in the SVSM's serial log. */
#include "migrate/job-private.h"
#include "libcvm/qemu-monitor-internal.h"

#include <cvm/state.h>
#include <cvm/error.h>
#include <cvm/launch.h>
#include <json-c/json.h>
#include <string.h>

/* The fork multiplies the argument by 2^20 (a size in MiB) before shifting
 * it back: the product must fit in 64 bits. */
#define HMP_GPA_LIMIT (G_GUINT64_CONSTANT(1) << 44)
#define PAGE_LINE "Migration page is at address:"

gchar *
cvm_migrate_hmp_command(gboolean incoming, const char *uri, guint64 gpa, GError **error)
{
	if (uri == NULL || *uri == '\0' || strpbrk(uri, " \t\r\n") != NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "channel URI \"%s\" cannot be passed to the monitor", uri ? uri : "");
		return NULL;
	}
	if (gpa == 0 || gpa % CVM_MIGRATE_PAGE_SIZE != 0 || gpa >= HMP_GPA_LIMIT) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "migration page 0x%" G_GINT64_MODIFIER "x must be 4 KiB aligned, non-zero and below 2^44 "
			    "for snp_migrate (it scales the address as MiB)", gpa);
		return NULL;
	}
	return g_strdup_printf("%s %s %" G_GUINT64_FORMAT, incoming ? "snp_migrate_incoming" : "snp_migrate", uri, gpa);
}

gboolean
cvm_migrate_find_page_gpa(const char *log, gsize len, guint64 *gpa)
{
	gboolean found = FALSE;
	const char *p = log, *end = log + len;

	while (p < end) {
		const char *hit = g_strstr_len(p, end - p, PAGE_LINE);
		if (hit == NULL)
			break;
		p = hit + strlen(PAGE_LINE);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		char buf[24] = {0};
		gsize n = 0;
		while (p + n < end && n < sizeof buf - 1 && (g_ascii_isxdigit(p[n]) || p[n] == 'x' || p[n] == 'X'))
			n++;
		memcpy(buf, p, n);
		guint64 v = 0;
		if ((g_str_has_prefix(buf, "0x") || g_str_has_prefix(buf, "0X")) &&
		    g_ascii_string_to_unsigned(buf + 2, 16, 1, G_MAXUINT64, &v, NULL) && v % CVM_MIGRATE_PAGE_SIZE == 0) {
			*gpa = v;
			found = TRUE;
		}
		p += n;
	}
	return found;
}

gboolean
cvmi_job_page_from_log(const char *path, guint timeout_ms, GCancellable *cancel, guint64 *gpa, GError **error)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

	for (;;) {
		g_autofree gchar *text = NULL;
		gsize len = 0;
		if (path != NULL && g_file_get_contents(path, &text, &len, NULL) &&
		    cvm_migrate_find_page_gpa(text, len, gpa))
			return TRUE;
		if (g_cancellable_is_cancelled(cancel)) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_CANCELLED, "cancelled");
			return FALSE;
		}
		if (g_get_monotonic_time() >= deadline) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_TIMEOUT,
				    "no \"" PAGE_LINE "\" line in %s within %u ms (give the page address)",
				    path ? path : "the serial log", timeout_ms);
			return FALSE;
		}
		g_usleep(50 * 1000);
	}
}

gboolean
cvmi_job_has_snp_migrate(virDomainPtr dom)
{
	g_autofree gchar *reply = NULL;
	g_autoptr(GError) ignored = NULL;

	return cvmi_qemu_hmp(dom, "help snp_migrate", &reply, &ignored) && strstr(reply, "snp_migrate") != NULL;
}
