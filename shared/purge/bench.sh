#!/usr/bin/env bash
# Purge benchmarks on a local MinIO (data in /dev/shm when it exists, so
# the disk does not dominate; MinIO binds 127.0.0.1 only).
#
#   shared/purge/bench.sh compare   # Pledge vs `s5cmd rm --all-versions`
#   shared/purge/bench.sh shards    # one large tenant, 1 shard vs 4
#   shared/purge/bench.sh           # both
#
# compare: VERSIONS (default 100000) versions and delete markers, ROUNDS
# (default 5) rounds; each round purges two fresh identical copies (MinIO
# restarted on a copy of one seeded snapshot, same version ids), one with
# each tool, alternating which goes first. Pledge does everything the
# tenant-purger does to S3 (manifest parts written ahead of the deletes to
# an evidence bucket, the final verification listing, the sealed index,
# which re-reads every part); its checkpoints are measured, not stored.
# Prints every round's rates and ratio, and the medians.
#
# shards: SHARD_VERSIONS (default 1000000) for each count in SHARDS
# (default "1 4"): the shards run as separate processes, like separate
# Lambda invocations, then the seal joins them. Prints versions per second,
# each process's peak RSS and the largest checkpoint.
#
# LATENCY (e.g. 20ms) puts a proxy in front of MinIO that delays every
# request by that much, for both tools: closer to S3 over a network, where
# the round trip, not MinIO's CPU, bounds each request, and what overlaps
# (pages, parts, deletes, shards) shows. The checks go to MinIO directly.
#
# Needs .tools/bin/minio, s5cmd v2.3.0 (S5CMD, default .tools/bin/s5cmd;
# the Makefile builds it) and GNU time (/usr/bin/time, Debian "time").
set -euo pipefail
ROOT=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cd "$ROOT"
WHAT=${1:-all}
VERSIONS=${VERSIONS:-100000}
ROUNDS=${ROUNDS:-5}
WORKERS=${WORKERS:-32}
SHARD_VERSIONS=${SHARD_VERSIONS:-1000000}
SHARDS=${SHARDS:-1 4}
LATENCY=${LATENCY:-}
S5CMD=${S5CMD:-$ROOT/.tools/bin/s5cmd}
PREFIX=tenants/tenant-1/
NEIGHBOUR=tenants/tenant-10/
BUCKET=tenant-data
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time (GNU time) is missing: apt-get install time" >&2; exit 1; }
if [ "$WHAT" != shards ]; then
	[ -x "$S5CMD" ] || { echo "bench: $S5CMD is missing: make s5cmd (s5cmd v2.3.0)" >&2; exit 1; }
	"$S5CMD" version | grep -q '^v2.3.0' || { echo "bench: $S5CMD is not s5cmd v2.3.0" >&2; exit 1; }
fi

WORK=$(mktemp -d)
DATA=$(mktemp -d "${BENCH_DATA_DIR:-/dev/shm}/pledge-bench.XXXXXX" 2>/dev/null || mktemp -d)
PB=$WORK/purgebench
go build -o "$PB" ./shared/purge/internal/purgebench
MINIO=
PROXY=
stop_minio() {
	if [ -n "$PROXY" ]; then kill "$PROXY" 2>/dev/null || true; wait "$PROXY" 2>/dev/null || true; PROXY=; fi
	if [ -n "$MINIO" ]; then kill "$MINIO" 2>/dev/null || true; wait "$MINIO" 2>/dev/null || true; MINIO=; fi
}
cleanup() { stop_minio; rm -rf "$WORK" "$DATA"; }
trap cleanup EXIT
export AWS_ACCESS_KEY_ID=pledgesandbox AWS_SECRET_ACCESS_KEY=pledgesandbox-secret AWS_REGION=ap-northeast-1

# start_minio DIR: MinIO on DIR; sets URL (what the tools use: the
# latency proxy when LATENCY is set) and DIRECT (MinIO itself).
start_minio() {
	rm -f "$WORK/url" "$WORK/proxy-url"
	"$PB" minio -dir "$1" -url-file "$WORK/url" >"$WORK/minio.log" 2>&1 &
	MINIO=$!
	for _ in $(seq 150); do [ -s "$WORK/url" ] && break; sleep 0.2; done
	[ -s "$WORK/url" ] || { cat "$WORK/minio.log" >&2; exit 1; }
	DIRECT=$(cat "$WORK/url")
	URL=$DIRECT
	if [ -n "$LATENCY" ]; then
		"$PB" proxy -endpoint "$DIRECT" -latency "$LATENCY" -url-file "$WORK/proxy-url" >"$WORK/proxy.log" 2>&1 &
		PROXY=$!
		for _ in $(seq 50); do [ -s "$WORK/proxy-url" ] && break; sleep 0.1; done
		URL=$(cat "$WORK/proxy-url")
	fi
}

# snapshot NAME N: seed N versions (and a neighbour) into a fresh MinIO
# and stop it; $DATA/NAME is then the snapshot. Sets NEIGHBOUR_FP. With
# KEEP_SNAPSHOT=DIR, the snapshot is kept in (and reused from) DIR/NAME-N.
snapshot() {
	if [ -n "${KEEP_SNAPSHOT:-}" ] && [ -d "$KEEP_SNAPSHOT/$1-$2" ]; then
		echo "reusing the snapshot in $KEEP_SNAPSHOT/$1-$2" >&2
		cp -a "$KEEP_SNAPSHOT/$1-$2" "$DATA/$1"
		NEIGHBOUR_FP=$(cat "$KEEP_SNAPSHOT/$1-$2.neighbour")
		return
	fi
	start_minio "$DATA/$1"
	"$PB" seed -endpoint "$DIRECT" -bucket "$BUCKET" -prefix "$PREFIX" -versions "$2" >&2
	NEIGHBOUR_FP=$("$PB" fingerprint -endpoint "$DIRECT" -bucket "$BUCKET" -prefix "$NEIGHBOUR")
	stop_minio
	if [ -n "${KEEP_SNAPSHOT:-}" ]; then
		mkdir -p "$KEEP_SNAPSHOT"
		cp -a "$DATA/$1" "$KEEP_SNAPSHOT/$1-$2"
		echo "$NEIGHBOUR_FP" >"$KEEP_SNAPSHOT/$1-$2.neighbour"
	fi
}

# fresh NAME: MinIO on a copy of snapshot NAME.
fresh() {
	rm -rf "$DATA/run"
	cp -a "$DATA/$1" "$DATA/run"
	start_minio "$DATA/run"
}

# check NAME: the prefix is empty and the neighbour intact.
check() {
	local left fp
	left=$("$PB" count -endpoint "$DIRECT" -bucket "$BUCKET" -prefix "$PREFIX")
	[ "$left" = 0 ] || { echo "bench: $1 left $left versions under $PREFIX" >&2; exit 1; }
	fp=$("$PB" fingerprint -endpoint "$DIRECT" -bucket "$BUCKET" -prefix "$NEIGHBOUR")
	[ "$fp" = "$NEIGHBOUR_FP" ] || { echo "bench: $1 changed the neighbour $NEIGHBOUR: $NEIGHBOUR_FP -> $fp" >&2; exit 1; }
}

# timed FILE CMD...: run CMD under GNU time into FILE.time, output FILE.out.
timed() {
	local f=$1; shift
	/usr/bin/time -v -o "$f.time" "$@" >"$f.out" 2>"$f.err" || { cat "$f.err" >&2; exit 1; }
}
seconds() { awk '/Elapsed \(wall clock\)/ { split($NF, p, ":"); s = (length(p) == 3) ? p[1]*3600 + p[2]*60 + p[3] : p[1]*60 + p[2] } END { printf "%.2f", s }' "$1.time"; }
rss_mib() { awk '/Maximum resident set size/ { printf "%.1f", $NF / 1024 }' "$1.time"; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2] + a[NR/2+1]) / 2 }'; }

load() { cut -d' ' -f1-3 /proc/loadavg; }

compare() {
	echo "== compare: Pledge vs s5cmd rm --all-versions ($("$S5CMD" version)), $VERSIONS versions, $ROUNDS rounds, $WORKERS workers each, added latency ${LATENCY:-none}; load $(load)"
	snapshot golden-compare "$VERSIONS"
	: >"$WORK/rounds"
	for round in $(seq "$ROUNDS"); do
		local order="pledge s5cmd"
		(( round % 2 )) || order="s5cmd pledge"
		for tool in $order; do
			fresh golden-compare
			case $tool in
			pledge) timed "$WORK/pledge" "$PB" purge -endpoint "$URL" -bucket "$BUCKET" -prefix "$PREFIX" -evidence-bucket evidence -max-concurrency "$WORKERS" ;;
			s5cmd) timed "$WORK/s5cmd" "$S5CMD" --log error --endpoint-url "$URL" --numworkers "$WORKERS" rm --all-versions "s3://$BUCKET/$PREFIX*" ;;
			esac
			check "$tool"
			stop_minio
		done
		ps=$(seconds "$WORK/pledge"); ss=$(seconds "$WORK/s5cmd")
		# round pledge_vps s5cmd_vps ratio pledge_rss s5cmd_rss
		awk -v r="$round" -v n="$VERSIONS" -v ps="$ps" -v ss="$ss" -v pr="$(rss_mib "$WORK/pledge")" -v sr="$(rss_mib "$WORK/s5cmd")" \
			'BEGIN { printf "%d %.0f %.0f %.3f %.1f %.1f\n", r, n/ps, n/ss, ss/ps, pr, sr }' >>"$WORK/rounds"
		tail -1 "$WORK/rounds" | awk -v first="${order%% *}" -v load="$(load)" \
			'{ printf "round %d (%s first, load %s): pledge %6d versions/s (%5.1f MiB)  s5cmd %6d versions/s (%5.1f MiB)  ratio %.2f\n", $1, first, load, $2, $5, $3, $6, $4 }'
	done
	echo "ratios (pledge/s5cmd throughput): $(awk '{ printf "%.2f ", $4 }' "$WORK/rounds")"
	echo "median ratio: $(awk '{ print $4 }' "$WORK/rounds" | median)"
	echo "median throughput: pledge $(awk '{ print $2 }' "$WORK/rounds" | median) versions/s, s5cmd $(awk '{ print $3 }' "$WORK/rounds" | median) versions/s"
	echo "peak RSS (largest round): pledge $(awk '{ print $5 }' "$WORK/rounds" | sort -g | tail -1) MiB, s5cmd $(awk '{ print $6 }' "$WORK/rounds" | sort -g | tail -1) MiB"
}

shards() {
	echo "== shards: $SHARD_VERSIONS versions, shard counts: $SHARDS, added latency ${LATENCY:-none}; load $(load)"
	snapshot golden-shards "$SHARD_VERSIONS"
	for n in $SHARDS; do
		fresh golden-shards
		local start end rss cpmax
		start=$(date +%s.%N)
		if [ "$n" = 1 ]; then
			timed "$WORK/s1" "$PB" purge -endpoint "$URL" -bucket "$BUCKET" -prefix "$PREFIX" -evidence-bucket evidence -max-concurrency "$WORKERS"
			rss=$(rss_mib "$WORK/s1")
			cpmax=$(sed 's/.*"checkpoint_max_bytes":\([0-9]*\).*/\1/' "$WORK/s1.out")
		else
			"$PB" plan -endpoint "$URL" -bucket "$BUCKET" -prefix "$PREFIX" -shards "$n" -out "$WORK/plan.json"
			local pids=() k
			for k in $(seq "$n"); do
				timed "$WORK/s$k" "$PB" purge -endpoint "$URL" -bucket "$BUCKET" -prefix "$PREFIX" -evidence-bucket evidence -max-concurrency "$WORKERS" -plan "$WORK/plan.json" -shard "$k" -out "$WORK/r$k.json" &
				pids+=($!)
			done
			for p in "${pids[@]}"; do wait "$p"; done
			"$PB" seal -endpoint "$URL" -evidence-bucket evidence $(for k in $(seq "$n"); do echo "$WORK/r$k.json"; done) >"$WORK/seal.out"
			rss=$(for k in $(seq "$n"); do rss_mib "$WORK/s$k"; echo; done | tr '\n' ' ')
			cpmax=$(cat "$WORK"/r*.json | sed 's/.*"checkpoint_max_bytes":\([0-9]*\).*/\1/' | sort -n | tail -1)
			for k in $(seq "$n"); do printf '  %s: %s versions in %s s\n' "$(sed 's/.*"shard":"\([^"]*\)".*/\1/' "$WORK/r$k.json")" "$(sed 's/.*"deleted":\([0-9]*\).*/\1/' "$WORK/r$k.json")" "$(seconds "$WORK/s$k")"; done
		fi
		end=$(date +%s.%N)
		check "$n shards"
		awk -v n="$n" -v v="$SHARD_VERSIONS" -v s="$(echo "$end - $start" | bc)" -v rss="$rss" -v cp="$cpmax" -v load="$(load)" \
			'BEGIN { printf "%d shard(s): %8.0f versions/s (%.1f s, plan and seal included), peak RSS per process: %s MiB, largest checkpoint %d bytes, load %s\n", n, v/s, s, rss, cp, load }'
		stop_minio
		rm -f "$WORK"/r*.json
	done
}

case $WHAT in
compare) compare ;;
shards) shards ;;
all) compare; shards ;;
*) echo "usage: $0 [compare|shards]" >&2; exit 2 ;;
esac
