#!/usr/bin/env bash
# Times every function's `invoke -dry-run` with AWS unreachable and
# AWS_MAX_ATTEMPTS=1, and fails unless each exits 1 within the limit with a
# one-line error as its last line. "Unreachable" is an endpoint that refuses
# connections (127.0.0.1:1), the failure the SDK's retryer retries.
#
#   shared/awsconfig/unreachable.sh [LIMIT_SECONDS]    (default 5; needs make build-local)
set -euo pipefail
cd "$(dirname "$0")/../.."
limit=${1:-5}
status=0
printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
for f in snapshot-rotator tenant-purger finding-notifier compliance-verifier evidence-reporter; do
  err=$(mktemp)
  start=$(date +%s.%N)
  set +e
  env -i PATH="$PATH" HOME="$(mktemp -d)" AWS_MAX_ATTEMPTS=1 AWS_ACCESS_KEY_ID=unreachable AWS_SECRET_ACCESS_KEY=unreachable \
    AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL=http://127.0.0.1:1 \
    PLEDGE_REGISTRY_TABLE=pledge-registry PLEDGE_LEDGER_TABLE=pledge-ledger PLEDGE_EVIDENCE_BUCKET=pledge-evidence \
    PLEDGE_PURGE_QUEUE_URL=http://127.0.0.1:1/000000000000/purge PLEDGE_NOTICE_QUEUE_URL=http://127.0.0.1:1/000000000000/notices \
    PLEDGE_SIGNING_KEY_ID=alias/pledge-prod-deletion-certificates PLEDGE_OPS_TOPIC_ARN=arn:aws:sns:ap-northeast-1:000000000000:ops \
    "bin/local/$f" invoke -dry-run -config cdk.json >/dev/null 2>"$err"
  code=$?
  set -e
  end=$(date +%s.%N)
  secs=$(echo "$end - $start" | bc)
  last=$(tail -n 1 "$err")
  printf '%-20s exit %d in %5.2fs: %.140s\n' "$f" "$code" "$secs" "$last"
  if [[ $code -ne 1 || $(echo "$secs > $limit" | bc) -eq 1 || $last != "$f: "* ]]; then
    echo "  FAILED: want exit 1 within ${limit}s with a one-line error last" >&2
    status=1
  fi
  rm -f "$err"
done
exit $status
