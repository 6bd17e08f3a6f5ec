#!/usr/bin/env bash
# Renders the HTML that `make demo` leaves in out/ (the monthly evidence
# pack in Japanese and English, the newest verification report, the first
# notice emails) in Debian's headless Chromium, into out/screenshots/.
#
#   shared/sandbox/screenshots.sh [OUT]      (make screenshots)
#
# Needs chromium and fonts-noto-cjk (apt-get install chromium
# fonts-noto-cjk); without the fonts Japanese renders as boxes. Nothing here
# runs in `make test`: the tests parse the HTML instead.
set -euo pipefail
out=${1:-out}
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "screenshots need Debian's chromium: apt-get update && apt-get install chromium fonts-noto-cjk" >&2
  exit 1
fi
if ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  echo "warning: fonts-noto-cjk is not installed, so Japanese renders as boxes: apt-get install fonts-noto-cjk" >&2
fi
ev="$out/evidence"
if [ ! -d "$ev/evidence-pack" ]; then
  echo "no evidence pack under $ev: run make demo first" >&2
  exit 1
fi
shots="$out/screenshots"
mkdir -p "$shots"

# shoot FILE NAME HEIGHT: one 1200-pixel-wide screenshot of FILE.
shoot() {
  local profile
  profile=$(mktemp -d)
  # The flags keep a headless Chromium off the network this machine does
  # not have (../shared machines doc), with a fresh profile each time.
  "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars --window-size="1200,$3" \
    --screenshot="$shots/$2" "file://$(realpath "$1")" >/dev/null 2>&1
  rm -rf "$profile"
  echo "$shots/$2"
}

pack=$(find "$ev/evidence-pack" -name pack.en.html | sort | tail -1)
pack=$(dirname "$pack")
for lang in ja en; do
  shoot "$pack/pack.$lang.html" "evidence-pack-$lang-glance.png" 1900
  shoot "$pack/pack.$lang.html" "evidence-pack-$lang-full.png" 16000
done
report=$(find "$ev/verification-report" -name '*.html' 2>/dev/null | sort | tail -1)
if [ -n "$report" ]; then
  shoot "$report" verification-report.png 2400
fi
n=0
for mail in $(find "$out/emails" -name '*.html' 2>/dev/null | sort); do
  n=$((n + 1))
  shoot "$mail" "email-$(basename "$mail" .html).png" 1600
  [ "$n" -ge 3 ] && break
done
