/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The "cvmctl igvm" subcommands: one file each (cvmctl/igvm-<name>.c), listed
 * in the table in cvmctl/igvm.c. */
#pragma once

#include "cvmctl/cvmctl.h"

int cvmctl_igvm_build(int argc, char **argv);
int cvmctl_igvm_inspect(int argc, char **argv);
int cvmctl_igvm_diff(int argc, char **argv);
int cvmctl_igvm_validate(int argc, char **argv);
int cvmctl_igvm_measure(int argc, char **argv);
int cvmctl_igvm_sign(int argc, char **argv);
int cvmctl_igvm_verify(int argc, char **argv);
int cvmctl_igvm_descriptor(int argc, char **argv);
