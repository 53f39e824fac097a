#!/bin/sh
# Migration relay benchmark (issue 17): each side of the broker alone,
# against the page handshake's own ceiling on that side, and against the
# COCONUT fork's relay loop reimplemented (tests/helpers/migrate-peer.c).
#   source side:      svsm-sim source -> page -> relay -> loopback TCP -> sink
#   destination side: feed -> loopback TCP -> relay -> page -> svsm-sim dest
#   ceiling:          the simulator and a local consumer (take) or producer
#                     (give) on one page: no broker, no socket
# The relay is `cvmctl migrate relay --wire fork` (the peers speak the fork's
# records); the peer baseline is migrate-peer fork-source / fork-dest.
# Each socket figure is taken on loopback TCP and on a unix socket: on
# loopback TCP both ends' network stacks run on this host's 2 vCPUs (between
# two hosts the sender's runs on the other one), and the SVSM waits through
# all of it (docs/migrate.md); a unix socket keeps a copy in and a copy out.
# Two simulators, two relays and the kernel on 2 vCPUs measured the machine,
# not the broker: here at most three processes run at once, one of them the
# socket's far end, which does next to nothing per block.
# CVM_BENCH_MIGRATE_MIB sets the size (default 1024 MiB);
# CVM_BENCH_MIGRATE_RUNS (default 3) repeats every figure (ceiling, relay,
# fork loop), interleaved, and reports the best of each and the spread: on
# 2 vCPUs the same run varies by a third with where the scheduler puts the
# three processes, and other load only ever slows a run down.
# CVM_BENCH_MIGRATE_PEER=0 skips the fork loop (it spins without yielding
# and takes minutes on a loaded machine).
set -eu
BUILDDIR=${BUILDDIR:-build}
CVMCTL="$(pwd)/$BUILDDIR/cvmctl"
SIM="$(pwd)/$BUILDDIR/tests/helpers/svsm-sim"
PEER="$(pwd)/$BUILDDIR/tests/helpers/migrate-peer"
MIB=${CVM_BENCH_MIGRATE_MIB:-1024}
BLOCKS=$((MIB * 512))
GPA=0x10000
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
now_ms() { date +%s%3N; }
fail() { echo "bench-migrate: $*" >&2; exit 1; }

# A new page, and no file left from the last run: listening() must not read
# the last run's "listening" line before this run's far end rewrites it.
fresh() { rm -f "$TMP/m.mem" "$TMP/sink" "$TMP/relay" "$TMP/far.sock"; truncate -s 1M "$TMP/m.mem"; }
# Wait (bounded) for "listening URI" in $1; print URI.
listening() {
	for _ in $(seq 200); do grep -q '^listening' "$1" 2>/dev/null && break; sleep 0.02; done
	sed -n 's/^listening //p' "$1"
}
# Check the blocks every party counted ("N" or "N sha").
check() { for f in "$@"; do [ "$(cut -d' ' -f1 "$f")" = "$BLOCKS" ] || fail "$f: $(cat "$f") blocks, want $BLOCKS"; done; }

# The socket's far end listens on ($1: tcp | unix); prints its listen argument.
where() { [ "$1" = unix ] && echo "unix:$TMP/far.sock"; true; }

# Source side. $1: ceiling | relay | fork, $2: tcp | unix. Prints milliseconds.
source_side() {
	fresh
	if [ "$1" != ceiling ]; then
		# shellcheck disable=SC2046 # no argument for TCP
		"$PEER" sink $(where "$2") >"$TMP/sink" &
		K=$!
		URI=$(listening "$TMP/sink")
		[ -n "$URI" ] || fail "sink did not listen"
	fi
	"$SIM" source "$TMP/m.mem" $GPA "$BLOCKS" 1 120000 >"$TMP/sim" &
	S=$!
	t0=$(now_ms)
	case $1 in
	ceiling) "$PEER" take "$TMP/m.mem" $GPA >"$TMP/far" ;;
	relay) "$CVMCTL" migrate relay --role source --wire fork --memory "$TMP/m.mem" --page-gpa $GPA \
		--uri "$URI" --timeout 120000 >/dev/null 2>&1 ;;
	fork) "$PEER" fork-source "$TMP/m.mem" $GPA "$URI" >/dev/null ;;
	esac
	wait "$S"
	[ "$1" = ceiling ] || { wait "$K"; sed 1d "$TMP/sink" >"$TMP/far"; }
	echo $(( $(now_ms) - t0 ))
	check "$TMP/sim" "$TMP/far"
}

# Destination side, likewise.
dest_side() {
	fresh
	case $1 in
	relay) "$CVMCTL" migrate relay --role dest --wire fork --memory "$TMP/m.mem" --page-gpa $GPA \
		--uri "$(if [ "$2" = unix ]; then where unix; else echo tcp:127.0.0.1:0; fi)" --timeout 120000 \
		>"$TMP/relay" 2>/dev/null &
		R=$!; URI=$(listening "$TMP/relay") ;;
	fork) # shellcheck disable=SC2046 # no argument for TCP
		"$PEER" fork-dest "$TMP/m.mem" $GPA $(where "$2") >"$TMP/relay" &
		R=$!; URI=$(listening "$TMP/relay") ;;
	esac
	"$SIM" dest "$TMP/m.mem" $GPA 120000 >"$TMP/sim" &
	S=$!
	t0=$(now_ms)
	case $1 in
	ceiling) "$PEER" give "$TMP/m.mem" $GPA "$BLOCKS" >/dev/null ;;
	*) [ -n "$URI" ] || fail "$1 destination did not listen"
	   "$PEER" feed "$URI" "$BLOCKS" >/dev/null
	   wait "$R" ;;
	esac
	wait "$S"
	echo $(( $(now_ms) - t0 ))
	check "$TMP/sim"
}

PEER_RUN=${CVM_BENCH_MIGRATE_PEER:-1}
RUNS=${CVM_BENCH_MIGRATE_RUNS:-3}
# Times in ms of every run, "min max" printed by best.
best() { tr ' ' '\n' | awk 'NF { if (n++ == 0 || $1 < lo) lo = $1; if ($1 > hi) hi = $1 } END { print lo, hi }'; }
# shellcheck disable=SC2034 # read through eval below
SC='' DC='' SRtcp='' SRunix='' DRtcp='' DRunix='' SFtcp='' SFunix='' DFtcp='' DFunix=''
for _ in $(seq "$RUNS"); do
	SC="$SC $(source_side ceiling)"
	for t in tcp unix; do
		eval "SR$t=\"\$SR$t $(source_side relay $t)\""
		[ "$PEER_RUN" = 0 ] || eval "SF$t=\"\$SF$t $(source_side fork $t)\""
	done
	DC="$DC $(dest_side ceiling)"
	for t in tcp unix; do
		eval "DR$t=\"\$DR$t $(dest_side relay $t)\""
		[ "$PEER_RUN" = 0 ] || eval "DF$t=\"\$DF$t $(dest_side fork $t)\""
	done
done
printf 'bench-migrate: %d MiB (%d blocks of 2 KiB) each way, best of %d; load average %s\n' \
	"$MIB" "$BLOCKS" "$RUNS" "$(cut -d' ' -f1-3 /proc/loadavg)"
for t in tcp unix; do
	eval "SR=\$SR$t DR=\$DR$t SF=\$SF$t DF=\$DF$t"
	# shellcheck disable=SC2046 # "min max" pairs
	set -- $(echo "$SC" | best) $(echo "$SR" | best) $(echo "$DC" | best) $(echo "$DR" | best)
	sc=$1 scw=$2 sr=$3 srw=$4 dc=$5 dcw=$6 dr=$7 drw=$8
	sf=0 df=0
	# shellcheck disable=SC2046 # "min max" pairs
	[ "$PEER_RUN" = 0 ] || set -- $(echo "$SF" | best) $(echo "$DF" | best)
	[ "$PEER_RUN" = 0 ] || { sf=$1 df=$3; }
	awk -v mib="$MIB" -v sc="$sc" -v sr="$sr" -v sf="$sf" -v dc="$dc" -v dr="$dr" -v df="$df" \
		-v scw="$scw" -v srw="$srw" -v dcw="$dcw" -v drw="$drw" -v runs="$RUNS" \
		-v name="$([ "$t" = tcp ] && echo "loopback TCP" || echo "unix socket")" \
		'function rate(ms) { return mib / (ms / 1000) }
	BEGIN {
		printf "  %s\n", name
		if (runs > 1)
			printf "    spread (MiB/s, worst-best): source ceiling %.1f-%.1f relay %.1f-%.1f; dest ceiling %.1f-%.1f relay %.1f-%.1f\n", rate(scw), rate(sc), rate(srw), rate(sr), rate(dcw), rate(dc), rate(drw), rate(dr)
		printf "    source side  ceiling %7.1f MiB/s (%.2f s)  relay %7.1f MiB/s (%.2f s)  ratio %.3f (goal >= 0.8)\n", rate(sc), sc / 1000, rate(sr), sr / 1000, sc / sr
		printf "    dest side    ceiling %7.1f MiB/s (%.2f s)  relay %7.1f MiB/s (%.2f s)  ratio %.3f (goal >= 0.8)\n", rate(dc), dc / 1000, rate(dr), dr / 1000, dc / dr
		if (sf == 0)
			exit
		printf "    fork loop    source  %7.1f MiB/s (%.2f s)  dest  %7.1f MiB/s (%.2f s)\n", rate(sf), sf / 1000, rate(df), df / 1000
		printf "    cvm relay / fork loop: source %.3f, dest %.3f (goal >= 1)\n", sf / sr, df / dr
	}'
done
