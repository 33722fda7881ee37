#!/usr/bin/env bash
# kanbao against its peers on the same content, side by side in one run.
#
#   scripts/bench.sh            # about 4 minutes on 2 cores; prints a table
#
# It generates a deterministic corpus of Chinese news (examples/gen_corpus.rs)
# as JSON Lines and as an Atom feed with the same articles, then measures, in
# a 120x40 pseudo-terminal (scripts/ptybytes.py):
#
#   on SMALL (5,000) articles: newsboat reading the Atom feed from its cache
#   (filled first with `newsboat -x reload` from a file:// URL) against the
#   kanbao release binary on the JSONL and on the Atom file directly: time
#   until the list is on screen (kanbao: with nothing cached, and again with
#   the metadata cache of the first start), bytes written to the terminal per
#   list step (`j` in kanbao, Down in newsboat, whose `j` in the article list
#   means "next feed"), one at a time and 60 held down, bytes from launch to
#   the end of the newest (longest) article read page by page (Space), and
#   peak memory (/usr/bin/time -v);
#
#   on BIG (100,000) articles (~570 MB of JSONL, in $WORK, never in the repo):
#   kanbao's time to first frame against `wc -l` on the same file (warm
#   cache), kanbao's peak memory with it open, and the time from writing a
#   key to the pty until the output goes quiet or the expected screen appears
#   (move, page, jump to the end, search), for kanbao and for newsboat on the
#   same 100,000 articles (its import takes about a minute; NEWSBOAT_BIG=0
#   skips it).
#
# Environment: WORK (default /tmp/kanbao-bench), SMALL, BIG, SEED, J_STEPS
# (list steps measured, default 20), NEWSBOAT_BIG (1), REPORT_ONLY (1: print
# the table again from the last run's results). Raw results (JSON from
# ptybytes.py, /usr/bin/time -v output) are left in $WORK/results; corpora
# are kept in $WORK and made again only when the generator changes.
# newsboat and GNU time are installed with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${WORK:-/tmp/kanbao-bench}
SMALL=${SMALL:-5000}
BIG=${BIG:-100000}
SEED=${SEED:-20240630}
J_STEPS=${J_STEPS:-20}
NEWSBOAT_BIG=${NEWSBOAT_BIG:-1}
SIZE=120x40
PTY=(python3 "$ROOT/scripts/ptybytes.py" --size "$SIZE" --tail 0)
RES=$WORK/results
started=$(date +%s)

say() { printf '== %s\n' "$*" >&2; }

measure() {
  # --- tools -----------------------------------------------------------------
  missing=()
  command -v newsboat >/dev/null || missing+=(newsboat)
  [[ -x /usr/bin/time ]] || missing+=(time)
  command -v python3 >/dev/null || missing+=(python3)
  if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null; }
  fi

  say "building kanbao and the corpus generator (release)"
  cargo build --release --locked -q --bin kanbao --example gen_corpus
  KANBAO=$ROOT/target/release/kanbao
  GEN=$ROOT/target/release/examples/gen_corpus

  mkdir -p "$WORK" "$RES"
  rm -f "$RES"/*

  # --- corpora (regenerated only when the generator, count or seed changed) ---
  corpus() { # count -> directory
    local n=$1 dir=$WORK/c$1
    local stamp
    stamp="$n $SEED $(sha256sum examples/gen_corpus.rs | cut -c1-16)"
    if [[ ! -f $dir/stamp || $(cat "$dir/stamp") != "$stamp" ]]; then
      say "generating $n articles into $dir"
      rm -rf "$dir"
      "$GEN" --count "$n" --seed "$SEED" --out "$dir" 2>/dev/null
      echo "$stamp" >"$dir/stamp"
    fi
    echo "$dir"
  }
  S=$(corpus "$SMALL")
  B=$(corpus "$BIG")

  # The newest article (first in both files, top of both lists, the longest
  # read) and the oldest; markers are the start of their titles.
  title_of() { # file head|tail -> first 6 characters of the first or last title
    "$2" -n 1 "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["title"][:6])'
  }
  NEWEST=$(title_of "$S/corpus.jsonl" head)
  OLDEST_BIG=$(title_of "$B/corpus.jsonl" tail)
  LONG_BYTES=$(head -1 "$S/corpus.jsonl" | python3 -c 'import json,sys; a=json.load(sys.stdin); print(sum(len(p.encode()) for p in a["body"]))')
  NEWEST_BIG=$(title_of "$B/corpus.jsonl" head)
  # kanbao shows a first screenful of a big file while the rest loads (its
  # status line says " 1/200  Top  loading… 13%"); the whole list is on
  # screen when it says " 1/100000  Top". Frames are diffs: only the cells
  # that change are written, here "1", a move over "00", then "000  Top"
  # (for any BIG that is a multiple of 1,000).
  LOADED_BIG="000  Top"

  # A private home: no user library, config or read marks get in the way.
  export HOME=$WORK/home XDG_DATA_HOME=$WORK/home/data XDG_CONFIG_HOME=$WORK/home/config \
    XDG_STATE_HOME=$WORK/home/state XDG_CACHE_HOME=$WORK/home/cache
  rm -rf "$HOME"
  mkdir -p "$HOME"
  export LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color
  unset NO_COLOR

  # --- newsboat: urls, config, cache ------------------------------------------
  newsboat_setup() { # name corpus-dir
    local d=$WORK/nb-$1
    rm -rf "$d"
    mkdir -p "$d"
    echo "file://$2/corpus.atom" >"$d/urls"
    # date-asc puts the newest article at the top in newsboat 2.x.
    printf '%s\n' 'article-sort-order date-asc' 'show-read-feeds yes' \
      'confirm-exit no' 'cleanup-on-quit no' >"$d/config"
    say "newsboat -x reload: importing $(basename "$2") into its cache"
    /usr/bin/time -v -o "$RES/nb-$1-import.time" \
      newsboat -u "$d/urls" -c "$d/cache.db" -C "$d/config" -x reload >/dev/null 2>&1
  }
  nb_cmd() { # name -> the newsboat command line for it, in NB
    local d=$WORK/nb-$1
    NB=(newsboat -u "$d/urls" -c "$d/cache.db" -C "$d/config")
  }
  newsboat_setup small "$S"

  # Every run: a fresh state directory, so every article starts unread.
  fresh() { rm -rf "$XDG_STATE_HOME"; }

  # --- SMALL: the same figures for each reader --------------------------------
  QUIT_NB=(--quit q --quit q --quit q --quit q)
  # A list step: j in kanbao; in newsboat's article list j is "next feed"
  # (it answers "Already on last feed." and moves nothing), so its step is
  # the Down key. Then 60 steps held down (2.4 s: auto-repeat sends one every
  # 40 ms), scrolling the list.
  JS=() JS_NB=()
  for _ in $(seq "$J_STEPS"); do JS+=(--key j) JS_NB+=(--key '<Down>'); done
  JS+=(--key-burst j 60 40) JS_NB+=(--key-burst '<Down>' 60 40)

  say "newsboat, $SMALL articles"
  nb_cmd small
  {
    "${PTY[@]}" --wait-for 看报基准语料 --key-until '<Enter>' "$NEWEST" --key '<Enter>' \
      --key-repeat '<Space>' 60 "${QUIT_NB[@]}" \
      -- /usr/bin/time -v -o "$RES/nb-small-read.time" "${NB[@]}" >"$RES/nb-small-read.json"
    "${PTY[@]}" --wait-for 看报基准语料 --key-until '<Enter>' "$NEWEST" "${JS_NB[@]}" "${QUIT_NB[@]}" \
      -- "${NB[@]}" >"$RES/nb-small-list.json"
    "${PTY[@]}" --wait-for 看报基准语料 --key-until '<Enter>' "$NEWEST" "${QUIT_NB[@]}" \
      -- "${NB[@]}" >"$RES/nb-small-start.json"
  }

  # Every SMALL run starts cold: no metadata cache either (kanbao would
  # read a JSONL file's scan from $XDG_CACHE_HOME/kanbao the second time).
  cold() { rm -rf "$XDG_CACHE_HOME"; }
  for fmt in jsonl atom; do
    say "kanbao, $SMALL articles, $fmt"
    fresh; cold
    # Space pages to the article's end (the status line's "Bot"): a Space
    # more would go on to the next unread article.
    "${PTY[@]}" --wait-for "$NEWEST" --key '<Enter>' --key-repeat-until '<Space>' Bot --quit Q \
      -- /usr/bin/time -v -o "$RES/kb-$fmt-read.time" "$KANBAO" "$S/corpus.$fmt" >"$RES/kb-$fmt-read.json"
    fresh; cold
    "${PTY[@]}" --wait-for "$NEWEST" "${JS[@]}" --quit Q -- "$KANBAO" "$S/corpus.$fmt" >"$RES/kb-$fmt-list.json"
    fresh; cold
    "${PTY[@]}" --wait-for "$NEWEST" --quit Q -- "$KANBAO" "$S/corpus.$fmt" >"$RES/kb-$fmt-start.json"
    # Second starts: with the metadata cache the first start wrote.
    for i in 2 3; do
      fresh
      "${PTY[@]}" --wait-for "$NEWEST" --quit Q -- "$KANBAO" "$S/corpus.$fmt" >"$RES/kb-$fmt-start$i.json"
    done
  done
  # The list alone, as newsboat shows it: the reader beside the list does
  # not follow the selection (layout.preview = false).
  fresh; cold
  mkdir -p "$XDG_CONFIG_HOME/kanbao"
  printf '[layout]\npreview = false\n' >"$XDG_CONFIG_HOME/kanbao/config.toml"
  "${PTY[@]}" --wait-for "$NEWEST" "${JS[@]}" --quit Q -- "$KANBAO" "$S/corpus.jsonl" >"$RES/kb-jsonl-list-nopreview.json"
  rm -f "$XDG_CONFIG_HOME/kanbao/config.toml"

  # --- BIG: wc -l, first frame, memory, key latency ---------------------------
  say "wc -l and kanbao on $BIG articles"
  cat "$B/corpus.jsonl" >/dev/null # warm the page cache
  for i in 1 2 3; do
    t0=$(date +%s.%N)
    wc -l "$B/corpus.jsonl" >/dev/null
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{printf "%.6f\n", $2 - $1}' >>"$RES/wc.times"
  done
  # Start 1 with nothing cached (the scan of the file), 2 and 3 with the
  # metadata cache the first one wrote in $XDG_CACHE_HOME/kanbao.
  rm -rf "$XDG_CACHE_HOME"
  for i in 1 2 3; do
    fresh
    "${PTY[@]}" --timeout 120 --wait-for "$LOADED_BIG" --quit Q \
      -- /usr/bin/time -v -o "$RES/kb-big-start$i.time" "$KANBAO" "$B/corpus.jsonl" >"$RES/kb-big-start$i.json"
  done
  # Move, page, jump to the end, search (CJK, then Latin after clearing).
  # A search key is answered by the first frame after it (the prompt with
  # the matches titles and metadata decide); bodies on disk are searched in
  # the background, and the status line says "N matches" when that is done
  # (the next key waits for it here, so each prefix is searched to the end).
  # Then (kanbao) the three sorts and mark-all-read on the whole list.
  LATENCY=(--key j --key j --key j --key '<PageDown>' --key '<PageDown>')
  LATENCY_NB=(--key '<Down>' --key '<Down>' --key '<Down>' --key '<PageDown>' --key '<PageDown>')
  fresh
  "${PTY[@]}" --timeout 120 --wait-for "$LOADED_BIG" "${LATENCY[@]}" --key-until G "$OLDEST_BIG" --key g \
    --key-until / '/█' --key-until 光 ' match' --key-until 伏 ' match' --key '<Enter>' \
    --key-until / '伏█' --key-until '<C-u>' '/█' --key-until a ' match' --key-until i ' match' --key '<Enter>' \
    --key '<Esc>' --key S --key S --key S --key A --quit Q \
    -- /usr/bin/time -v -o "$RES/kb-big-keys.time" "$KANBAO" "$B/corpus.jsonl" >"$RES/kb-big-keys.json"

  if [[ $NEWSBOAT_BIG == 1 ]]; then
    cat "$B/corpus.atom" >/dev/null
    newsboat_setup big "$B"
    say "newsboat, $BIG articles"
    nb_cmd big
    "${PTY[@]}" --timeout 120 --wait-for 看报基准语料 --key-until '<Enter>' "$NEWEST_BIG" "${LATENCY_NB[@]}" \
      --key-until '<End>' "$OLDEST_BIG" --key '<Home>' \
      --key / --type 光伏 --key-until '<Enter>' 'Search results' --key q \
      --key / --type ai --key-until '<Enter>' 'Search results' "${QUIT_NB[@]}" \
      -- /usr/bin/time -v -o "$RES/nb-big-keys.time" "${NB[@]}" >"$RES/nb-big-keys.json"
  fi

  printf '%s\n' "$SMALL" "$BIG" "$J_STEPS" "$LONG_BYTES" "$NEWSBOAT_BIG" "$("$KANBAO" --version)" \
    "$(newsboat --version | head -1 | cut -d' ' -f1-2)" "$(nproc) cores, $(uname -sr)" "$SIZE" >"$RES/meta"
  say "done in $(($(date +%s) - started)) s; raw results in $RES"
}

# REPORT_ONLY=1 prints the table from the results of the last run.
if [[ ${REPORT_ONLY:-0} != 1 ]]; then
  measure
fi

# --- the table ----------------------------------------------------------------
python3 - "$RES" <<'EOF'
import json, os, re, statistics, sys

res = sys.argv[1]
small, big, j_steps, long_bytes, nb_big, kanbao_version, newsboat_version, machine, size = \
    open(os.path.join(res, "meta")).read().splitlines()
small, big = int(small), int(big)
print(f"{kanbao_version} (release) vs {newsboat_version}; {machine}; terminal {size}")

def load(name):
    path = os.path.join(res, name)
    return json.load(open(path)) if os.path.exists(path) else None

def gnu_time(name):
    path = os.path.join(res, name)
    if not os.path.exists(path):
        return None, None
    text = open(path).read()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) * 1024
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", text)
    wall = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    return wall, rss

def list_time(run):
    """Seconds until the list is on screen: newsboat needs Enter on its feed."""
    if run is None:
        return None
    t = run["startup"]["marker_s"]
    steps = run["steps"]
    if steps and steps[0].get("marker") is not None and steps[0]["key"] == "<Enter>":
        t = None if t is None or steps[0]["marker_s"] is None else t + steps[0]["marker_s"]
    return t

def launch_to_end(run):
    """Bytes from launch to the last page of the article that changed the screen."""
    if run is None:
        return None
    total = run["startup"]["bytes"]
    for s in run["steps"]:
        total += s["effective_bytes"] if s.get("repeat") else s["bytes"]
    return total

def pages(run):
    return next((s["effective_presses"] for s in run["steps"] if s.get("repeat")), None) if run else None

STEP_KEYS = ("j", "<Down>")

def j_bytes(run):
    """Bytes of each single list step (j, or Down in newsboat)."""
    if run is None:
        return []
    return [s["bytes"] for s in run["steps"] if s["key"] in STEP_KEYS and "burst" not in s]

def burst(run):
    """Bytes per key of the held-down steps, the frame after them included."""
    if run is None:
        return None
    return next((s["per_key"] for s in run["steps"] if "burst" in s), None)

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None

def fmt_s(x):
    if x is None:
        return "—"
    if x < 0.01:
        return f"{x * 1000:.1f} ms"
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"

def fmt_b(x):
    if x is None:
        return "—"
    if x >= 1 << 30:
        return f"{x / (1 << 30):.2f} GiB"
    if x >= 1 << 20:
        return f"{x / (1 << 20):.1f} MiB"
    if x >= 10_000:
        return f"{x / 1000:.1f} KB"
    return f"{x:.0f} B"

def ratio(a, b):
    if a is None or b is None or b == 0:
        return "—"
    r = a / b
    return f"{r:.0f}×" if r >= 10 else f"{r:.2f}×" if r >= 0.1 else f"{r:.3f}×"

readers = {"newsboat": "nb-small", "kanbao jsonl": "kb-jsonl", "kanbao atom": "kb-atom"}
rows = []
def row(name, values, fmt, note=""):
    rows.append((name, [fmt(v) for v in values], [ratio(v, values[0]) for v in values[1:]], note))

runs = {k: [load(f"{p}-{s}.json") for s in ("read", "list", "start")] for k, p in readers.items()}
times = {k: gnu_time(f"{p}-read.time") for k, p in readers.items()}
jb = {k: j_bytes(runs[k][1]) for k in readers}

def nb_parts(rs):
    rs = [r for r in rs if r and r["steps"]]
    if not rs:
        return ""
    feeds = med(r["startup"]["marker_s"] for r in rs)
    enter = med(r["steps"][0]["marker_s"] for r in rs)
    return f"newsboat: launch→feed list {fmt_s(feeds)} + Enter→article list {fmt_s(enter)}"
row(f"list of {small} on screen (median of 3)", [med(list_time(r) for r in runs[k]) for k in readers], fmt_s,
    nb_parts(runs["newsboat"]) + "; kanbao: nothing cached")
warm_small = {k: med(list_time(load(f"{p}-start{i}.json")) for i in (2, 3)) for k, p in readers.items() if k != "newsboat"}
if all(v is not None for v in warm_small.values()):
    row(f"list of {small} on screen, second start (median of 2)", [med(list_time(r) for r in runs["newsboat"]), *warm_small.values()], fmt_s,
        "kanbao: with the metadata cache of the first start; newsboat: from its cache, as above")
step_range = lambda xs: f"{min(xs)}–{max(xs)}" if xs else "—"
row(f"bytes per list step (j; newsboat: Down), then a pause (median of {j_steps})", [med(jb[k]) for k in readers], fmt_b,
    "kanbao's two panes show the selected article beside the list after 100 ms (~3 KB); newsboat shows none until Enter. "
    + ", ".join(f"{k} {step_range(jb[k])}" for k in readers))
held = {k: burst(runs[k][1]) for k in readers}
row("bytes per list step, 60 held down (40 ms apart, the list scrolls; the final frame included)", list(held.values()), fmt_b,
    "kanbao: the marker moves at once, the article beside the list follows once the keys stop")
nopreview_run = load("kb-jsonl-list-nopreview.json")
nopreview = j_bytes(nopreview_run)
if nopreview:
    rows.append(("bytes per list step, list alone (layout.preview = false)", [fmt_b(med(jb["newsboat"])), fmt_b(med(nopreview)), "—"],
                 [ratio(med(nopreview), med(jb["newsboat"])), "—"],
                 f"kanbao {step_range(nopreview)}, held down {fmt_b(burst(nopreview_run))} per step; the reader beside the list changes on Enter"))
row("list step answered, to first byte (median)", [med(s["first_byte_s"] for s in (runs[k][1] or {"steps": []})["steps"] if s["key"] in STEP_KEYS and "burst" not in s) for k in readers], fmt_s,
    "kanbao: the marker moves in this frame, the article follows 100 ms later")
row(f"bytes launch → end of a {int(long_bytes) / 1000:.1f} KB article", [launch_to_end(runs[k][0]) for k in readers], fmt_b,
    "pages (Space): " + ", ".join(f"{k} {pages(runs[k][0])}" for k in readers) + "; × the article: "
    + ", ".join(f"{k} {launch_to_end(runs[k][0]) / int(long_bytes):.2f}" for k in readers if launch_to_end(runs[k][0])) + " (target ≤ 1.5)")
row("peak memory (launch, list, read it)", [times[k][1] for k in readers], fmt_b)
nb_import = gnu_time("nb-small-import.time")
rows.append((f"newsboat -x reload of {small} (import)", [fmt_s(nb_import[0]), "—", "—"], ["", ""], f"peak {fmt_b(nb_import[1])}; kanbao reads the files as they are"))

def table(title, header, rows):
    print(f"\n{title}\n")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))

table(f"{small} Chinese articles at 120x40 (same content; kanbao/newsboat ratios)",
      ["figure", "newsboat", "kanbao jsonl", "kanbao atom", "jsonl/nb", "atom/nb", "notes"],
      [[n, *v, *r, note] for n, v, r, note in rows])

# --- big
wc = [float(x) for x in open(os.path.join(res, "wc.times")).read().split()]
def marker(name):
    r = load(name)
    return r["startup"]["marker_s"] if r else None
def first_byte(name):
    r = load(name)
    return r["startup"].get("first_byte_s") if r else None
cold = marker("kb-big-start1.json")
warm = med([marker("kb-big-start2.json"), marker("kb-big-start3.json"), marker("kb-big-keys.json")])
early = med([first_byte(f"kb-big-start{i}.json") for i in (1, 2, 3)])
rss = max((gnu_time(f) [1] or 0) for f in ("kb-big-start1.time", "kb-big-start2.time", "kb-big-start3.time", "kb-big-keys.time"))
rss_cold = gnu_time("kb-big-start1.time")[1]
size = os.path.getsize(os.path.join(os.path.dirname(res), f"c{big}", "corpus.jsonl"))
big_rows = [
    [f"list on screen, nothing cached ({size / 1e6:.0f} MB file in the page cache)", fmt_s(med(wc)), fmt_s(cold), ratio(cold, med(wc)), "target ≤ 15×; wc -l: median of 3"],
    ["list on screen, second start (metadata cache)", fmt_s(med(wc)), fmt_s(warm), ratio(warm, med(wc)), "target ≤ 5×; median of 3 starts"],
    ["first output (the first screenful, while the rest loads)", "", fmt_s(early), "", "median of 3 starts: after 150 ms, unless loaded by then"],
    ["peak memory with it open (of 4 runs)", fmt_b(None), fmt_b(rss), "—", f"target ≤ 150 MB; cold start {fmt_b(rss_cold)}; {rss / size:.2f}× the file" if rss else ""],
]
table(f"{big} articles (JSONL): kanbao against wc -l", ["figure", "wc -l", "kanbao", "kanbao/wc", "notes"], big_rows)

kb = load("kb-big-keys.json")
nbk = load("nb-big-keys.json")
def step_time(s):
    """Until the key is answered: the expected text, else the first byte
    (kanbao's reader beside the list follows 100 ms later, by design)."""
    return s["marker_s"] if s.get("marker_s") is not None else (s["first_byte_s"] or 0)

def latency(run, picks):
    out, notes = [], []
    steps = run["steps"] if run else []
    if not steps:
        # Not measured (NEWSBOAT_BIG=0): an empty column, not a crash.
        return [None] * len(picks), [""] * len(picks)
    for label, pick in picks:
        sel = pick(steps)
        if not sel:
            out.append(None)
            notes.append("")
            continue
        out.append(sum(step_time(s) for s in sel))
        notes.append(" ".join(f"{s['key']} {fmt_s(step_time(s))}" for s in sel) if len(sel) > 1 else "")
    return out, notes

def seq(keys, start=0, nth=0):
    """Steps whose keys are `keys` in a row, the nth such run."""
    def pick(steps):
        found = 0
        for i in range(start, len(steps) - len(keys) + 1):
            if [s["key"] for s in steps[i:i + len(keys)]] == keys:
                if found == nth:
                    return steps[i:i + len(keys)]
                found += 1
        return None
    return pick

kb_picks = [
    ("move (j; newsboat: Down; median of 3)", lambda st: [sorted([s for s in st if s["key"] in STEP_KEYS][:3], key=step_time)[1]]),
    ("page (PageDown, 2nd)", lambda st: [[s for s in st if s["key"] == "<PageDown>"][1]]),
    ("jump to the end (G / End), until the oldest title shows", lambda st: [s for s in st if s["key"] in ("G", "<End>")][:1]),
    ("jump to the top (g / Home)", lambda st: [s for s in st if s["key"] in ("g", "<Home>")][:1]),
    ("sort (S by source, by title, by date: the slowest)", lambda st: [max([s for s in st if s["key"] == "S"], key=step_time)] if any(s["key"] == "S" for s in st) else None),
    (f"mark all {big:,} read (A)", lambda st: [s for s in st if s["key"] == "A"][:1]),
    ("search 光伏: keys / 光 伏 Enter, summed", seq(["/", "光", "伏", "<Enter>"])),
    ("search ai: keys a i Enter, summed", seq(["a", "i", "<Enter>"])),
]
def answered(s):
    """Until the screen answers the key: its first frame (one write)."""
    return s.get("first_byte_s")
def search_rows(run, keys):
    steps = (run or {"steps": []})["steps"]
    sel = seq(keys)(steps)
    if not sel:
        return None, None, ""
    typed = [s for s in sel if s["key"] != "<Enter>"]
    worst = max(answered(s) or 0 for s in typed)
    done = [s["marker_s"] for s in typed if s.get("marker_s") is not None and s["key"] not in ("/", "<C-u>")]
    note = " ".join(f"{s['key']} {fmt_s(answered(s))}" for s in typed)
    note += "; all searched after " + ", ".join(f"{s['key']} {fmt_s(s['marker_s'])}" for s in typed if s["key"] not in ("/", "<C-u>"))
    return worst, max(done) if done else None, note
if kb:
    # kanbao's search is as-you-type: each key answered at once, the bodies
    # searched in the background; report both instead of a sum.
    kb_picks = kb_picks[:-2]
kvals, knotes = latency(kb, kb_picks)
nvals, nnotes = latency(nbk, kb_picks)
lat_rows = []
for (label, _), k, n, kn, nn in zip(kb_picks, kvals, nvals, knotes, nnotes):
    note = "; ".join(x for x in (f"kanbao: {kn}" if kn else "", f"newsboat: {nn}" if nn else "") if x)
    lat_rows.append([label, fmt_s(n), fmt_s(k), ratio(k, n), note])
nb_search = latency(nbk, [("", seq(["/", "光", "伏", "<Enter>"])), ("", seq(["a", "i", "<Enter>"]))])[0] if nbk else [None, None]
for (query, keys), nb_total in zip([("光伏", ["/", "光", "伏", "<Enter>"]), ("ai", ["<C-u>", "a", "i", "<Enter>"])], nb_search):
    worst, done, note = search_rows(kb, keys)
    lat_rows.append([f"search {query}: slowest key answered (prompt + title matches on screen)", "", fmt_s(worst), "", f"target < 50 ms; kanbao: {note}"])
    lat_rows.append([f"search {query}: all {big:,} articles searched (kanbao: in the background, the slower prefix)", fmt_s(nb_total), fmt_s(done), ratio(done, nb_total),
                     "newsboat: its keys summed, mostly Enter; kanbao: from the key until \"N matches\""])
if kb:
    answered_steps = [s for s in kb["steps"] if s["key"] != "<Enter>"]
    slow = max(answered_steps, key=lambda s: answered(s) or 0)
    lat_rows.append(["slowest key answered (kanbao)", "", fmt_s(answered(slow)), "", f"key {slow['key']} (first byte or expected text)"])

nb_time = gnu_time("nb-big-keys.time")
kb_time = gnu_time("kb-big-keys.time")
lat_rows.append(["list on screen (launch [+ Enter])", fmt_s(list_time(nbk)), fmt_s(list_time(kb)), ratio(list_time(kb), list_time(nbk)),
                 nb_parts([nbk]) if nbk else ""])
lat_rows.append(["peak memory in this session", fmt_b(nb_time[1]), fmt_b(kb_time[1]), ratio(kb_time[1], nb_time[1]), ""])
nb_imp = gnu_time("nb-big-import.time")
if nb_imp[0] is not None:
    lat_rows.append([f"newsboat -x reload of {big} (import)", fmt_s(nb_imp[0]), "—", "", f"peak {fmt_b(nb_imp[1])}"])
table(f"{big} articles: key → answer (from writing the key to its first byte, or to the expected screen)",
      ["figure", "newsboat (atom→cache)" if nb_big == "1" else "newsboat (skipped)", "kanbao (jsonl)", "kanbao/nb", "notes"],
      lat_rows)
EOF
