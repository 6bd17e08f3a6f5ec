#!/usr/bin/env bash
# Measures `snapshot-rotator plan` end to end as a user runs it: a build for
# this machine (make build-local's flags), N snapshots (default 1,000,000,
# about 55 MB) on stdin, /usr/bin/time -v, RUNS runs (default 5), median
# CPU (user + system) and peak RSS. With BEFORE=path/to/another/binary it
# measures that one too in the same run, and checks both print the same
# plan. Run from the repository root (make bench does).
set -euo pipefail
n=${N:-1000000}
runs=${RUNS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go run ./functions/snapshot-rotator/testdata/gen -n "$n" > "$tmp/snapshots.json"
CGO_ENABLED=0 go build -trimpath -o "$tmp/snapshot-rotator" ./functions/snapshot-rotator
echo "plan on $n snapshots ($(du -m "$tmp/snapshots.json" | cut -f1) MB), $runs runs each; load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

measure() { # name binary
  local cpu=() rss=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -v "$2" plan --keep-hourly 24 --keep-daily 7 --keep-weekly 4 --tz Asia/Tokyo \
      < "$tmp/snapshots.json" > "$tmp/$1.json" 2> "$tmp/time.txt"
    cpu+=("$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2f", u+s}' "$tmp/time.txt")")
    rss+=("$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$tmp/time.txt")")
  done
  local mc mr
  mc=$(printf '%s\n' "${cpu[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  mr=$(printf '%s\n' "${rss[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%-8s median CPU %5.2f s (runs: %s), median peak RSS %4d MB (runs: %s)\n' "$1" "$mc" "${cpu[*]}" "$mr" "${rss[*]}"
}

measure after "$tmp/snapshot-rotator"
if [ -n "${BEFORE:-}" ]; then
  measure before "$BEFORE"
  cmp "$tmp/after.json" "$tmp/before.json" && echo "after and before print the same plan ($(wc -c < "$tmp/after.json") bytes)"
fi
