/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The optional interfaces. To add one (docs/dbus/README.md, "Adding an
 * interface"): write docs/dbus/org.cvm.Cvmd1.<Name>.xml and cvmd/<name>.c
 * defining `const CvmdInterface cvmd_iface_<name>`, then add one line
 * `X(<name>)` to the list below. */
#include "cvmd/cvmd.h"

#define CVMD_INTERFACE_LIST(X) \
	X(firmware_update) \
	X(attestation) \
	X(migration)

#define DECLARE(n) extern const CvmdInterface cvmd_iface_##n;
#define ENTRY(n) &cvmd_iface_##n,
CVMD_INTERFACE_LIST(DECLARE)

static const CvmdInterface *const table[] = {
	CVMD_INTERFACE_LIST(ENTRY) NULL,
};

const CvmdInterface *const *
cvmd_interfaces(void)
{
	return table;
}
