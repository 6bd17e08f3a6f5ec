#!/usr/bin/env bash
# Benchmark: Pledge's purge engine (with its gzip manifest written to an
# evidence bucket, checkpoints and the final verification listing) against
# `s5cmd rm --all-versions`, side by side on identical copies in one local
# MinIO. Reports, per tool, the median over RUNS of versions deleted per
# second and peak RSS (GNU time), and the ratio.
#
#   shared/purge/bench.sh                  # 100,000 versions, 3 runs, 32 workers
#   VERSIONS=20000 RUNS=1 shared/purge/bench.sh
#
# Needs .tools/bin/minio and .tools/bin/s5cmd (v2.3.0) and /usr/bin/time
# (Debian package "time"). MinIO keeps its data in /dev/shm when it exists,
# so disk speed does not dominate; it binds 127.0.0.1 only.
set -euo pipefail
ROOT=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cd "$ROOT"
VERSIONS=${VERSIONS:-100000}
RUNS=${RUNS:-3}
WORKERS=${WORKERS:-32}
S5CMD=${S5CMD:-$ROOT/.tools/bin/s5cmd}
PREFIX=tenants/tenant-1/
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time (GNU time) is missing: apt-get install time" >&2; exit 1; }
[ -x "$S5CMD" ] || { echo "bench: $S5CMD is missing: build s5cmd v2.3.0 (see the Makefile's tools target)" >&2; exit 1; }
"$S5CMD" version >/dev/null

WORK=$(mktemp -d)
DATA=$(mktemp -d "${BENCH_DATA_DIR:-/dev/shm}/pledge-bench.XXXXXX" 2>/dev/null || mktemp -d)
go build -o "$WORK/purgebench" ./shared/purge/internal/purgebench
"$WORK/purgebench" minio -dir "$DATA" -url-file "$WORK/url" >"$WORK/minio.log" 2>&1 &
MINIO=$!
cleanup() { kill "$MINIO" 2>/dev/null || true; wait "$MINIO" 2>/dev/null || true; rm -rf "$WORK" "$DATA"; }
trap cleanup EXIT
for _ in $(seq 100); do [ -s "$WORK/url" ] && break; sleep 0.2; done
[ -s "$WORK/url" ] || { cat "$WORK/minio.log" >&2; exit 1; }
URL=$(cat "$WORK/url")
export AWS_ACCESS_KEY_ID=pledgesandbox AWS_SECRET_ACCESS_KEY=pledgesandbox-secret AWS_REGION=ap-northeast-1

# measure NAME BUCKET CMD...: run CMD under GNU time, check the prefix is
# empty afterwards, and print "NAME seconds rss_kib per_second".
measure() {
	local name=$1 bucket=$2; shift 2
	/usr/bin/time -v -o "$WORK/time" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || { cat "$WORK/$name.err" >&2; exit 1; }
	local left; left=$("$WORK/purgebench" count -endpoint "$URL" -bucket "$bucket" -prefix "$PREFIX")
	[ "$left" = 0 ] || { echo "bench: $name left $left versions in $bucket" >&2; exit 1; }
	awk -v name="$name" -v n="$VERSIONS" '
		/Elapsed \(wall clock\)/ { split($NF, p, ":"); s = (length(p) == 3) ? p[1]*3600 + p[2]*60 + p[3] : p[1]*60 + p[2] }
		/Maximum resident set size/ { rss = $NF }
		END { printf "%s %.2f %d %.0f\n", name, s, rss, n / s }' "$WORK/time"
}

: >"$WORK/results"
for run in $(seq "$RUNS"); do
	"$WORK/purgebench" seed -endpoint "$URL" -bucket "pledge-$run,s5cmd-$run" -prefix "$PREFIX" -versions "$VERSIONS" >&2
	pledge=(measure pledge "pledge-$run" "$WORK/purgebench" purge -endpoint "$URL" -bucket "pledge-$run" -prefix "$PREFIX" -evidence-bucket "evidence-$run" -max-concurrency "$WORKERS")
	s5=(measure s5cmd "s5cmd-$run" "$S5CMD" --log error --endpoint-url "$URL" --numworkers "$WORKERS" rm --all-versions "s3://s5cmd-$run/$PREFIX*")
	# Alternate which tool goes first.
	if (( run % 2 )); then "${pledge[@]}" | tee -a "$WORK/results"; "${s5[@]}" | tee -a "$WORK/results"
	else "${s5[@]}" | tee -a "$WORK/results"; "${pledge[@]}" | tee -a "$WORK/results"; fi
	cat "$WORK/pledge.out" >&2
done

echo
echo "versions=$VERSIONS runs=$RUNS workers=$WORKERS (medians)"
for tool in pledge s5cmd; do
	grep "^$tool " "$WORK/results" | sort -k4 -n | awk -v t="$tool" '{ a[NR] = $0 } END { split(a[int((NR+1)/2)], m, " "); printf "%-7s %8.0f versions/s  %6.2f s  peak RSS %6.1f MiB\n", t, m[4], m[2], m[3]/1024 }'
done | tee "$WORK/medians"
awk '{ r[$1] = $2 } END { printf "pledge/s5cmd throughput ratio: %.2f\n", r["pledge"] / r["s5cmd"] }' "$WORK/medians"
