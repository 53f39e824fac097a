#!/bin/sh
# The README's main job: build the example IGVM file from its manifest into a
# state directory, then inspect it. (The launch work extends this to measure
# and boot it.)
set -eu
BUILDDIR=${BUILDDIR:-build}
CVMCTL="$BUILDDIR/cvmctl"
STATE=${CVM_DEMO_DIR:-$BUILDDIR/demo}
mkdir -p "$STATE"

"$CVMCTL" version
echo "== build examples/hello/manifest.json"
"$CVMCTL" igvm build examples/hello/manifest.json -o "$STATE/hello.igvm"
echo "== inspect $STATE/hello.igvm"
"$CVMCTL" igvm inspect "$STATE/hello.igvm"
