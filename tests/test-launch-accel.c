/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What tells that KVM could not run a guest, and what a status says about a
 * guest that failed: accelerator names, the KVM-failure rule AUTO falls back
 * on, where the QEMU driver keeps a domain's log, its last lines, libvirt's
 * state reasons by name and the diagnosis a status carries. */
#include "tests/lib/testlib.h"

#include <cvm/client.h>
#include <cvm/error.h>
#include <cvm/launch.h>
#include <cvm/state.h>
#include <string.h>

/* QEMU's words on nested KVM that cannot emulate what OVMF does. */
static const char KVM_LOG[] = "2026-12-07 10:00:00.000+0000: starting up libvirt version: 9.0.0\n"
			      "KVM internal error. Suberror: 1\n"
			      "extra data[0]: 0x0000000000000000\n"
			      "emulation failure\n"
			      "RAX=0000000000000000 RBX=0000000000000000\n";

static void
test_accel_names_round_trip(void **state)
{
	(void)state;
	g_autoptr(GError) error = NULL;
	CvmLaunchAccel a;

	for (CvmLaunchAccel i = CVM_LAUNCH_ACCEL_AUTO; i <= CVM_LAUNCH_ACCEL_TCG; i++) {
		assert_true(cvm_launch_accel_from_string(cvm_launch_accel_to_string(i), &a, &error));
		assert_int_equal(a, i);
	}
	assert_false(cvm_launch_accel_from_string("hvf", &a, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
}

static void
test_kvm_failure_needs_a_stopped_guest_and_qemus_line(void **state)
{
	(void)state;
	/* libvirt's view of QEMU's internal-error run state, a crash, a failed start. */
	assert_true(cvm_launch_kvm_failed(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_UNKNOWN, KVM_LOG));
	assert_true(cvm_launch_kvm_failed(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_CRASHED, KVM_LOG));
	assert_true(cvm_launch_kvm_failed(VIR_DOMAIN_CRASHED, VIR_DOMAIN_CRASHED_UNKNOWN, KVM_LOG));
	assert_true(cvm_launch_kvm_failed(VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_CRASHED, KVM_LOG));
	assert_true(cvm_launch_kvm_failed(VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_FAILED, KVM_LOG));
	/* Running, or stopped on purpose, is no KVM failure whatever the log says. */
	assert_false(cvm_launch_kvm_failed(VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED, KVM_LOG));
	assert_false(cvm_launch_kvm_failed(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_USER, KVM_LOG));
	assert_false(cvm_launch_kvm_failed(VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_DESTROYED, KVM_LOG));
	/* A crash that QEMU does not blame on KVM is the guest's own. */
	assert_false(cvm_launch_kvm_failed(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_CRASHED, "guest panicked\n"));
	assert_false(cvm_launch_kvm_failed(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_UNKNOWN, NULL));
}

static void
test_qemu_log_path_follows_the_driver(void **state)
{
	(void)state;
	g_autofree gchar *embed = cvm_launch_qemu_log_path("qemu:///embed?root=/tmp/a%20b/libvirt", "g1");
	g_autofree gchar *sys = cvm_launch_qemu_log_path("qemu:///system", "g1");

	assert_string_equal(embed, "/tmp/a b/libvirt/log/qemu/g1.log");
	assert_string_equal(sys, "/var/log/libvirt/qemu/g1.log");
	assert_null(cvm_launch_qemu_log_path("qemu+ssh://h/system", "g1"));
	assert_null(cvm_launch_qemu_log_path("qemu:///system", "../x"));
}

static void
test_log_tail_gives_the_last_lines(void **state)
{
	(void)state;
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autofree gchar *path = g_build_filename(dir, "q.log", NULL);
	g_autoptr(GString) big = g_string_new(NULL);

	assert_true(g_file_set_contents(path, "one\ntwo\nthree\n", -1, NULL));
	g_autofree gchar *two = cvm_launch_log_tail(path, 2);
	g_autofree gchar *all = cvm_launch_log_tail(path, 10);
	assert_string_equal(two, "two\nthree");
	assert_string_equal(all, "one\ntwo\nthree");
	/* Only the end of a large log is read. */
	for (guint i = 0; i < 20000; i++)
		g_string_append_printf(big, "line %u\n", i);
	assert_true(g_file_set_contents(path, big->str, (gssize)big->len, NULL));
	g_autofree gchar *last = cvm_launch_log_tail(path, 1);
	assert_string_equal(last, "line 19999");
	g_autofree gchar *none = g_build_filename(dir, "none", NULL);
	assert_null(cvm_launch_log_tail(none, 1));
	cvmt_rm_rf(dir);
}

static void
test_state_reasons_have_names(void **state)
{
	(void)state;
	assert_string_equal(cvm_domain_state_reason_name(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_IOERROR), "I/O error");
	assert_string_equal(cvm_domain_state_reason_name(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_CRASHED), "crashed");
	assert_string_equal(cvm_domain_state_reason_name(VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED), "booted");
	assert_string_equal(cvm_domain_state_reason_name(VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_DESTROYED),
			    "destroyed");
	assert_string_equal(cvm_domain_state_reason_name(VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_FAILED), "failed");
	assert_string_equal(cvm_domain_state_reason_name(VIR_DOMAIN_PAUSED, 999), "unknown");
	assert_string_equal(cvm_domain_state_reason_name(VIR_DOMAIN_NOSTATE, 0), "unknown");
}

static CvmGuestRecord *
status_of(const char *root, const char *state)
{
	CvmGuestRecord *o = cvm_guest_record_new("g1");

	o->uri = g_strconcat("qemu:///embed?root=", root, NULL);
	o->state = g_strdup(state);
	return o;
}

static void
test_failed_guest_status_carries_qemus_log(void **state)
{
	(void)state;
	g_autofree gchar *root = cvmt_mkdtemp();
	g_autofree gchar *logdir = g_build_filename(root, "log", "qemu", NULL);
	g_autofree gchar *log = g_build_filename(logdir, "g1.log", NULL);

	assert_int_equal(g_mkdir_with_parents(logdir, 0700), 0);
	assert_true(g_file_set_contents(log, KVM_LOG, -1, NULL));
	/* Paused by QEMU's internal error: the reason, the log and its end. */
	CvmGuestRecord *paused = status_of(root, "paused");
	cvm_guest_status_diagnose(paused, "unknown");
	assert_string_equal((paused->state_reason ? paused->state_reason : ""), "unknown");
	assert_string_equal(paused->qemu_log, log);
	assert_non_null(strstr(paused->qemu_log_tail, "KVM internal error"));
	cvm_guest_record_free(paused);
	/* A guest whose launch failed: no reason from libvirt, but the log. */
	CvmGuestRecord *failed = status_of(root, "failed");
	cvm_guest_status_diagnose(failed, NULL);
	assert_null(failed->state_reason);
	assert_non_null(failed->qemu_log_tail);
	cvm_guest_record_free(failed);
	/* Shut off in another process's driver: the reason libvirt logged. */
	g_autofree gchar *crashed = g_strconcat(KVM_LOG, "2026-12-07 10:00:01.000+0000: shutting down, reason=crashed\n",
						NULL);
	assert_true(g_file_set_contents(log, crashed, -1, NULL));
	CvmGuestRecord *off = status_of(root, "shutoff");
	cvm_guest_status_diagnose(off, "unknown");
	assert_string_equal((off->state_reason ? off->state_reason : ""), "crashed");
	assert_non_null(off->qemu_log_tail);
	cvm_guest_record_free(off);
	g_autofree gchar *destroyed = g_strconcat(KVM_LOG, "2026-12-07 10:00:01.000+0000: shutting down, "
						  "reason=destroyed\n", NULL);
	assert_true(g_file_set_contents(log, destroyed, -1, NULL));
	/* Running, or paused and shut off on purpose: the reason only. */
	const char *const fine[][2] = { { "running", "booted" }, { "paused", "user" }, { "shutoff", "destroyed" } };
	for (gsize i = 0; i < G_N_ELEMENTS(fine); i++) {
		CvmGuestRecord *o = status_of(root, fine[i][0]);
		cvm_guest_status_diagnose(o, fine[i][1]);
		assert_string_equal((o->state_reason ? o->state_reason : ""), fine[i][1]);
		assert_null(o->qemu_log);
		cvm_guest_record_free(o);
	}
	cvmt_rm_rf(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accel_names_round_trip),
		cmocka_unit_test(test_kvm_failure_needs_a_stopped_guest_and_qemus_line),
		cmocka_unit_test(test_qemu_log_path_follows_the_driver),
		cmocka_unit_test(test_log_tail_gives_the_last_lines),
		cmocka_unit_test(test_state_reasons_have_names),
		cmocka_unit_test(test_failed_guest_status_carries_qemus_log),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
