/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

int cvmctl_attest_verify(int argc, char **argv);
int cvmctl_attest_serve(int argc, char **argv);
int cvmctl_attest_stats(int argc, char **argv);
int cvmctl_attest_certs(int argc, char **argv);
