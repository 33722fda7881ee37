#!/usr/bin/env bash
# Runs one fuzz target for a while, starting from the committed seeds.
#
#   fuzz/run.sh <target> [seconds] [extra libFuzzer flags…]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). On a stable toolchain,
# RUSTC_BOOTSTRAP=1 lets cargo-fuzz use the nightly-only flags it needs
# (sanitizers, coverage instrumentation); it is set here. The log is written
# to fuzz/logs/<target>.log; crashes go to fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?usage: fuzz/run.sh <target> [seconds] [libFuzzer flags…]}
seconds=${2:-420}
shift $(( $# < 2 ? $# : 2 ))

# Inputs are capped where the code under test is quadratic by nature
# (html5ever on deeply nested markup) or where big inputs only slow the search.
case $target in
  html | feed | article_json) max_len=65536 ;;  # HTML_CAP (1 MiB) would only slow the search
  typeset | textdump) max_len=16384 ;;
  *) max_len=4096 ;;
esac

mkdir -p "corpus/$target" "artifacts/$target" logs
# The seeds are made from tests/fixtures and data/ (not committed twice).
[ -d "seeds/$target" ] || python3 seeds/make.py
cp -n "seeds/$target/"* "corpus/$target/" 2>/dev/null || true
export RUSTC_BOOTSTRAP=1
start=$(date +%s)
set +e
cargo fuzz run "$target" "corpus/$target" -- \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len="$max_len" \
  -print_final_stats=1 "$@" 2>&1 | tee "logs/$target.log"
status=${PIPESTATUS[0]}
set -e
echo "== $target: $(( $(date +%s) - start )) s wall, exit $status" | tee -a "logs/$target.log"
exit "$status"
