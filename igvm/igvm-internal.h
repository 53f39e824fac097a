/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What igvm/ offers the other rooms inside the library (measure/): not
 * installed, not exported (cvmi_ prefix). */
#pragma once

#include <glib.h>

/* Appends to @problems (gchar *) every reason why QEMU's IGVM loader and
 * KVM would not launch @vmsa (4096 bytes, the VP_CONTEXT at @gpa) as it is,
 * so that the launch digest would not be the file's (igvm/vmsa-kvm.c).
 * @snp: the VP_CONTEXT belongs to SEV-SNP (else SEV-ES). */
void cvmi_vmsa_kvm_check(const guint8 *vmsa, guint64 gpa, gboolean snp, GPtrArray *problems);

/* How many IGVM files this process has parsed (cvm_igvm_open() and
 * cvm_igvm_new_from_bytes()): the tests' witness that a launch parses its
 * file once. */
guint cvmi_igvm_parse_count(void);
