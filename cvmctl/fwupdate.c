/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl fwupdate: stage, apply, rollback and status for guests cvm
 * launched (in-process, like the other guest commands without cvmd), and
 * decode to inspect a guest's request offline from a memory dump. */
#include "cvmctl/cvmctl.h"
#include "cvmctl/ops.h"

#include <cvm/client.h>
#include <cvm/error.h>
#include <cvm/fwupdate.h>
#include <cvm/state.h>
#include <stdio.h>
#include <string.h>

static int
decode(int argc, char **argv)
{
	g_autofree gchar *request = NULL, *memory = NULL, *iface = NULL, *platform = NULL;
	gint64 base = 0;
	gint vcpus = 1;
	GOptionEntry entries[] = {
		{ "request", 0, 0, G_OPTION_ARG_FILENAME, &request, "the request: etc/vmlaunchupdate (56 bytes) or "
		  "struct vmfwupdate (0x28 bytes)", "FILE" },
		{ "memory", 0, 0, G_OPTION_ARG_FILENAME, &memory, "guest memory dump", "DUMP" },
		{ "base", 0, 0, G_OPTION_ARG_INT64, &base, "guest-physical address of the dump's first byte", "GPA" },
		{ "interface", 0, 0, G_OPTION_ARG_STRING, &iface, "vm-launch-update (default) or vmfwupdate", "I" },
		{ "platform", 0, 0, G_OPTION_ARG_STRING, &platform, "the guest's platform (default native)", "P" },
		{ "vcpus", 0, 0, G_OPTION_ARG_INT, &vcpus, "the guest's vCPUs (default 1)", "N" },
		CVMCTL_ENTRY_JSON_ALWAYS,
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- decode a guest's firmware-update request offline");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *data = NULL;
	gsize len = 0;
	CvmFwupdateGuest guest = {.platform = CVM_PLATFORM_NATIVE, .launched_with_igvm = TRUE};

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cvmctl_parse_options(ctx, &argc, &argv))
		return CVMCTL_EXIT_USAGE;
	if (request == NULL || memory == NULL ||
	    (iface != NULL && strcmp(iface, "vm-launch-update") != 0 && strcmp(iface, "vmfwupdate") != 0)) {
		fprintf(stderr, "cvmctl: fwupdate decode needs --request FILE --memory DUMP "
				"[--interface vm-launch-update|vmfwupdate]\n");
		return CVMCTL_EXIT_USAGE;
	}
	if (!cvmctl_check_range("--vcpus", vcpus, 1, CVM_LAUNCH_MAX_VCPUS, &error))
		return cvmctl_error(error);
	guest.vcpus = (guint)vcpus;
	if (platform != NULL && (!cvm_platform_from_string(platform, &guest.platform, &error) ||
				 !cvm_launch_platform_check(guest.platform, &error)))
		return cvmctl_error(error);
	if (!g_file_get_contents(request, &data, &len, &error))
		return cvmctl_error(error);
	g_autoptr(CvmGuestMemory) mem = cvm_guest_memory_new_file(memory, (guint64)base, FALSE, &error);
	if (mem == NULL)
		return cvmctl_error(error);
	g_autoptr(CvmFwupdatePlan) plan =
		iface != NULL && strcmp(iface, "vmfwupdate") == 0
			? cvm_fwupdate_plan_vmfwupdate(&guest, (const guint8 *)data, len, mem)
			: cvm_fwupdate_plan_vmlaunchupdate(&guest, (const guint8 *)data, len, mem);
	g_autofree gchar *json = cvm_fwupdate_plan_to_json(plan);
	puts(json);
	return cvm_fwupdate_plan_get_status(plan) == CVM_VMLAUNCHUPDATE_STATUS_SUCCESS ? CVMCTL_EXIT_OK
										       : CVMCTL_EXIT_CHECK_FAILED;
}

typedef struct {
	gchar *uri;
	gchar *bus;
} GuestOpts;

static gboolean
parse_guest(int *argc, char ***argv, const char *what, int want_args, gboolean libvirt, GuestOpts *o)
{
	GOptionEntry entries[] = {
		{ "connect", 'c', 0, G_OPTION_ARG_STRING, &o->uri, "libvirt URI", "URI" },
		{ "bus", 0, 0, G_OPTION_ARG_STRING, &o->bus, "cvmd's bus: system, session or ADDRESS", "BUS" },
		CVMCTL_ENTRY_JSON_ALWAYS,
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new(what);

	/* Only apply and rollback talk to libvirt. */
	if (!libvirt)
		cvmctl_entries_drop(entries, (const char *[]){ "connect", NULL });
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cvmctl_parse_options(ctx, argc, argv))
		return FALSE;
	return cvmctl_guest_arg(*argc, *argv, want_args, what);
}

/* @method (a FirmwareUpdate method) through the guest operations, then
 * the guest's firmware status. */
static int
run_method(const GuestOpts *o, const char *name, const char *method, const char *image)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmctlOps) ops = cvmctl_ops_open(o->bus, o->uri);
	g_autofree gchar *json = ops->vt->fwupdate(ops, name, method, image, &error);

	if (json == NULL)
		return cvmctl_error(error);
	puts(json);
	return CVMCTL_EXIT_OK;
}

static int
stage(int argc, char **argv)
{
	GuestOpts o = {0};

	if (!parse_guest(&argc, &argv, "GUEST IMAGE.igvm - stage a new firmware image", 3, FALSE, &o))
		return CVMCTL_EXIT_USAGE;
	g_autofree gchar *image = g_canonicalize_filename(argv[2], NULL);
	return run_method(&o, argv[1], "Stage", image);
}

static int
status(int argc, char **argv)
{
	GuestOpts o = {0};

	if (!parse_guest(&argc, &argv, "GUEST - show current, staged and previous firmware", 2, FALSE, &o))
		return CVMCTL_EXIT_USAGE;
	return run_method(&o, argv[1], "Status", NULL);
}

static int
switch_cmd(int argc, char **argv, gboolean rollback)
{
	GuestOpts o = {0};

	if (!parse_guest(&argc, &argv, rollback ? "GUEST - relaunch from the previous firmware"
						: "GUEST - relaunch from the staged firmware", 2, TRUE, &o))
		return CVMCTL_EXIT_USAGE;
	return run_method(&o, argv[1], rollback ? "Rollback" : "Apply", NULL);
}

static int
apply(int argc, char **argv)
{
	return switch_cmd(argc, argv, FALSE);
}

static int
rollback(int argc, char **argv)
{
	return switch_cmd(argc, argv, TRUE);
}

int
cvmctl_cmd_fwupdate(int argc, char **argv)
{
	static const CvmctlCommand table[] = {
		{ "stage", stage, "Check and store a new firmware image for a guest" },
		{ "status", status, "Show a guest's current, staged and previous firmware" },
		{ "apply", apply, "Relaunch a guest from its staged firmware" },
		{ "rollback", rollback, "Relaunch a guest from its previous firmware" },
		{ "decode", decode, "Decode and check a guest's request offline (--request, --memory)" },
	};
	return cvmctl_dispatch("cvmctl fwupdate", table, G_N_ELEMENTS(table), argc, argv);
}
