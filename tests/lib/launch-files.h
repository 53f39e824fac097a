/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Inputs and readers shared by the launch tests: one IGVM file with native,
 * SEV-ES and SEV-SNP (policy, ID block and auth) and XPath over domain XML. */
#pragma once

#include <glib.h>

/* A temporary folder holding the IGVM file below as @igvm_name, and the
 * path of a guest folder inside it (not created): the fixture of the
 * launch tests. */
typedef struct {
	gchar *dir;
	gchar *igvm;
	gchar *guest_dir;
} CvmtLaunchDir;
CvmtLaunchDir *cvmt_launch_dir_new(const char *igvm_name);
/* Removes the folder and frees @d; the teardown of a cmocka test whose
 * state is one. */
void cvmt_launch_dir_free(CvmtLaunchDir *d);
int cvmt_launch_dir_teardown(void **state);

/* Writes the file, or fails the test. Its SNP ID block's launch digest is
 * 0xab bytes, its ID key algorithm 1 and its signature R 0x11 bytes, with
 * the author key enabled (algorithm 1); the
 * guest policy is 0x30000; one page of 0xf4 sits just below 4 GiB. */
void cvmt_write_launch_igvm(const char *path);

/* The string value of @expr in @xml (prefixes q: for libvirt's QEMU
 * namespace, cvm: for cvm's metadata), or NULL when it selects nothing. */
gchar *cvmt_xpath(const char *xml, const char *expr);
