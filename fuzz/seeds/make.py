#!/usr/bin/env python3
"""Writes the seed corpus fuzz/seeds/<target>/ from tests/fixtures and data/.

Run from anywhere: python3 fuzz/seeds/make.py (fuzz/run.sh does when needed). The
run script copies it into fuzz/corpus/<target>/ (which is not committed).
"""
import json
import pathlib
import shutil

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEEDS = ROOT / "fuzz" / "seeds"
FIX = ROOT / "tests" / "fixtures"


def out(target, name, data):
    d = SEEDS / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    (d / name).write_bytes(data)


def strings(v):
    """Every string inside a JSON value."""
    if isinstance(v, str):
        yield v
    elif isinstance(v, list):
        for x in v:
            yield from strings(x)
    elif isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from strings(x)


for t in ["article_json", "sanitize", "typeset", "keys", "query", "feed", "html", "textdump", "opml"]:
    shutil.rmtree(SEEDS / t, ignore_errors=True)

OPML = """<?xml version="1.0"?>
<opml version="1.0"><head><title>newsboat</title></head><body>
  <outline text="新闻">
    <outline text="示例日报" type="rss" xmlUrl="https://example.org/a.xml" htmlUrl="https://example.org/"/>
    <outline title="B &amp; c" xmlUrl="https://example.org/b.xml?a=1&amp;b=2"></outline>
  </outline>
  <outline text="dup" xmlUrl="https://example.org/a.xml"/>
</body></opml>
"""

# article_json: '0' JSON, '1' JSON Lines, '2' feed, '3' HTML, '4' text dump,
# '5' OPML, '6' detect (named .json), '7' detect (named .jsonl).
for f in sorted((ROOT / "data").glob("*.json")):
    out("article_json", "6-" + f.name, b"6" + f.read_bytes())
for f in sorted((FIX / "hostile").glob("*.json*")):
    sel = b"0" if f.suffix == ".json" else b"1"
    out("article_json", sel.decode() + "-" + f.name, sel + f.read_bytes())
for f in sorted((FIX / "feeds").iterdir()):
    out("article_json", "7-" + f.name, b"7" + f.read_bytes())
for f in sorted((FIX / "pages").iterdir()):
    out("article_json", "3-" + f.name, b"3" + f.read_bytes())
for f in sorted((FIX / "textdump").iterdir()):
    out("article_json", "4-" + f.name, b"4" + f.read_bytes())
out("article_json", "5-subs.opml", "5" + OPML)

# sanitize: the hostile strings, decoded (real ESC, C1, bidi…).
hostile = set()
for f in sorted((FIX / "hostile").glob("*.json*")):
    text = f.read_text(encoding="utf-8")
    docs = [json.loads(text)] if f.suffix == ".json" else []
    if f.suffix != ".json":
        for line in text.splitlines():
            try:
                docs.append(json.loads(line))
            except ValueError:
                pass
    for d in docs:
        hostile.update(s for s in strings(d) if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in s))
for i, s in enumerate(sorted(hostile, key=len)[:40]):
    out("sanitize", f"hostile-{i:02}", s)
out("sanitize", "tabs-crlf", "ab\tc\r\nx\ty\rz\u202e evil\u2066\u2069 👩\u200d👩\u200d👧")

# typeset: first byte is the width.
paragraphs = []
for f in sorted((ROOT / "data").glob("*.json")):
    a = json.loads(f.read_text(encoding="utf-8"))
    body = a.get("body", [])
    paragraphs.append((f.stem, a["title"], body[0] if body else ""))
for stem, title, first in paragraphs:
    out("typeset", f"w40-{stem}", b"\x28" + first.encode())
    out("typeset", f"w7-{stem}-title", b"\x07" + title.encode())
out("typeset", "w2-kinsoku", b"\x02" + "他说——我们走吧……“新星”产业群，ＡＢ，ＣＤ".encode())
out("typeset", "w4-clusters", b"\x04" + "e\u0301e\u0301e\u0301 👩\u200d👩\u200d👧 🇨🇳🇰🇷 か\u3099\nsupercalifragilistic".encode())
out("typeset", "w12-numbers", b"\x0c" + "生产阿特斯最新210HiKu7产品，功率高达670W。日期2023-01-06发布".encode())

# keys
for i, k in enumerate(["j<Enter><C-d>", "<lt><S-Tab><PageDown><F1>", "gg<c-u><BS>", "<Nope>", "<C-", "看<Space>"]):
    out("keys", f"keys-{i}", k)

# query: the query, then NUL and a line to search.
for i, q in enumerate([
    "光伏 产业\0嘉兴光伏产业发展",
    "ＡＩ “光伏 产业” -Ads SOURCE:嘉兴日报 is:unread\0ＡＩ芯片与光伏产业：ai 光伏",
    "\"exact \\\"phrase\\\"\" -word\0an exact \"phrase\" here",
    "source:\"示例 日报\" lang:zh after:2024-01-01 before:2024-02-01 -is:read",
    "after:2024-13-01",
    "ｶﾞｲﾄﾞ Straße ΣΊΣΥΦΟΣ İstanbul\0ガイド STRASSE σίσυφος istanbul",
    "https://example.org/a 时间：2024 source：嘉兴日报 foo:bar",
    "- -\"\" ＂x＂ “a”\0- x a",
]):
    out("query", f"query-{i}", q)

# feed, html, textdump, opml: the fixtures as they are.
for f in sorted((FIX / "feeds").iterdir()):
    out("feed", f.name, f.read_bytes())
for f in sorted((FIX / "pages").iterdir()):
    out("html", f.name, f.read_bytes())
out("html", "fragment.html", '<p>详见<a href="a.html">报道</a>。</p><ol start="3"><li>一<li>二<ul><li>x</ul></ol>'
    '<blockquote><p>引</p></blockquote><table><tr><td>a<td>b</table><pre> x\n  y</pre><img alt="图">'
    '<p hidden>no</p><br><a href="javascript:x">js</a><a href="mailto:a@b.c">m</a>')
for f in sorted((FIX / "textdump").iterdir()):
    out("textdump", f.name, f.read_bytes())
out("opml", "subs.opml", OPML)
out("opml", "kanbao.opml", '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n  <head>\n    <title>kanbao subscriptions</title>\n  </head>\n  <body>\n'
    '    <outline type="rss" text="回环" title="回环" xmlUrl="file:///tmp/x.xml"/>\n  </body>\n</opml>\n')

# Hostile shapes for the HTML budget and the lazy cut of long runs (small
# versions of what scripts/hostile-inputs.py writes; libFuzzer cuts inputs
# to -max_len anyway).
SHAPES = {
    "divs": "<div/>" * 6000,
    "open-divs": "<div>" * 6000,
    "stray-end": "<span>" * 400 + "x" + "</b>" * 10000,
    "formatting": "<b><i><u>x" * 4000,
    "formatting-attrs": "".join(f"<b id={i}>x" for i in range(4000)),
    "adoption": "<a><b><p>x</a>" * 3000,
    "table": "<table>" + "<b>x<div>y" * 4000,
    "select": "<select><option>x" * 3000,
    "template": "<template>x" * 4000,
    "lists": "<ul><li>x" * 4000,
    "attrs": "<p " + " ".join(f"a{i}" for i in range(6000)) + ">x</p>",
    "hidden-attrs": "<style><a x=\"</style><p " + " ".join(f"a{i}" for i in range(6000)) + ">\"",
}
for name, html in SHAPES.items():
    out("html", f"budget-{name}.html", "<p>正文</p>" + html + "<p>尾</p>")
    esc = html.replace("&", "&amp;").replace("<", "&lt;")
    out("feed", f"budget-{name}.xml",
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f'<item><title>{esc[:2000]}</title><description>{esc}</description></item>'
        '<item><title>b</title><description>x</description></item></channel></rss>')
out("feed", "budget-json.json",
    json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "t",
                "items": [{"id": "1", "content_html": SHAPES["divs"]}]}))
# typeset: odd width bytes also take the lazy path (see the target).
out("typeset", "lazy-word", b")" + b"ab" * 64)
out("typeset", "lazy-url", b"O" + b"https://example.org/a/b?c=d&e=" * 4)
out("typeset", "lazy-digits", b"" + b"2023" * 16)
out("typeset", "lazy-cluster", b"" + ("e" + "\u0301" * 3000).encode())
out("typeset", "lazy-flags", b"" + "🇨🇳🇰🇷x".encode() * 40)
out("typeset", "lazy-kinsoku", b"" + "“a”（b）ab-cd，".encode() * 20)

# Minimised crashers of earlier runs (each also a unit test in src/, named
# in fuzz/README.md), so every run starts by checking they stay fixed.
out("typeset", "crash-space-combining-mark", b"\x00 \xcc\x9e\xaa")
out("typeset", "slow-long-word", b"\x28" + b"ab" * 4096)
out("typeset", "slow-flags", b"\x28" + "🇨🇳🇰🇷".encode() * 512)
out("feed", "crash-late-declaration",
    b'\x01\x00\x00\xff\xff\xff\x0ao\xf5\xff\xff\xff9"UT<?xml version="1.0"encoding="GBK"?>')
utf16 = "".join(c + "\0" for c in "<?xml version='1.0' encoding='UTF-8'?>")
out("feed", "crash-utf16-lookalike",
    ("\ufeff<\0?\0:rss \0a=\"x?\0>\0" + "\0 " * 40 + utf16 + "\"></\0?\0:rss>").encode())
out("textdump", "crash-no-date-line", b"\x00\x8f\xe7\x8f\x8f\xb7")
