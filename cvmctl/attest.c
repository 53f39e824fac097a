/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl attest: the attestation command group. */
#include "cvmctl/cvmctl.h"
#include "cvmctl/attest.h"

static const CvmctlCommand attest_commands[] = {
	{ "verify", cvmctl_attest_verify, "Verify an SNP report against its VCEK/VLEK and AMD's roots" },
	{ "certs", cvmctl_attest_certs, "SNP certificate tables: import, serve the endpoint" },
	{ "stats", cvmctl_attest_stats, "Show the attestation proxy's counters in cvmd" },
	{ "serve", cvmctl_attest_serve, "Run the IGVM-attest proxy for one guest in the foreground" },
};

int
cvmctl_cmd_attest(int argc, char **argv)
{
	return cvmctl_dispatch("cvmctl attest", attest_commands, G_N_ELEMENTS(attest_commands), argc,
			       argv);
}
