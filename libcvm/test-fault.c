/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fault injection for the crash tests (tests/integration/test-cvmd-faults.sh):
 * with CVM_TEST_FAULT=STAGE in the environment, the process kills itself
 * with SIGKILL when it reaches STAGE, as a power cut or kill -9 there would.
 * Unset (always, outside those tests) it costs one getenv() per process. The
 * stages are listed in docs/cvmd.md, "Failure behaviour". */
#include "libcvm/libcvm-internal.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void
cvmi_test_fault(const char *stage)
{
	static const char *want;
	static gsize once;

	if (g_once_init_enter(&once)) {
		const char *e = g_getenv("CVM_TEST_FAULT");
		want = e != NULL && *e != '\0' ? g_strdup(e) : NULL;
		g_once_init_leave(&once, 1);
	}
	if (want == NULL || strcmp(want, stage) != 0)
		return;
	fprintf(stderr, "cvm: CVM_TEST_FAULT: killed at %s\n", stage);
	fflush(stderr);
	raise(SIGKILL);
	_exit(137);
}
