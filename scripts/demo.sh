#!/bin/sh
# The README's main job. Filled in by the IGVM builder (build + inspect) and
# extended by the launch work (measure + boot on the embedded libvirt driver).
set -eu
BUILDDIR=${BUILDDIR:-build}
"$BUILDDIR/cvmctl" version
