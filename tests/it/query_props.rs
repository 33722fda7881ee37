//! Property tests of the query language: the parser never panics, queries
//! written from a model parse back to the same meaning, folding is
//! idempotent, highlights are well-formed, and text from an article finds it.

use jiff::civil::{Date, date};
use kanbao_core::Article;
use kanbao_core::Published;
use kanbao_core::{Marks, NoMarks, Query, find_in_line, fold, quote};
use proptest::prelude::*;
use unicode_segmentation::UnicodeSegmentation;

/// Pieces of text that fold onto each other: cases, widths, kana forms.
const PIECES: &[&str] = &[
    "a",
    "b",
    "A",
    "Ｂ",
    "ａ",
    "光",
    "伏",
    "ｶﾞ",
    "ガ",
    "カ",
    "か\u{3099}",
    "ς",
    "Σ",
    "σ",
    "1",
    "１",
    "İ",
    "i",
    "é",
    "É",
    "!",
    "！",
];

fn piece() -> impl Strategy<Value = String> {
    proptest::sample::select(PIECES).prop_map(str::to_owned)
}

/// A word safe to write unquoted: no whitespace, quote, colon or leading `-`.
fn word() -> impl Strategy<Value = String> {
    proptest::collection::vec(piece(), 1..4).prop_map(|v| v.concat())
}

/// Text with spaces of every kind and characters the syntax cares about.
fn phrase() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            4 => piece(),
            1 => proptest::sample::select(&[" ", "　", "\"", "＂", "\\", ":", "-", "”", "“"][..])
                .prop_map(str::to_owned),
        ],
        1..6,
    )
    .prop_map(|v| v.concat())
}

/// Running text: pieces, spaces and line breaks.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            6 => piece(),
            1 => proptest::sample::select(&[" ", "　", "\n", "\t"][..]).prop_map(str::to_owned),
        ],
        0..24,
    )
    .prop_map(|v| v.concat())
}

/// Arbitrary strings rich in the characters the parser treats specially.
fn tricky() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            any::<char>().prop_map(String::from),
            proptest::sample::select(
                &[
                    "\"",
                    "“",
                    "”",
                    "＂",
                    "\\",
                    ":",
                    "：",
                    "-",
                    " ",
                    "　",
                    "\n",
                    "source:",
                    "lang:",
                    "after:",
                    "before:",
                    "is:",
                    "foo:",
                    "ＳＯＵＲＣＥ：",
                    "2024-01-31",
                    "2024-13-01",
                    "read",
                    "starred",
                    "http://",
                    "光伏",
                    "ｶﾞ",
                    "\u{3099}",
                ][..]
            )
            .prop_map(str::to_owned),
        ],
        0..16,
    )
    .prop_map(|v| v.concat())
}

fn day() -> impl Strategy<Value = Date> {
    (0i64..70).prop_map(|n| date(2023, 12, 15).saturating_add(jiff::Span::new().days(n)))
}

#[derive(Clone, Debug)]
enum Gen {
    /// Text, and how to write it: 0 bare (a word), 1 `"…"`, 2 `“…”`.
    Text(String, u8),
    Source(String),
    Lang(&'static str),
    After(Date),
    Before(Date),
    Is(&'static str),
}

fn gen_term() -> impl Strategy<Value = (bool, Gen)> {
    let kind = prop_oneof![
        3 => word().prop_map(|w| Gen::Text(w, 0)),
        2 => (phrase(), 1u8..3).prop_map(|(p, style)| Gen::Text(p, style)),
        1 => phrase().prop_map(Gen::Source),
        1 => proptest::sample::select(&["zh", "zh-cn", "ZH", "ja", "en", "zh_TW"][..]).prop_map(Gen::Lang),
        1 => day().prop_map(Gen::After),
        1 => day().prop_map(Gen::Before),
        1 => proptest::sample::select(&["read", "unread", "starred", "READ"][..]).prop_map(Gen::Is),
    ];
    (proptest::bool::weighted(0.25), kind)
}

/// Writes a generated term as query text.
fn write_term(negated: bool, g: &Gen) -> String {
    let quoted = |s: &str, style: u8| {
        if style == 2 && !s.contains('”') {
            format!("“{s}”")
        } else {
            quote(s)
        }
    };
    let body = match g {
        Gen::Text(s, 0) => s.clone(),
        Gen::Text(s, style) => quoted(s, *style),
        Gen::Source(s) if s.contains(char::is_whitespace) || s.starts_with(['"', '＂', '“']) => {
            format!("source:{}", quote(s))
        }
        Gen::Source(s) => format!("source:{s}"),
        Gen::Lang(l) => format!("lang:{l}"),
        Gen::After(d) => format!("after:{d}"),
        Gen::Before(d) => format!("before:{d}"),
        Gen::Is(s) => format!("is:{s}"),
    };
    if negated { format!("-{body}") } else { body }
}

struct TestMarks {
    read: bool,
    starred: bool,
}

impl Marks for TestMarks {
    fn is_read(&self, _id: &str) -> bool {
        self.read
    }
    fn is_starred(&self, _id: &str) -> bool {
        self.starred
    }
}

/// What a generated term means, evaluated directly on the article.
fn model(g: &Gen, a: &Article, m: &TestMarks) -> bool {
    match g {
        Gen::Text(s, _) => {
            let t = fold(s);
            fold(&a.title).contains(&t) || a.body.iter().any(|p| fold(p).contains(&t))
        }
        Gen::Source(s) => a
            .source
            .as_deref()
            .is_some_and(|src| fold(src).contains(&fold(s))),
        Gen::Lang(l) => a.lang.as_deref().is_some_and(|tag| {
            let tag = tag.to_lowercase().replace('_', "-");
            let l = l.to_lowercase().replace('_', "-");
            tag == l || tag.starts_with(&format!("{l}-"))
        }),
        Gen::After(d) => a
            .published
            .as_ref()
            .is_some_and(|p| p.datetime.date() >= *d),
        Gen::Before(d) => a.published.as_ref().is_some_and(|p| p.datetime.date() < *d),
        Gen::Is(s) => match s.to_lowercase().as_str() {
            "read" => m.read,
            "unread" => !m.read,
            _ => m.starred,
        },
    }
}

fn article() -> impl Strategy<Value = Article> {
    (
        word(),
        proptest::collection::vec(text(), 0..4),
        proptest::option::of(phrase()),
        proptest::sample::select(
            &[
                None,
                Some("zh-CN"),
                Some("zh"),
                Some("ja-JP"),
                Some("en"),
                Some("zh_TW"),
            ][..],
        ),
        proptest::option::of(day()),
    )
        .prop_map(|(title, body, source, lang, published)| {
            let mut a = Article::new(&title, body);
            a.source = source;
            a.lang = lang.map(str::to_owned);
            a.published = published.map(|d| Published {
                datetime: d.at(12, 0, 0, 0),
                offset: None,
            });
            a
        })
}

fn check_ranges(line: &str, terms: &[String]) -> Result<(), TestCaseError> {
    let folded_terms: Vec<String> = terms.iter().map(|t| fold(t)).collect();
    let ranges = find_in_line(line, terms);
    let mut end = 0;
    for r in &ranges {
        prop_assert!(r.start < r.end && r.end <= line.len(), "{r:?} in {line:?}");
        prop_assert!(r.start >= end, "overlap or unsorted: {ranges:?}");
        prop_assert!(line.is_char_boundary(r.start) && line.is_char_boundary(r.end));
        let found = fold(&line[r.clone()]);
        prop_assert!(
            folded_terms.contains(&found),
            "{found:?} not in {folded_terms:?}"
        );
        end = r.end;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_parser_never_panics(s in prop_oneof![any::<String>(), tricky()]) {
        match Query::parse(&s) {
            Ok(q) => {
                // Its canonical form reads back as the same query.
                let again = Query::parse(&q.to_string());
                prop_assert_eq!(again.as_ref(), Ok(&q), "{} from {:?}", q, s);
                let a = Article::new(&s, vec![s.clone()]);
                q.matches(&a, &NoMarks);
                check_ranges(&s, q.highlight_terms())?;
            }
            Err(e) => {
                prop_assert!(e.position <= s.len() && s.is_char_boundary(e.position), "{e:?}");
                prop_assert!(!e.message.is_empty());
                let _ = e.pointer(&s);
            }
        }
    }

    #[test]
    fn written_queries_mean_what_they_were_built_from(
        terms in proptest::collection::vec(gen_term(), 0..5),
        separator in proptest::sample::select(&[" ", "  ", "　", "\t"][..]),
        a in article(),
        read in any::<bool>(),
        starred in any::<bool>(),
    ) {
        let text = terms
            .iter()
            .map(|(neg, g)| write_term(*neg, g))
            .collect::<Vec<_>>()
            .join(separator);
        let marks = TestMarks { read, starred };
        let q = Query::parse(&text).map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        let want = terms.iter().all(|(neg, g)| model(g, &a, &marks) != *neg);
        prop_assert_eq!(q.matches(&a, &marks), want, "{:?} on {:?}", text, a);
        let canonical = Query::parse(&q.to_string()).unwrap();
        prop_assert_eq!(canonical.matches(&a, &marks), want, "canonical {}", q);
        let (title, body) = (fold(&a.title), kanbao_core::fold_body(&a.body));
        prop_assert_eq!(q.matches_folded(&a, &title, &body, &marks), want);
    }

    #[test]
    fn fold_is_idempotent(s in prop_oneof![any::<String>(), tricky(), text()]) {
        let once = fold(&s);
        prop_assert_eq!(fold(&once), once.clone());
        let (folded, offsets) = kanbao_core::fold_with_offsets(&s);
        prop_assert_eq!(&folded, &once);
        prop_assert_eq!(offsets.len(), folded.len() + 1);
        prop_assert!(offsets.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn highlights_are_in_bounds_disjoint_and_fold_to_a_term(
        line in prop_oneof![text(), any::<String>(), tricky()],
        mut terms in proptest::collection::vec(prop_oneof![word(), phrase()], 0..4),
        cut in any::<proptest::sample::Index>(),
        len in 0usize..6,
    ) {
        // Also look for a piece of the line itself, so that there are hits.
        let graphemes: Vec<&str> = line.graphemes(true).collect();
        if !graphemes.is_empty() {
            let start = cut.index(graphemes.len());
            terms.push(graphemes[start..(start + len).min(graphemes.len())].concat());
        }
        check_ranges(&line, &terms)?;
        if let Some(t) = terms.last().filter(|t| !fold(t).is_empty() && !graphemes.is_empty()) {
            prop_assert!(!find_in_line(&line, std::slice::from_ref(t)).is_empty(), "{t:?} in {line:?}");
        }
    }

    #[test]
    fn text_taken_from_an_article_finds_it(
        a in article(),
        extra in proptest::collection::vec(prop_oneof![any::<String>(), tricky()], 0..2),
        which in any::<proptest::sample::Index>(),
        cut in any::<proptest::sample::Index>(),
        len in 1usize..8,
    ) {
        let mut a = a;
        a.body.extend(extra.into_iter().filter(|p| !p.trim().is_empty()));
        let a = Article::new(&a.title, a.body.clone());
        let fields: Vec<&String> = std::iter::once(&a.title).chain(&a.body).collect();
        let field = fields[which.index(fields.len())];
        let graphemes: Vec<&str> = field.graphemes(true).collect();
        prop_assume!(!graphemes.is_empty());
        let start = cut.index(graphemes.len());
        let piece = graphemes[start..(start + len).min(graphemes.len())].concat();
        let q = Query::parse(&quote(&piece)).unwrap();
        prop_assert!(q.matches(&a, &NoMarks), "{:?} from {:?}", quote(&piece), field);
        // Each whitespace-separated word, written bare when it reads as a word.
        for w in field.split_whitespace() {
            let q = Query::parse(&quote(w)).unwrap();
            prop_assert!(q.matches(&a, &NoMarks), "{:?}", quote(w));
            let bare = !w.starts_with(['-', '"', '＂', '“']) && !w.contains([':', '：']);
            if bare {
                let q = Query::parse(w).unwrap();
                prop_assert!(q.matches(&a, &NoMarks), "{:?}", w);
            }
        }
    }
}
