/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Why a guest is in the state it is in: libvirt's state reason by name, and
 * for a guest that failed, crashed or was stopped by an error, the end of
 * QEMU's log (where QEMU says what went wrong) and where that log is. Shared
 * by cvmd and the in-process path so both say the same. */
#include <string.h>
#include <libvirt/libvirt.h>
#include <cvm/client.h>
#include <cvm/launch.h>
#include <cvm/state.h>

/* Lines of QEMU's log a status carries: enough for QEMU's error and the
 * register dump's first lines, short enough to read on a terminal. */
#define LOG_TAIL_LINES 12

const char *
cvm_domain_state_reason_name(int state, int reason)
{
	static const char *const running[] = {
		"unknown", "booted", "migrated", "restored", "from-snapshot", "unpaused",
		"migration-canceled", "save-canceled", "wakeup", "crashed", "post-copy", "post-copy-failed",
	};
	static const char *const paused[] = {
		"unknown", "user", "migration", "save", "dump", "I/O error", "watchdog", "from-snapshot",
		"shutting-down", "snapshot", "crashed", "starting-up", "post-copy", "post-copy-failed", "api-error",
	};
	static const char *const shutoff[] = {
		"unknown", "shutdown", "destroyed", "crashed", "migrated", "saved", "failed", "from-snapshot",
		"daemon",
	};
	static const char *const crashed[] = { "unknown", "panicked" };
	const char *const *names = NULL;
	gsize n = 0;

	switch (state) {
	case VIR_DOMAIN_RUNNING: names = running; n = G_N_ELEMENTS(running); break;
	case VIR_DOMAIN_PAUSED: names = paused; n = G_N_ELEMENTS(paused); break;
	case VIR_DOMAIN_SHUTOFF: names = shutoff; n = G_N_ELEMENTS(shutoff); break;
	case VIR_DOMAIN_CRASHED: names = crashed; n = G_N_ELEMENTS(crashed); break;
	default: break;
	}
	return reason >= 0 && (gsize)reason < n ? names[reason] : "unknown";
}

/* Whether a state (cvm's words) and its reason call for QEMU's log: not a
 * guest that runs, was paused or shut down on purpose. */
static gboolean
wants_log(const char *state, const char *reason)
{
	static const char *const bad_paused[] = { "unknown", "I/O error", "watchdog", "crashed", "api-error", NULL };
	static const char *const bad_shutoff[] = { "crashed", "failed", NULL };

	if (g_strcmp0(state, "failed") == 0 || g_strcmp0(state, "crashed") == 0)
		return TRUE;
	if (g_strcmp0(state, "paused") == 0)
		return reason != NULL && g_strv_contains(bad_paused, reason);
	if (g_strcmp0(state, "shutoff") == 0)
		return reason != NULL && g_strv_contains(bad_shutoff, reason);
	return FALSE;
}

/* The reason libvirt wrote into QEMU's log when it stopped the domain
 * ("shutting down, reason=crashed"), if that is the log's last word: an
 * embedded driver opened by another process has forgotten it. */
static gchar *
logged_shutoff_reason(const char *tail)
{
	const char *key = "shutting down, reason=";
	const char *at = tail != NULL ? g_strrstr(tail, key) : NULL;

	if (at == NULL || strchr(at, '\n') != NULL)
		return NULL;
	at += strlen(key);
	return g_strndup(at, strcspn(at, " \n"));
}

void
cvm_guest_status_diagnose(CvmGuestRecord *status, const char *reason)
{
	const char *state = status->state;
	g_autofree gchar *log = cvm_launch_qemu_log_path(status->uri, status->name);
	g_autofree gchar *tail = NULL;
	g_autofree gchar *logged = NULL;

	if (log != NULL && g_strcmp0(state, "shutoff") == 0 && (reason == NULL || strcmp(reason, "unknown") == 0)) {
		tail = cvm_launch_log_tail(log, LOG_TAIL_LINES);
		logged = logged_shutoff_reason(tail);
		if (logged != NULL)
			reason = logged;
	}
	cvm_guest_record_set(&status->state_reason, reason);
	g_clear_pointer(&status->qemu_log, g_free);
	g_clear_pointer(&status->qemu_log_tail, g_free);
	if (log == NULL || !wants_log(state, reason))
		return;
	status->qemu_log = g_steal_pointer(&log);
	if (tail == NULL)
		tail = cvm_launch_log_tail(status->qemu_log, LOG_TAIL_LINES);
	status->qemu_log_tail = g_steal_pointer(&tail);
}
