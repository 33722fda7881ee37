#!/usr/bin/env bash
# What hostile input costs kanbao, measured with /usr/bin/time -v.
#
#   scripts/hostile-bench.sh        # a few minutes on 2 cores; prints a table
#
# Each case runs the release binary on an input made to be expensive
# (scripts/hostile-inputs.py writes them) and, beside it, on a benign input
# of the same size and kind (the baseline), so the table shows what the
# hostile shape costs on top of its size. Every hostile case has a bound on
# wall time and peak memory (SECURITY.md states them); a case over its bound
# prints OVER and the script exits 1.
#
# Environment: WORK (default /tmp/kanbao-hostile), LIMIT_S (seconds after
# which a case is killed, default 60). Raw /usr/bin/time output is left in
# $WORK/results. GNU time is installed with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${WORK:-/tmp/kanbao-hostile}
LIMIT_S=${LIMIT_S:-60}
KANBAO=$ROOT/target/release/kanbao

if [ ! -x /usr/bin/time ]; then
    sudo apt-get install -y time >/dev/null || apt-get install -y time >/dev/null
fi
cargo build --release --locked --quiet
mkdir -p "$WORK/in" "$WORK/results"
python3 scripts/hostile-inputs.py "$WORK/in"

# Every run has its own, empty XDG directories: no config, cache or marks of
# the user's are read or written.
xdg() {
    local home=$WORK/xdg/$1
    rm -rf "$home"
    mkdir -p "$home"
    echo "XDG_CONFIG_HOME=$home/config XDG_DATA_HOME=$home/data XDG_STATE_HOME=$home/state XDG_CACHE_HOME=$home/cache"
}

# measure NAME COMMAND... : runs COMMAND (a shell string) under /usr/bin/time
# -v with a time limit; prints "seconds rss_mib status".
measure() {
    local name
    name=$(printf '%s' "$1" | tr -c 'A-Za-z0-9.-' '_')
    shift
    local out=$WORK/results/$name.time
    # shellcheck disable=SC2086
    env $(xdg "$name") timeout "$LIMIT_S" /usr/bin/time -v -o "$out" \
        sh -c "$*" >"$WORK/results/$name.out" 2>"$WORK/results/$name.err" || true
    local wall rss status
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out" 2>/dev/null |
        awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$out" 2>/dev/null)
    status=$(awk -F': ' '/Exit status/ {print $2}' "$out" 2>/dev/null)
    echo "${wall:-$LIMIT_S} ${rss:-?} ${status:-killed}"
}

over=0
printf '%-34s %9s %9s %6s | %9s %9s | %7s %7s | %s\n' \
    case "time s" "RSS MiB" exit "base s" "base MiB" "x time" "x mem" "bound"
# row NAME MAX_S MAX_MIB HOSTILE_CMD BASELINE_CMD
row() {
    local name=$1 max_s=$2 max_mib=$3 cmd=$4 base=$5
    read -r ws wr we <<<"$(measure "$name" "$cmd")"
    read -r bs br _ <<<"$(measure "$name.base" "$base")"
    local verdict
    verdict=$(awk -v s="$ws" -v m="$wr" -v S="$max_s" -v M="$max_mib" \
        'BEGIN { if (s + 0 <= S && m + 0 <= M) print "ok"; else print "OVER" }')
    [ "$verdict" = ok ] || over=1
    printf '%-34s %9s %9s %6s | %9s %9s | %7s %7s | %s (%s s, %s MiB)\n' \
        "$name" "$ws" "$wr" "$we" "$bs" "$br" \
        "$(awk -v a="$ws" -v b="$bs" 'BEGIN { printf "%.1f", (b > 0.005 ? a / b : a / 0.005) }')" \
        "$(awk -v a="$wr" -v b="$br" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')" \
        "$verdict" "$max_s" "$max_mib"
}

IN=$WORK/in
K=$KANBAO
PAGE=$IN/paragraphs-20MiB.html
FEED=$IN/feed-paragraphs-20MiB.xml
WORDS=$IN/words-20MiB.json
# HTML pages whose markup the tree builder does not nest as it reads
# (baselines: as many elements, closed; a 20 MiB page of paragraphs).
row 'read divs-5000.html' 2 200 "$K read -w 80 $IN/divs-5000.html" "$K read -w 80 $IN/closed-divs-5000.html"
row 'read divs-20000.html' 2 200 "$K read -w 80 $IN/divs-20000.html" "$K read -w 80 $IN/closed-divs-20000.html"
for f in divs open-divs stray-end formatting adoption table select template lists attrs; do
    row "read $f-20MiB.html" 10 1024 "$K read -w 80 $IN/$f-20MiB.html" "$K read -w 80 $PAGE"
done
# The same inside a feed's fields (baseline: a feed of 20 MiB of paragraphs).
row 'list feed-divs-40000.xml' 2 200 "$K list $IN/feed-divs-40000.xml" "$K list $IN/feed-closed-divs-40000.xml"
for f in feed-divs-20MiB.xml feed-stray-end-20MiB.xml feed-formatting-20MiB.xml feed-many-adoption-20MiB.xml \
    feed-many-lists-20MiB.xml feed-many-table-20MiB.xml feed-title-20MiB.xml feed-json-20MiB.json; do
    row "list $f" 10 1024 "$K list $IN/$f" "$K list $FEED"
done
# One word (or number, URL, grapheme cluster) of 20 MiB without a break:
# the first screen in the browser, and printed whole. Baseline: as long a
# paragraph of words and Chinese prose.
for f in word digits url cluster; do
    row "snapshot $f-20MiB.json" 3 300 "$K snapshot --size 80x24 --keys '<Enter>' $IN/$f-20MiB.json" \
        "$K snapshot --size 80x24 --keys '<Enter>' $WORDS"
    row "read $f-20MiB.json" 10 300 "$K read -w 80 $IN/$f-20MiB.json >/dev/null" "$K read -w 80 $WORDS >/dev/null"
done
row 'snapshot title-20MiB.json' 3 300 "$K snapshot --size 80x24 $IN/title-20MiB.json" \
    "$K snapshot --size 80x24 $WORDS"
# A subscription to /dev/zero, and to a FIFO nobody writes to, written into
# the subscriptions file by hand (`kanbao subscribe` refuses both).
subscribed() {
    printf 'mkdir -p "$XDG_CONFIG_HOME/kanbao" && printf %s %s > "$XDG_CONFIG_HOME/kanbao/subscriptions.json" && %s update' \
        "'%s'" "'{\"feeds\":[{\"url\":\"$1\"}]}'" "$K"
}
row 'update file:///dev/zero' 5 100 "$(subscribed file:///dev/zero)" "$(subscribed "file://$IN/feed-closed-divs-40000.xml")"
row 'update file:// FIFO' 5 100 "$(subscribed "file://$IN/fifo")" "$(subscribed "file://$IN/feed-closed-divs-40000.xml")"
# Endless standard input.
row 'yes | list /dev/stdin' 5 100 "yes | $K list /dev/stdin" "cat $IN/feed-closed-divs-40000.xml | $K list /dev/stdin"

echo
echo "x time, x mem: the hostile case against its baseline of the same size and kind."
echo "Raw /usr/bin/time -v output: $WORK/results"
exit $over
