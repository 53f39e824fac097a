/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl's only job here: pick the command group from the table. Help comes
 * from the same table. */
#include "cvmctl/cvmctl.h"

#include <locale.h>

static const CvmctlCommand commands[] = {
	{ "version", cvmctl_cmd_version, "Print the cvm version" },
	{ "measure", cvmctl_cmd_measure, "Print the launch digest of an OVMF firmware (SNP, SEV-ES, SEV, TDX)" },
	{ "igvm", cvmctl_cmd_igvm, "Inspect, validate, build and compare IGVM files" },
	{ "attest", cvmctl_cmd_attest, "Verify SNP attestation reports" },
	{ "list", cvmctl_cmd_list, "List guests (through cvmd when reachable)" },
	{ "status", cvmctl_cmd_status, "Show one guest (through cvmd when reachable)" },
	{ "stop", cvmctl_cmd_stop, "Ask a guest to shut down (through cvmd when reachable)" },
};

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	return cvmctl_dispatch("cvmctl", commands, G_N_ELEMENTS(commands), argc, argv);
}
