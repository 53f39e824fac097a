/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* "cvmctl igvm": picks the subcommand from the table; help comes from it.
 * To add a subcommand, write cvmctl/igvm-<name>.c, declare its entry in
 * cvmctl/igvm.h and add a row here. */
#include "cvmctl/igvm.h"

static const CvmctlCommand igvm_commands[] = {
	{ "inspect", cvmctl_igvm_inspect, "Describe an IGVM file (--json for JSON)" },
	{ "validate", cvmctl_igvm_validate, "Check an IGVM file (exit 3 if problems were found)" },
	{ "build", cvmctl_igvm_build, "Build an IGVM file from a JSON manifest" },
	{ "measure", cvmctl_igvm_measure, "Print the expected launch digest of an IGVM file" },
	{ "sign", cvmctl_igvm_sign, "Add a signed SNP ID block (ECDSA P-384 keys)" },
	{ "verify", cvmctl_igvm_verify, "Check an SNP ID block's digest and signatures" },
	{ "diff", cvmctl_igvm_diff, "Show the differences between two IGVM files" },
	{ "descriptor", cvmctl_igvm_descriptor, "Write the QEMU firmware descriptor (device igvm) of a file" },
};

int
cvmctl_cmd_igvm(int argc, char **argv)
{
	return cvmctl_dispatch("cvmctl igvm", igvm_commands, G_N_ELEMENTS(igvm_commands), argc,
			       argv);
}
