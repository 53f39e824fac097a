/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl's only job here: pick the command group from the table. Help comes
 * from the same table. */
#include "cvmctl/cvmctl.h"

#include <locale.h>
#include <string.h>

static const CvmctlCommand commands[] = {
	{ "version", cvmctl_cmd_version, "Print the cvm version" },
	{ "measure", cvmctl_cmd_measure, "Print the launch digest of an OVMF firmware (SNP, SEV-ES, SEV, TDX)" },
	{ "igvm", cvmctl_cmd_igvm, "Inspect, validate, build and compare IGVM files" },
	{ "attest", cvmctl_cmd_attest, "Verify SNP attestation reports" },
	{ "launch", cvmctl_cmd_launch, "Launch a guest from an IGVM file (through cvmd when reachable)" },
	{ "domxml", cvmctl_cmd_domxml, "Print the domain XML launch would use, without launching" },
	{ "host", cvmctl_cmd_host, "Show what this host can launch (--json: facts for domxml --host-facts)" },
	{ "list", cvmctl_cmd_list, "List guests (through cvmd when reachable)" },
	{ "status", cvmctl_cmd_status, "Show one guest (through cvmd when reachable)" },
	{ "start", cvmctl_cmd_start, "Start a defined, stopped guest" },
	{ "stop", cvmctl_cmd_stop, "Ask a guest to shut down, or --force it off (through cvmd when reachable)" },
	{ "reboot", cvmctl_cmd_reboot, "Ask a guest to reboot, or --force a reset" },
	{ "console", cvmctl_cmd_console, "Show a guest's serial console output" },
	{ "fwupdate", cvmctl_cmd_fwupdate, "Replace a guest's firmware: stage, apply, rollback, status, decode" },
	{ "migrate", cvmctl_cmd_migrate, "SVSM migration: relay the migration page over a channel" },
	{ "forget", cvmctl_cmd_forget, "Remove a stopped guest (--force: any): domain, record and files" },
	{ "firmware", cvmctl_cmd_firmware, "The host's QEMU firmware descriptors and what each can launch" },
};

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	/* libvirt's failures reach the user as cvmctl's own messages; its
	 * warnings (e.g. the embedded driver's "tainted") would only confuse. */
	g_setenv("LIBVIRT_LOG_OUTPUTS", "4:file:/dev/null", FALSE);
	/* cvmctl's own options, before the command: only these few, so they
	 * are read by hand (GOption would also take the command's). */
	while (argc > 1 && argv[1][0] == '-') {
		const char *a = argv[1];

		if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			argv[1] = (char *)"version";
			break;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			cvmctl_set_verbose(TRUE);
		} else if (g_str_has_prefix(a, "--bus=")) {
			cvmctl_set_bus(a + strlen("--bus="));
		} else if (strcmp(a, "--bus") == 0 && argc > 2) {
			cvmctl_set_bus(argv[2]);
			argv[1] = argv[0];
			argc--, argv++;
		} else {
			break; /* --help, or an unknown option the dispatcher refuses */
		}
		argv[1] = argv[0];
		argc--, argv++;
	}
	return cvmctl_dispatch("cvmctl", commands, G_N_ELEMENTS(commands), argc, argv);
}
