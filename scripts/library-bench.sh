#!/usr/bin/env bash
# kanbao's library database (library.sqlite3) against newsboat's cache, on
# the same articles, side by side in one run, as ratios against targets.
#
#   scripts/library-bench.sh            # BIG=100000: about 5 minutes on 2 cores
#   BIG=20000 scripts/library-bench.sh  # a quick run
#
# The corpus is scripts/bench.sh's (examples/gen_corpus.rs): BIG Chinese
# articles as JSON Lines and as the identical Atom feed. Then, with a
# private HOME and XDG directories, so that kanbao's library is only these:
#
#   1. import: `kanbao import corpus.jsonl` into an empty library database
#      against `newsboat -x reload` of corpus.atom (a file:// URL) into an
#      empty cache: wall time and peak memory (/usr/bin/time -v), twice each,
#      interleaved; the library and the cache of the last runs are kept;
#   2. start: the browser on that library (no paths) until its whole first
#      screen is there (the status line says `1/BIG  Top`), and newsboat on
#      its cache until its article list is (launch, its feed list, Enter):
#      once after dropping the page cache (as root: it slows whatever else
#      runs for a moment; else the database, newsboat's cache and both
#      programs are evicted, and if that fails too the table says "warm"),
#      then (after one start each not counted) three warm starts each,
#      interleaved; peak memory with it open;
#   3. `kanbao unread` against `newsboat -x print-unread`: median of RUNS;
#   4. `kanbao list --query 光伏` and `--query Linux` (the full result, to a
#      file) against `grep -c` of the same word on the JSONL: median of 3,
#      peak memory;
#   5. in a 120x40 pseudo-terminal (scripts/ptybytes.py), with
#      `layout.preview = false` in kanbao's config: launch, 20 list steps
#      (j; newsboat: Down, in its article list, after Enter on its feed),
#      open (Enter), two pages (Space), quit: bytes written to the terminal
#      (up to the quit key), and those of the launch alone;
#   6. keys, after `kanbao index` has brought the search index up to date
#      (timed): in the same pty, the time from each key to the frame that
#      answers it (j, G, g, S three times, Enter and Esc, a search's
#      first character and the second's first answer), the time from the
#      second character of `/光伏` to the full result ("N matches"), and
#      the browser's peak memory through all that. Twice; the median.
#
#   BIG=1000000 NEWSBOAT=0 scripts/library-bench.sh
#
# measures a million articles without newsboat (whose import of them would
# take most of an hour and ~20 GB; NEWSBOAT defaults to 0 from 500,000).
#
# Environment: WORK (default /tmp/kanbao-library-bench), BIG (100000), SEED,
# RUNS (runs of unread, default 7), REPORT_ONLY (1: print the table again
# from the last run's results), CARGO_TARGET_DIR (where the release build
# is). Raw results (/usr/bin/time -v output, ptybytes JSON, times, the load
# of the machine before each phase) are left in $WORK/results. newsboat and
# GNU time are installed with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${WORK:-/tmp/kanbao-library-bench}
BIG=${BIG:-100000}
SEED=${SEED:-20240630}
RUNS=${RUNS:-7}
NEWSBOAT=${NEWSBOAT:-$((BIG < 500000))}
SIZE=120x40
# A step ends after 1 s without output: longer than any pause of kanbao's
# while the list loads behind its first screenful (its progress says
# nothing for 0.3 s, then changes every 0.25 s), so the bytes and the peak
# memory of a start are those of the whole load, not of its first screen.
PTY=(python3 "$ROOT/scripts/ptybytes.py" --size "$SIZE" --tail 0 --quiet-ms 1000)
RES=$WORK/results
started=$(date +%s)

say() { printf '== %s\n' "$*" >&2; }

measure() {
  # --- tools (as scripts/bench.sh) ---------------------------------------------
  missing=()
  if ((NEWSBOAT)); then command -v newsboat >/dev/null || missing+=(newsboat); fi
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
  local target=${CARGO_TARGET_DIR:-$ROOT/target}
  KANBAO=$target/release/kanbao
  GEN=$target/release/examples/gen_corpus

  mkdir -p "$WORK" "$RES"
  rm -f "$RES"/*

  # --- the corpus (made again only when the generator, count or seed changed) --
  local dir=$WORK/c$BIG stamp
  stamp="$BIG $SEED $(sha256sum examples/gen_corpus.rs | cut -c1-16)"
  if [[ ! -f $dir/stamp || $(cat "$dir/stamp") != "$stamp" ]]; then
    say "generating $BIG articles into $dir"
    rm -rf "$dir"
    "$GEN" --count "$BIG" --seed "$SEED" --out "$dir" 2>/dev/null
    echo "$stamp" >"$dir/stamp"
  fi
  B=$dir
  title_of() { # file line -> the first 6 characters of that line's title
    sed -n "${2}p" "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["title"][:6])'
  }
  NEWEST=$(title_of "$B/corpus.jsonl" 1)
  # After 20 steps down from the top: the 21st newest, in both lists.
  OPENED=$(title_of "$B/corpus.jsonl" 21)
  # The whole list is on screen when the status line says " 1/100000  Top";
  # a first screenful shown while the rest loads says " 1/200  Top  loading…",
  # and frames are diffs (only changed cells are written): "000  Top" is the
  # last run of the full line for any BIG that is a multiple of 1,000.
  if ((BIG % 1000 == 0)); then LOADED="000  Top"; else LOADED="/$BIG  Top"; fi
  # With `preview = false` the pane beside the list says what Enter does
  # until it is pressed, and the status line has no place in an article.
  UNOPENED="Enter" # spaces are cursor moves.

  # A private home: no user library, config or read marks get in the way.
  export HOME=$WORK/home XDG_DATA_HOME=$WORK/home/data XDG_CONFIG_HOME=$WORK/home/config \
    XDG_STATE_HOME=$WORK/home/state XDG_CACHE_HOME=$WORK/home/cache
  rm -rf "$HOME"
  mkdir -p "$HOME"
  export LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color
  unset NO_COLOR
  DB=$XDG_DATA_HOME/kanbao/library.sqlite3
  # Every run: a fresh state directory, so every article starts unread.
  fresh() { rm -rf "$XDG_STATE_HOME"; }

  NBD=$WORK/nb
  rm -rf "$NBD"
  mkdir -p "$NBD"
  echo "file://$B/corpus.atom" >"$NBD/urls"
  # date-asc puts the newest article at the top in newsboat 2.x.
  printf '%s\n' 'article-sort-order date-asc' 'show-read-feeds yes' \
    'confirm-exit no' 'cleanup-on-quit no' >"$NBD/config"
  NB=(newsboat -u "$NBD/urls" -c "$NBD/cache.db" -C "$NBD/config")

  load() { # phase -> the load of the machine, and its busiest processes, into results
    {
      printf '%s %s\n' "$1" "$(cut -d' ' -f1-3 /proc/loadavg)"
      ps -eo pcpu=,comm= --sort=-pcpu | head -4 | awk '{printf "  %s%% %s\n", $1, $2}'
    } >>"$RES/load"
  }
  now() { echo "$EPOCHREALTIME"; }
  elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f\n", b - a }'; }

  # --- 1. import ----------------------------------------------------------------
  cat "$B/corpus.jsonl" "$B/corpus.atom" >/dev/null # both inputs in the page cache
  for i in 1 2; do
    load "import-$i"
    say "import $i/2: kanbao import of $BIG articles"
    rm -rf "$XDG_DATA_HOME" && fresh
    /usr/bin/time -v -o "$RES/kb-import-$i.time" "$KANBAO" import "$B/corpus.jsonl" \
      >"$RES/kb-import-$i.out" 2>&1
    ((NEWSBOAT)) || continue
    say "import $i/2: newsboat -x reload of the same $BIG articles"
    rm -f "$NBD/cache.db" "$NBD/cache.db.lock"
    /usr/bin/time -v -o "$RES/nb-import-$i.time" "${NB[@]}" -x reload >/dev/null 2>&1
  done
  # What the import left: the database and its log, and newsboat's cache.
  stat -c '%n %s' "$XDG_DATA_HOME"/kanbao/* "$NBD"/cache.db* >"$RES/files" 2>/dev/null || true
  grep -q "$BIG new" "$RES/kb-import-2.out" ||
    { cat "$RES/kb-import-2.out" >&2; say "kanbao import did not store $BIG articles"; exit 1; }

  # --- 2. start -----------------------------------------------------------------
  QUIT_NB=(--quit q --quit q --quit q --quit q)
  kb_start() { # name
    fresh
    "${PTY[@]}" --timeout 120 --wait-for "$LOADED" --quit Q \
      -- /usr/bin/time -v -o "$RES/kb-start-$1.time" "$KANBAO" >"$RES/kb-start-$1.json"
  }
  nb_start() { # name
    ((NEWSBOAT)) || return 0
    "${PTY[@]}" --timeout 120 --wait-for 看报基准语料 --key-until '<Enter>' "$NEWEST" "${QUIT_NB[@]}" \
      -- /usr/bin/time -v -o "$RES/nb-start-$1.time" "${NB[@]}" >"$RES/nb-start-$1.json"
  }
  drop() { # -> how the page cache was emptied, into results/cold
    sync
    if { echo 3 >/proc/sys/vm/drop_caches; } 2>/dev/null; then
      echo "dropped (drop_caches)" >"$RES/cold"
    elif python3 - "$DB" "$DB-wal" "$DB-shm" "$KANBAO" "$NBD/cache.db" "$(command -v newsboat)" <<'EOF' 2>/dev/null; then
import os, sys
for p in sys.argv[1:]:
    if os.path.exists(p):
        fd = os.open(p, os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
EOF
      echo "evicted (the database, newsboat's cache and both programs, posix_fadvise)" >"$RES/cold"
    else
      echo "warm (the page cache could not be emptied)" >"$RES/cold"
    fi
  }
  load start-cold
  say "start: kanbao, then newsboat, each after emptying the page cache"
  drop
  kb_start cold
  drop
  nb_start cold
  # One start each, not counted, to fill the page cache again: the second
  # drop emptied it of kanbao's pages too.
  kb_start warmup
  nb_start warmup
  load start-warm
  for i in 1 2 3; do
    say "start $i/3 (warm): kanbao, newsboat"
    kb_start "warm$i"
    nb_start "warm$i"
  done

  # --- 3. unread ----------------------------------------------------------------
  load unread
  say "unread: kanbao unread, newsboat -x print-unread, $RUNS times each"
  fresh
  for i in $(seq "$RUNS"); do
    t0=$(now)
    /usr/bin/time -v -o "$RES/kb-unread-$i.time" "$KANBAO" unread >"$RES/kb-unread.out"
    t1=$(now)
    elapsed "$t0" "$t1" >>"$RES/kb-unread.times"
    ((NEWSBOAT)) || continue
    t0=$(now)
    /usr/bin/time -v -o "$RES/nb-unread-$i.time" "${NB[@]}" -x print-unread >"$RES/nb-unread.out"
    t1=$(now)
    elapsed "$t0" "$t1" >>"$RES/nb-unread.times"
  done

  # --- 4. list --query ----------------------------------------------------------
  load query
  for word in 光伏 Linux; do
    say "query $word: kanbao list --query, grep -c, 3 times each"
    for i in 1 2 3; do
      t0=$(now)
      /usr/bin/time -v -o "$RES/kb-query-$word-$i.time" "$KANBAO" list --query "$word" >"$RES/kb-query-$word.out"
      t1=$(now)
      elapsed "$t0" "$t1" >>"$RES/kb-query-$word.times"
      t0=$(now)
      /usr/bin/time -v -o "$RES/grep-$word-$i.time" grep -c "$word" "$B/corpus.jsonl" >"$RES/grep-$word.out" || true
      t1=$(now)
      elapsed "$t0" "$t1" >>"$RES/grep-$word.times"
    done
    wc -l <"$RES/kb-query-$word.out" >"$RES/kb-query-$word.count"
  done

  # --- 5. bytes of a short session ----------------------------------------------
  load session
  mkdir -p "$XDG_CONFIG_HOME/kanbao"
  printf '[layout]\npreview = false\n' >"$XDG_CONFIG_HOME/kanbao/config.toml"
  JS=() JS_NB=()
  for _ in $(seq 20); do JS+=(--key j) JS_NB+=(--key '<Down>'); done
  for i in 1 2; do
    say "session $i/2: launch, 20 steps, open, 2 pages, quit: kanbao, newsboat"
    fresh
    "${PTY[@]}" --timeout 120 --wait-for "$UNOPENED" "${JS[@]}" --key-until '<Enter>' "$OPENED" \
      --key '<Space>' --key '<Space>' --quit Q -- "$KANBAO" >"$RES/kb-session-$i.json"
    ((NEWSBOAT)) || continue
    "${PTY[@]}" --timeout 120 --wait-for 看报基准语料 --key-until '<Enter>' "$NEWEST" "${JS_NB[@]}" \
      --key-until '<Enter>' "$OPENED" --key '<Space>' --key '<Space>' "${QUIT_NB[@]}" \
      -- "${NB[@]}" >"$RES/nb-session-$i.json"
  done
  rm -f "$XDG_CONFIG_HOME/kanbao/config.toml"

  # --- 6. keys, with the search index up to date --------------------------------
  load index
  say "index: kanbao index"
  t0=$(now)
  /usr/bin/time -v -o "$RES/kb-index.time" "$KANBAO" index >"$RES/kb-index.out" 2>&1
  t1=$(now)
  elapsed "$t0" "$t1" >"$RES/kb-index.times"
  load keys
  # A step ends after 150 ms without output: the search's progress (every
  # 250 ms) is not waited for, so a search key's step is its first answer.
  KEYS=(python3 "$ROOT/scripts/ptybytes.py" --size "$SIZE" --tail 0 --quiet-ms 150)
  for i in 1 2; do
    say "keys $i/2: j G g S S S Enter Esc, then /光伏 to its full result"
    fresh
    "${KEYS[@]}" --timeout 300 --wait-for "$LOADED" --key j --key G --key g --key S --key S --key S \
      --key '<Enter>' --key '<Esc>' --key / --key 光 --key-until 伏 matches --key '<Esc>' --quit Q \
      -- /usr/bin/time -v -o "$RES/kb-keys-$i.time" "$KANBAO" >"$RES/kb-keys-$i.json"
  done
  load end

  local nbv="newsboat (not run)"
  ((NEWSBOAT)) && nbv=$(newsboat --version | head -1 | cut -d' ' -f1-2)
  printf '%s\n' "$BIG" "$("$KANBAO" --version)" "$nbv" \
    "$(nproc) cores, $(uname -s)" "$SIZE" "$(du -b "$B/corpus.jsonl" | cut -f1)" "$(git rev-parse --short HEAD)" >"$RES/meta"
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
big, kanbao_version, newsboat_version, machine, size, jsonl_bytes, commit = \
    open(os.path.join(res, "meta")).read().splitlines()
big, jsonl_bytes = int(big), int(jsonl_bytes)

def path(name):
    return os.path.join(res, name)

def load(name):
    return json.load(open(path(name))) if os.path.exists(path(name)) else None

def gnu_time(name):
    if not os.path.exists(path(name)):
        return None, None
    text = open(path(name)).read()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) * 1024
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", text)
    wall = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    return wall, rss

def times(name):
    return [float(x) for x in open(path(name)).read().split()] if os.path.exists(path(name)) else []

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

def verdict(ok):
    return "—" if ok is None else "ok" if ok else "MISSED"

MB = 1_000_000  # targets in MB are 10^6 bytes
rows = []
def row(figure, kb, other, fmt, target, ok, note=""):
    rows.append([figure, fmt(kb), fmt(other), ratio(kb, other), target, verdict(ok), note])

def under(x, limit):
    return None if x is None else x < limit

# 1. import
kb_imp = [gnu_time(f"kb-import-{i}.time") for i in (1, 2)]
nb_imp = [gnu_time(f"nb-import-{i}.time") for i in (1, 2)]
kb_wall, nb_wall = med(w for w, _ in kb_imp), med(w for w, _ in nb_imp)
kb_rss = max((r or 0) for _, r in kb_imp) or None
nb_rss = max((r or 0) for _, r in nb_imp) or None
runs = lambda xs: ", ".join(fmt_s(w) for w, _ in xs)
row(f"import {big:,} articles (newsboat: -x reload, file://), wall", kb_wall, nb_wall, fmt_s,
    "≥ 2× faster (ratio ≤ 0.50)", None if kb_wall is None or nb_wall is None else kb_wall <= nb_wall / 2,
    f"median of 2; kanbao {runs(kb_imp)}; newsboat {runs(nb_imp)}")
files = open(path("files")).read() if os.path.exists(path("files")) else ""
sizes = [(os.path.basename(n), int(s)) for n, s in (l.rsplit(" ", 1) for l in files.splitlines())]
db_note = ", ".join(f"{n} {fmt_b(s)}" for n, s in sizes)
row("import, peak memory (of 2)", kb_rss, nb_rss, fmt_b, "< 150 MB", under(kb_rss, 150 * MB),
    f"files after it: {db_note}; JSONL {fmt_b(jsonl_bytes)}")

# 2. start
def kb_screen(run):
    return run["startup"]["marker_s"] if run else None
def nb_screen(run):
    """launch → feed list, + Enter → article list."""
    if not run or not run["steps"] or run["startup"]["marker_s"] is None or run["steps"][0]["marker_s"] is None:
        return None, None
    return run["startup"]["marker_s"] + run["steps"][0]["marker_s"], run["startup"]["marker_s"]
cold = open(path("cold")).read().strip() if os.path.exists(path("cold")) else "?"
kb_cold = kb_screen(load("kb-start-cold.json"))
nb_cold, nb_cold_feeds = nb_screen(load("nb-start-cold.json"))
warm_names = [f"warm{i}" for i in (1, 2, 3)]
kb_warm = [kb_screen(load(f"kb-start-{n}.json")) for n in warm_names]
nb_warm = [nb_screen(load(f"nb-start-{n}.json")) for n in warm_names]
first_out = med(load(f"kb-start-{n}.json")["startup"]["first_byte_s"] for n in ["cold", *warm_names] if load(f"kb-start-{n}.json"))
row(f"start: whole first screen (status 1/{big}), page cache {cold.split(' ')[0]}", kb_cold, nb_cold, fmt_s, "< 100 ms",
    under(kb_cold, 0.1), f"{cold}; newsboat: launch→feed list {fmt_s(nb_cold_feeds)} + Enter→article list")
row("start: whole first screen, warm (median of 3)", med(kb_warm), med(t for t, _ in nb_warm), fmt_s, "< 100 ms",
    under(med(kb_warm), 0.1),
    f"kanbao {', '.join(fmt_s(x) for x in kb_warm)}, first output after {fmt_s(first_out)} (median of 4); "
    f"newsboat launch→feed list {fmt_s(med(f for _, f in nb_warm))}")
kb_start_rss = [gnu_time(f"kb-start-{n}.time")[1] for n in ["cold", *warm_names]]
nb_start_rss = [gnu_time(f"nb-start-{n}.time")[1] for n in ["cold", *warm_names]]
kmax = max((x or 0) for x in kb_start_rss) or None
nmax = max((x or 0) for x in nb_start_rss) or None
row("start: peak memory with it open, quit with q (of 4)", kmax, nmax, fmt_b, "< 100 MB", under(kmax, 100 * MB),
    f"kanbao cold {fmt_b(kb_start_rss[0])}")

# 3. unread
kb_un, nb_un = times("kb-unread.times"), times("nb-unread.times")
count = lambda name: open(path(name)).read().strip().replace("\n", " ") if os.path.exists(path(name)) else "?"
un_rss = max((gnu_time(f"kb-unread-{i}.time")[1] or 0) for i in range(1, len(kb_un) + 1)) if kb_un else None
row(f"unread (newsboat: -x print-unread), median of {len(kb_un)}", med(kb_un), med(nb_un), fmt_s, "< 50 ms",
    under(med(kb_un), 0.05),
    f"kanbao {fmt_s(min(kb_un, default=None))}–{fmt_s(max(kb_un, default=None))}, prints {count('kb-unread.out')}, peak {fmt_b(un_rss)}; "
    f"newsboat {fmt_s(min(nb_un, default=None))}–{fmt_s(max(nb_un, default=None))}, prints \"{count('nb-unread.out')}\"")

# 4. list --query
for word in ("光伏", "Linux"):
    kt, gt = times(f"kb-query-{word}.times"), times(f"grep-{word}.times")
    k_rss = max((gnu_time(f"kb-query-{word}-{i}.time")[1] or 0) for i in (1, 2, 3)) or None
    g_rss = max((gnu_time(f"grep-{word}-{i}.time")[1] or 0) for i in (1, 2, 3)) or None
    note = f"{count(f'kb-query-{word}.count')} articles listed; grep -c: {count(f'grep-{word}.out')} lines"
    row(f"list --query {word}, full result (against grep -c on the JSONL), median of 3", med(kt), med(gt), fmt_s,
        "< 2 s", under(med(kt), 2.0), f"kanbao {', '.join(fmt_s(x) for x in kt)}"
        + (" (the first reads its rows from disk: the page cache was emptied for the cold start)" if cold.startswith(("dropped", "evicted")) else "")
        + "; " + note)
    row(f"list --query {word}, peak memory (of 3)", k_rss, g_rss, fmt_b, "< 150 MB", under(k_rss, 150 * MB))

# 5. a short session's bytes
def session(run, nb):
    """(total, launch, open step found): launch is startup (+ Enter for newsboat)."""
    if not run:
        return None, None, None
    launch = run["startup"]["bytes"] + (run["steps"][0]["bytes"] if nb else 0)
    opened = [s for s in run["steps"] if s.get("marker") is not None][-1]
    return run["total_bytes"], launch, opened["marker_s"] is not None
kb_s = [session(load(f"kb-session-{i}.json"), False) for i in (1, 2)]
nb_s = [session(load(f"nb-session-{i}.json"), True) for i in (1, 2)]
def spread(xs):
    xs = sorted(set(x for x in xs if x is not None))
    return " / ".join(str(x) for x in xs)
kt, nt = med(s[0] for s in kb_s), med(s[0] for s in nb_s)
kl, nl = med(s[1] for s in kb_s), med(s[1] for s in nb_s)
same = all(s[2] for s in kb_s + nb_s if s[0] is not None)
nb1 = load("nb-session-1.json")
row("session bytes: launch, 20 j, Enter, 2 Space (preview = false; newsboat: +Enter on the feed, Down ×20)", kt, nt, fmt_b,
    "≤ newsboat", None if kt is None or nt is None else kt <= nt,
    f"median of 2 (kanbao {spread(s[0] for s in kb_s)} B, newsboat {spread(s[0] for s in nb_s)} B); "
    f"both opened the 21st newest: {'yes' if same else 'NO'}; the quit not counted")
row("session bytes: the launch alone (newsboat: feed list + Enter → article list)", kl, nl, fmt_b,
    "≤ 1.2× newsboat", None if kl is None or nl is None else kl <= 1.2 * nl,
    f"newsboat's feed list alone {fmt_b(nb1['startup']['bytes']) if nb1 else '—'}")
for name, nb in (("kanbao", False), ("newsboat", True)):
    run = load(f"{'nb' if nb else 'kb'}-session-1.json")
    if run:
        steps = run["steps"][1:] if nb else run["steps"]
        moves = [s["bytes"] for s in steps[:20]]
        rest = " ".join(f"{s['key']} {s['bytes']}" for s in steps[20:])
        rows.append([f"  ({name}: 20 steps {sum(moves)} B, {min(moves)}–{max(moves)} each; {rest})", "", "", "", "", "", ""])

# 6. keys
idx_wall, idx_rss = gnu_time("kb-index.time")
row("kanbao index (what the import left to the index)", idx_wall, None, fmt_s, "", None,
    f"peak {fmt_b(idx_rss)}; {count('kb-index.out')}")
key_runs = [load(f"kb-keys-{i}.json") for i in (1, 2)]
key_runs = [r for r in key_runs if r]
if key_runs:
    names = [s["key"] for s in key_runs[0]["steps"]]
    slowest = 0.0
    parts = []
    for n, name in enumerate(names):
        if name in ("伏", "<Esc>") and n == len(names) - 1:
            continue
        # The answer is the frame the key draws (the list, the prompt); the
        # reader beside the list follows once the selection has rested for
        # layout.preview_delay_ms (100 ms), by design, in a frame of its own.
        ts = [r["steps"][n]["first_byte_s"] for r in key_runs if r["steps"][n].get("first_byte_s") is not None]
        t = med(ts)
        if name == "伏":
            first = med(r["steps"][n].get("first_byte_s") for r in key_runs)
            full = med(r["steps"][n].get("marker_s") for r in key_runs)
            row("search: the full result of /光伏 (from its second character)", full, None, fmt_s,
                "< 1 s", under(full, 1.0), f"first answer after {fmt_s(first)}")
            t = first
        if t is not None:
            slowest = max(slowest, t)
            parts.append(f"{name} {fmt_s(t)}")
    row("keys: the slowest answer (j G g S S S Enter Esc / 光 伏), median of 2", slowest, None, fmt_s,
        "< 50 ms", under(slowest, 0.05), "; ".join(parts))
    k_rss = max((gnu_time(f"kb-keys-{i}.time")[1] or 0) for i in (1, 2)) or None
    row("keys: peak memory through all that", k_rss, None, fmt_b, "< 150 MB", under(k_rss, 150 * MB))

print(f"{kanbao_version} (release, {commit}) vs {newsboat_version}; {machine}; terminal {size}")
loadtxt = open(path("load")).read() if os.path.exists(path("load")) else ""
phases = re.findall(r"^(\S+) ([\d.]+) ([\d.]+) ([\d.]+)$", loadtxt, re.M)
if phases:
    print("load average (1 min) before each phase: " + ", ".join(f"{p} {a}" for p, a, _, _ in phases))
header = ["figure", "kanbao", "newsboat / grep", "ratio", "target", "", "notes"]
print(f"\n{big:,} articles: kanbao's library database against newsboat's cache (ratio: kanbao / the other)\n")
widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"
print(line(header))
print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
for r in rows:
    print(line(r))
missed = sum(r[5] == "MISSED" for r in rows)
print(f"\n{missed} target(s) missed" if missed else "\nevery target met")
EOF
