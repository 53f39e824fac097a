/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl launch and domxml: one guest specification from the command line;
 * launch is a guest operation (ops.h): through cvmd or in-process. */
#include "cvmctl/cvmctl.h"
#include "cvmctl/ops.h"

#include <cvm/client.h>
#include <cvm/error.h>
#include <cvm/host.h>
#include <cvm/launch.h>
#include <cvm/state.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
	gchar *igvm, *name, *memory, *platform, *uri, *bus, *serial_log, *disk, *network, *cmdline, *snp_policy, *accel;
	gchar *firmware;
	GStrv svsm_devices;
	gint vcpus;
	gboolean console, json;
	gchar *files_dir, *host_facts;
	CvmGuestSpec spec;
	gchar *igvm_abs;
} LaunchOpts;

static void
clear_opts(LaunchOpts *o)
{
	g_free(o->igvm);
	g_free(o->name);
	g_free(o->memory);
	g_free(o->platform);
	g_free(o->uri);
	g_free(o->bus);
	g_free(o->serial_log);
	g_free(o->disk);
	g_free(o->network);
	g_free(o->cmdline);
	g_free(o->snp_policy);
	g_free(o->accel);
	g_free(o->igvm_abs);
	g_free(o->files_dir);
	g_free(o->firmware);
	g_strfreev(o->svsm_devices);
	g_free(o->host_facts);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(LaunchOpts, clear_opts)

static gboolean
parse(int *argc, char ***argv, const char *what, const char *const *not_mine, LaunchOpts *o)
{
	GOptionEntry entries[] = {
		{ "igvm", 'i', 0, G_OPTION_ARG_FILENAME, &o->igvm, "IGVM file (or --firmware)", "FILE" },
		{ "firmware", 0, 0, G_OPTION_ARG_STRING, &o->firmware,
		  "the IGVM file of a host firmware descriptor: auto (the first that can launch --platform) or NAME",
		  "auto|NAME" },
		{ "svsm-device", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->svsm_devices,
		  "a virtio-mmio device for the COCONUT SVSM (repeatable, at most 4)", "blk:PATH|vsock:CID" },
		{ "name", 'n', 0, G_OPTION_ARG_STRING, &o->name, "guest name (required)", "NAME" },
		{ "memory", 'm', 0, G_OPTION_ARG_STRING, &o->memory, "guest RAM (default 512M)", "SIZE" },
		{ "vcpus", 0, 0, G_OPTION_ARG_INT, &o->vcpus, "vCPUs (default 1)", "N" },
		{ "platform", 'p', 0, G_OPTION_ARG_STRING, &o->platform,
		  "auto, native, sev, sev-es, sev-snp or tdx (default auto)", "P" },
		{ "accel", 0, 0, G_OPTION_ARG_STRING, &o->accel,
		  "auto (KVM where it works, else TCG; TCG again after a KVM internal error), kvm or tcg", "A" },
		{ "snp-policy", 0, 0, G_OPTION_ARG_STRING, &o->snp_policy, "SEV-SNP policy instead of the file's", "HEX" },
		{ "serial-log", 0, 0, G_OPTION_ARG_FILENAME, &o->serial_log, "serial log file", "PATH" },
		{ "disk", 0, 0, G_OPTION_ARG_FILENAME, &o->disk, "disk image to attach", "PATH" },
		{ "network", 0, 0, G_OPTION_ARG_STRING, &o->network, "libvirt network name, or user", "NET" },
		{ "cmdline", 0, 0, G_OPTION_ARG_STRING, &o->cmdline, "text for the file's COMMAND_LINE parameter", "TEXT" },
		{ "connect", 'c', 0, G_OPTION_ARG_STRING, &o->uri, "libvirt URI (in-process)", "URI" },
		{ "bus", 0, 0, G_OPTION_ARG_STRING, &o->bus, "cvmd's bus: system, session or ADDRESS", "BUS" },
		{ "console", 0, 0, G_OPTION_ARG_NONE, &o->console, "then follow the serial console", NULL },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &o->json, "the guest's record as JSON", NULL },
		{ "write-files", 0, 0, G_OPTION_ARG_FILENAME, &o->files_dir,
		  "write the files the XML refers to (translated firmware) into DIR", "DIR" },
		{ "host-facts", 0, 0, G_OPTION_ARG_FILENAME, &o->host_facts,
		  "for the host whose `cvmctl host --json` is FILE, not this one", "FILE" },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new(what);

	o->vcpus = -1; /* until given, so that --vcpus 0 is refused */
	cvmctl_entries_drop(entries, not_mine);
	g_option_context_add_main_entries(ctx, entries, NULL);
	return cvmctl_parse_options(ctx, argc, argv);
}

/* Fills o->spec from the options; usage errors are CVM_ERROR_INVALID_ARGUMENT. */
static gboolean
make_spec(LaunchOpts *o, GError **error)
{
	CvmGuestSpec *s = &o->spec;

	if ((o->igvm == NULL) == (o->firmware == NULL) || o->name == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "--name NAME and one of --igvm FILE and --firmware auto|NAME are required");
		return FALSE;
	}
	if (o->platform != NULL && (!cvm_platform_from_string(o->platform, &s->platform, error) ||
				    !cvm_launch_platform_check(s->platform, error)))
		return FALSE;
	if (o->firmware != NULL && (o->igvm = cvmctl_launch_firmware(o->firmware, s->platform, error)) == NULL)
		return FALSE;
	s->svsm_devices = (const char *const *)o->svsm_devices;
	o->igvm_abs = g_canonicalize_filename(o->igvm, NULL);
	s->igvm_path = o->igvm_abs;
	s->name = o->name;
	s->serial_log = o->serial_log;
	s->disk = o->disk;
	s->network = o->network;
	s->command_line = o->cmdline;
	if (o->vcpus != -1 && !cvmctl_check_range("--vcpus", o->vcpus, 1, CVM_LAUNCH_MAX_VCPUS, error))
		return FALSE;
	s->vcpus = o->vcpus != -1 ? (guint)o->vcpus : 0;
	if (o->memory != NULL && !cvmctl_parse_size(o->memory, &s->memory_bytes, error))
		return FALSE;
	if (o->memory != NULL && (s->memory_bytes < CVM_LAUNCH_MIN_MEMORY || s->memory_bytes > CVM_LAUNCH_MAX_MEMORY ||
				  s->memory_bytes % (1u << 20) != 0)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "--memory %s is out of range: allowed 16M-4T, a multiple of 1M", o->memory);
		return FALSE;
	}
	if (o->accel != NULL && !cvm_launch_accel_from_string(o->accel, &s->accel, error))
		return FALSE;
	if (o->snp_policy != NULL) {
		gchar *end = NULL;
		s->snp_policy = g_ascii_strtoull(o->snp_policy, &end, 16);
		s->has_snp_policy = TRUE;
		if (end == o->snp_policy || *end != '\0') {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "--snp-policy takes a hex number");
			return FALSE;
		}
	}
	return TRUE;
}

static void
print_warnings(const char *const *warnings)
{
	for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
		fprintf(stderr, "cvmctl: warning: %s\n", warnings[i]);
}

/* The host the XML is for: the one whose facts --host-facts names (its
 * `cvmctl host --json`), else this one as libvirt reports it. */
static gboolean
host_info(const LaunchOpts *o, const char *state_dir, CvmHostInfo *host, GError **error)
{
	g_autofree gchar *uri = NULL;
	g_autofree gchar *text = NULL;
	gsize len = 0;
	virConnectPtr conn;

	if (o->host_facts != NULL) {
		if (!g_file_get_contents(o->host_facts, &text, &len, error))
			return FALSE;
		if (!cvm_host_info_from_json(text, len, host, error)) {
			g_prefix_error(error, "%s: ", o->host_facts);
			return FALSE;
		}
		return TRUE;
	}
	uri = cvmctl_local_uri(o->uri, state_dir, error);
	conn = uri != NULL ? cvm_libvirt_open(uri, error) : NULL;
	if (conn == NULL)
		return FALSE;
	gboolean probed = cvm_host_probe(conn, host, error);
	cvm_libvirt_close(conn);
	return probed;
}

int
cvmctl_cmd_domxml(int argc, char **argv)
{
	g_auto(LaunchOpts) o = { 0 };
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = cvm_state_default_dir(TRUE);
	g_autofree gchar *guest_dir = NULL;
	g_autoptr(CvmLaunchPlan) plan = NULL;
	CvmHostInfo host;

	if (!parse(&argc, &argv, "- print the domain XML launch would use",
		   (const char *[]){ "bus", "console", "json", NULL }, &o))
		return CVMCTL_EXIT_USAGE;
	if (!make_spec(&o, &error))
		return cvmctl_error(error);
	if (!host_info(&o, dir, &host, &error))
		return cvmctl_error(error);
	guest_dir = o.files_dir != NULL ? g_canonicalize_filename(o.files_dir, NULL) : cvm_launch_guest_dir(dir, o.name);
	plan = cvm_launch_plan_new(&o.spec, &host, guest_dir, &error);
	if (plan == NULL)
		return cvmctl_error(error);
	if (o.files_dir != NULL && !cvm_launch_plan_write_files(plan, &error))
		return cvmctl_error(error);
	print_warnings(cvm_launch_plan_get_warnings(plan));
	fputs(cvm_launch_plan_get_xml(plan), stdout);
	return CVMCTL_EXIT_OK;
}

static void
print_launched(const LaunchOpts *o, json_object *status)
{
	if (o->json) {
		cvmctl_print_json(status);
		return;
	}
	json_object *v;
	const char *platform = json_object_object_get_ex(status, "platform", &v) ? json_object_get_string(v) : "";
	const char *log = json_object_object_get_ex(status, "serial-log", &v) ? json_object_get_string(v) : NULL;
	const char *accel = json_object_object_get_ex(status, "accel", &v) ? json_object_get_string(v) : "";
	const char *fallback = json_object_object_get_ex(status, "accel-fallback", &v) ? json_object_get_string(v)
										     : "";
	printf("launched %s (%s", o->name, platform);
	if (*accel != '\0')
		printf(", %s", accel);
	printf(")");
	if (log != NULL)
		printf(", serial log %s", log);
	printf("\n");
	/* Through cvmd the warning stays in the daemon: the record says it. */
	if (*fallback != '\0')
		printf("%s\n", fallback);
}

int
cvmctl_cmd_launch(int argc, char **argv)
{
	g_auto(LaunchOpts) o = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmctlOps) ops = NULL;
	g_auto(GStrv) warnings = NULL;
	json_object *status;

	if (!parse(&argc, &argv, "- launch a guest from an IGVM file", (const char *[]){ "write-files", "host-facts", NULL }, &o))
		return CVMCTL_EXIT_USAGE;
	if (!make_spec(&o, &error))
		return cvmctl_error(error);
	ops = cvmctl_ops_open(o.bus, o.uri);
	status = ops->vt->launch(ops, &o.spec, &warnings, &error);
	if (status == NULL)
		return cvmctl_error(error);
	print_warnings((const char *const *)warnings);
	print_launched(&o, status);
	json_object *v;
	g_autofree gchar *log = g_strdup(json_object_object_get_ex(status, "serial-log", &v) ? json_object_get_string(v)
											       : NULL);
	json_object_put(status);
	if (o.console && log != NULL) {
		fprintf(stderr, "cvmctl: following %s (Ctrl-C to stop)\n", log);
		return cvmctl_follow_guest(log, ops, o.name);
	}
	return CVMCTL_EXIT_OK;
}
