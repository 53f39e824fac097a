/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The builder's last step: run the IGVM validator (cvm/igvm.h) over what it
 * wrote and refuse the file if any rule reports an error. */
#include "igvm/builder-private.h"

#include <cvm/error.h>
#include <cvm/igvm.h>

static gboolean
check(CvmIgvm *igvm, GError **error)
{
	g_autoptr(GPtrArray) problems = NULL;

	if (igvm == NULL) {
		g_prefix_error(error, "the builder produced an unreadable file: ");
		return FALSE;
	}
	problems = cvm_igvm_validate(igvm, CVM_IGVM_NONE);
	for (guint i = 0; i < problems->len; i++) {
		const CvmIgvmProblem *p = problems->pdata[i];

		if (p->severity == CVM_IGVM_SEVERITY_ERROR) {
			g_autofree gchar *text = cvm_igvm_problem_to_string(p);

			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
				    "refusing to write an invalid IGVM file: %s", text);
			return FALSE;
		}
	}
	return TRUE;
}

gboolean
cvmi_builder_validate_output(GBytes *file, GError **error)
{
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(file, CVM_IGVM_NO_VALIDATE, error);

	return check(igvm, error);
}

gboolean
cvmi_builder_validate_path(const char *path, GError **error)
{
	g_autoptr(CvmIgvm) igvm = cvm_igvm_open(path, CVM_IGVM_NO_VALIDATE, error);

	return check(igvm, error);
}
