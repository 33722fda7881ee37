#!/usr/bin/env bash
# Regenerates the pictures in screenshots/ from the real UI (kanbao snapshot).
# With --png, also renders each SVG to PNG with headless Chromium (Debian
# packages chromium and fonts-noto-cjk) so they can be looked at as pictures.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -q
bin=target/release/kanbao
# Dates as a reader in Beijing sees them (the sample's own zone).
export TZ=Asia/Shanghai
shot() { # name size keys
  "$bin" snapshot --size "$2" --keys "$3" --format svg > "screenshots/$1.svg"
  echo "screenshots/$1.svg"
}
shot two-pane-120x36 120x36 'G'
shot narrow-list-60x24 60x24 ''
shot narrow-reader-60x24 60x24 'G<Enter>'
shot help-80x24 80x24 '?'
shot sources-80x24 80x24 '<Enter>qq'
if [[ "${1:-}" == "--png" ]]; then
  for svg in screenshots/*.svg; do
    w=$(sed -n 's/.*<svg[^>]* width="\([0-9]*\)".*/\1/p' "$svg" | head -1)
    h=$(sed -n 's/.*<svg[^>]* height="\([0-9]*\)".*/\1/p' "$svg" | head -1)
    out="${TMPDIR:-/tmp}/$(basename "${svg%.svg}").png"
    chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
      --disable-component-update --no-first-run --hide-scrollbars \
      --user-data-dir="$(mktemp -d)" --window-size="$w,$h" --screenshot="$out" "file://$PWD/$svg" 2>/dev/null
    echo "$out"
  done
fi
