#!/usr/bin/env python3
"""Writes hostile inputs for timing kanbao's parsers and typesetter.

    python3 scripts/hostile-inputs.py OUTDIR [--small]

Each file is one shape of markup or text that costs a naive HTML parser,
page extractor or typesetter far more than its size. Time one with, e.g.,

    /usr/bin/time -v target/release/kanbao read OUTDIR/divs-20000.html
    /usr/bin/time -v target/release/kanbao list OUTDIR/feed-divs-40000.xml

Which command to use for each file is printed as the file is written (and
listed in `FILES` below). `--small` writes 1 MiB versions of the 20 MiB
files (for a quick look). Python 3, standard library only.
"""

import json
import os
import sys

MIB = 1024 * 1024

# What the fetcher accepts at most (net/fetch: a response is cut at 20 MiB).
BIG = 20 * MIB

PROSE = "这是一篇足够长的文章正文，讲述了一个完全虚构的故事，用来检查网页导入。"


def page(inner, title="Hostile page"):
    """A web page with a real paragraph first, so Readability finds text."""
    return (
        f"<!DOCTYPE html><html lang=zh><head><title>{title}</title></head>"
        f"<body><article><h1>{title}</h1><p>{PROSE * 4}</p>{inner}"
        f"<p>{PROSE}（完）</p></article></body></html>"
    )


def repeat_to(unit, size):
    """`unit` repeated to about `size` bytes."""
    return unit * max(1, size // len(unit.encode()))


def rss(description_escaped, title="Hostile feed", item_title="条目"):
    """An RSS feed of one item whose description is already XML-escaped."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://example.org/</link>"
        f"<item><title>{item_title}</title><link>https://example.org/a</link>"
        f"<description>{description_escaped}</description></item>"
        f"<item><title>第二条</title><link>https://example.org/b</link>"
        f"<description>&lt;p&gt;{PROSE}&lt;/p&gt;</description></item>"
        "</channel></rss>\n"
    )


def rss_many(unit_escaped, size, entries=40):
    """An RSS feed of `entries` items, each a description of `unit_escaped`
    repeated to size / entries bytes."""
    each = repeat_to(unit_escaped, size // entries)
    items = "".join(
        f"<item><title>条目{i}</title><link>https://example.org/{i}</link>"
        f"<description>{each}尾{i}</description></item>"
        for i in range(entries)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>Many entries</title><link>https://example.org/</link>{items}"
        "</channel></rss>\n"
    )


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;")


def article(title, body):
    return json.dumps({"title": title, "body": body}, ensure_ascii=False)


def files(big):
    """(name, command, contents) of every input."""
    out = [
        # Point 2 of the review: `<div/>` nests (the slash means nothing in HTML).
        ("divs-5000.html", "read", page("<div/>" * 5000 + "x")),
        ("divs-20000.html", "read", page("<div/>" * 20000 + "x")),
        ("divs-20MiB.html", "read", page(repeat_to("<div/>", big) + "x")),
        # Deep nesting written honestly.
        ("open-divs-20MiB.html", "read", page(repeat_to("<div>", big) + "x")),
        # Stray end tags the tree builder ignores, under open inline elements.
        (
            "stray-end-20MiB.html",
            "read",
            page("<span>" * 400 + "x" + repeat_to("</b>", big)),
        ),
        # Unclosed formatting elements: the list of active formatting
        # elements, reconstructed before every text, and the adoption agency.
        ("formatting-20MiB.html", "read", page(repeat_to("<b><i><u>x", big))),
        (
            "formatting-attrs-20MiB.html",
            "read",
            page("".join(f"<b id={i}>x" for i in range(big // 12))),
        ),
        ("adoption-20MiB.html", "read", page(repeat_to("<a><b><p>x</a>", big))),
        # Foster parenting: content directly inside a table goes before it.
        ("table-20MiB.html", "read", page("<table>" + repeat_to("<b>x<div>y", big))),
        ("select-20MiB.html", "read", page(repeat_to("<select><option>x", big))),
        ("template-20MiB.html", "read", page(repeat_to("<template>x", big))),
        ("lists-20MiB.html", "read", page(repeat_to("<ul><li>x", big))),
        # One tag with many attributes of distinct names.
        (
            "attrs-20MiB.html",
            "read",
            page("<p " + " ".join(f"a{i}" for i in range(big // 8)) + ">x</p>"),
        ),
        # Many small paragraphs: a big but ordinary page (the budget must
        # not cut what is merely long: this is the baseline).
        ("paragraphs-20MiB.html", "read", page(repeat_to(f"<p>{PROSE}</p>", big))),
        # Baselines of the same sizes, for scripts/hostile-bench.sh: as many
        # elements, closed as they open.
        ("closed-divs-5000.html", "read", page("<div>x</div>" * 5000)),
        ("closed-divs-20000.html", "read", page("<div>x</div>" * 20000)),
        # HTML inside feeds.
        ("feed-divs-40000.xml", "list", rss("&lt;div/>" * 40000 + "x")),
        ("feed-closed-divs-40000.xml", "list", rss("&lt;div>x&lt;/div>" * 40000)),
        (
            "feed-paragraphs-20MiB.xml",
            "list",
            rss(repeat_to(xml_escape(f"<p>{PROSE}</p>"), big)),
        ),
        ("feed-divs-20MiB.xml", "list", rss(repeat_to("&lt;div/>", big) + "x")),
        (
            "feed-stray-end-20MiB.xml",
            "list",
            rss(xml_escape("<span>" * 400) + "x" + repeat_to("&lt;/b>", big)),
        ),
        (
            "feed-formatting-20MiB.xml",
            "list",
            rss(repeat_to(xml_escape("<b><i><u>x"), big)),
        ),
        # Many entries, each a costly shape under one text's own limits:
        # the entries of a feed share its budget.
        ("feed-many-adoption-20MiB.xml", "list", rss_many(xml_escape("<a><b><p>x</a>"), big)),
        ("feed-many-lists-20MiB.xml", "list", rss_many(xml_escape("<ul><li>x"), big)),
        ("feed-many-table-20MiB.xml", "list", rss_many(xml_escape("<table><b>x<div>y"), big)),
        (
            "feed-title-20MiB.xml",
            "list",
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>Hostile</title>'
            '<entry><title type="html">'
            + repeat_to("&lt;div/>", big)
            + "x</title><id>https://example.org/a</id>"
            '<content type="html">&lt;p>正文&lt;/p></content></entry></feed>\n',
        ),
        (
            "feed-json-20MiB.json",
            "list",
            json.dumps(
                {
                    "version": "https://jsonfeed.org/version/1.1",
                    "title": "Hostile",
                    "items": [
                        {
                            "id": "1",
                            "title": "条目",
                            "content_html": repeat_to("<div/>", big) + "x",
                        },
                        {"id": "2", "title": "第二条", "content_html": f"<p>{PROSE}</p>"},
                    ],
                },
                ensure_ascii=False,
            ),
        ),
        # Point 4: text without any break opportunity.
        ("word-20MiB.json", "read", article("一个词", ["a" * big])),
        # Its baseline: as long a paragraph of words and Chinese prose.
        ("words-20MiB.json", "read", article("许多词", [repeat_to("word " + PROSE, big)])),
        ("digits-20MiB.json", "read", article("数字", ["7" * big])),
        ("url-20MiB.json", "read", article("网址", ["https://example.org/" + "x/" * (big // 2)])),
        # One grapheme cluster: a base and millions of combining marks.
        ("cluster-20MiB.json", "read", article("一个字", ["e" + "\u0301" * (big // 2)])),
        ("title-20MiB.json", "list", article("t" * big, ["正文。"])),
    ]
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        sys.exit(__doc__)
    outdir = args[0]
    big = MIB if "--small" in sys.argv else BIG
    os.makedirs(outdir, exist_ok=True)
    for name, command, text in files(big):
        path = os.path.join(outdir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"kanbao {command} {path}  ({os.path.getsize(path):,} bytes)")


if __name__ == "__main__":
    main()
