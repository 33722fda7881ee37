//! One idea: recovering an article from a text dump — the heuristics for
//! navigation, breadcrumb, date line, body and footer, which decide together.
//!
//! Text dumps of news pages: the visible text of a Chinese news web page as a
//! crawler saved it, turned back into one clean [`Article`].
//!
//! A dump reads top to bottom like the page: site navigation rows, a
//! breadcrumb (`您的位置：首页 > 浙江 > 嘉兴 > 要闻 新闻详情`), the headline, a
//! date line (`发布时间 | 2023-01-06 09:18:16`), the body paragraphs, a credit
//! line (`来源：嘉兴日报 | 撰稿：记者 沈哲韬 | 责编：陆姗姗 审核：张渊`) and the
//! site footer. The importer keeps the article and drops the page:
//!
//! - **section**: the breadcrumb after `您的位置`/`您现在的位置`/`当前位置`/
//!   `位置` (with `:` or `：`), or a line starting `首页 >`, split on `>` `＞`
//!   `›` `»` `/` `→`; `首页` and a trailing `新闻详情`/`正文`/`详情` are dropped,
//!   and so is a last item that repeats the title.
//! - **date**: the first line with `发布时间`/`发布日期`/`发表时间`/`更新时间`/
//!   `时间`/`日期` followed by `|`, `:` or `：` and a date (`2023-01-06
//!   09:18:16`, `2023/1/6 09:18`, `2023年1月6日 09:18`); failing that, a line
//!   that is only a date (perhaps followed by `来源：…`). The rest of that line
//!   is read as credits. A naive time gets an offset only when the text states
//!   one (`+08:00`, `北京时间`) or the caller names the source's zone (see
//!   [`parse_with`]).
//! - **title**: the line just before the date line (blank lines skipped; a
//!   `——subtitle` line in between goes to `extra.subtitle`), or else the first
//!   plausible heading after the breadcrumb: 4–80 characters, not a menu,
//!   credit, footer or date line, not ending in `。`.
//! - **body**: each non-blank line after the title and date, up to the credit
//!   line that follows the paragraphs (further credit lines right after it are
//!   read too) or the first footer line. Menu rows (four or more short items),
//!   page chrome (`推荐`, `分享到…`, `字号`, `打印`…) and lines holding only
//!   e-mail addresses and phone numbers are dropped. ASCII `, : ; ( ) ? !` next
//!   to Chinese text become `， ： ； （ ） ？ ！`; inside Latin and number runs
//!   (`1,000`, `10:30`, `3+X`, `6.7`) they stay. A paragraph's leading
//!   whitespace (spaces, NBSP, U+3000) becomes the full-width indent `　　`.
//! - **credits**: keys `来源` (source), `撰稿`/`作者`/`记者`/`文`/`通讯员`/
//!   `实习生`… (authors), `责编`/`责任编辑`/`编辑` (editor), `审核`/`审校`/`终审`
//!   (reviewer), `校对`, separated by `|` or spaces. Inside a value the role
//!   words `记者`, `实习生`, `通讯员`, `见习记者`, `特约记者`, `摄影`… name the
//!   role of the names after them. Every name goes to `extra.credits` as
//!   `{"role", "name"}` in page order; authors are the names under the author
//!   keys (photographers excepted); `extra.reviewer` holds the reviewer.
//! - **original title**: a `（原文标题：…）` or `原标题：…` paragraph stays in the
//!   body and is also kept as `extra.original_title`.
//! - **footer**: `新闻投稿`, `新闻热线`, `投稿邮箱`, `版权所有`, `Copyright`, `©`,
//!   ICP and 公安备案 numbers, `上一篇`/`下一篇`, `相关新闻`… end the article.
//!
//! The language is `zh-CN`; the id is derived by [`Article::finish`] from
//! title, date and source, since a dump has no URL.

use serde_json::{Map, Value, json};

use crate::diagnostic::Diagnostic;
use crate::import::Imported;
use crate::model::article::Article;
use crate::model::published::Published;
use crate::text::sanitize::sanitize_line;

/// Imports one text dump, leaving a naive publication time without offset.
///
/// Same as [`parse_with`]`(text, None)`.
pub fn parse(text: &str) -> Imported {
    parse_with(text, None)
}

/// Imports one text dump; `tz` (an offset like `+08:00` or an IANA name like
/// `Asia/Shanghai`) is the time zone of the source, which places a
/// publication time the page states without offset. `kanbao import` passes
/// the zone configured for the source; without one the time stays naive
/// rather than getting an invented offset.
///
/// ```
/// use kanbao_core::textdump::parse_with;
/// let dump = "您的位置：首页 > 示例 > 要闻\n示例市举行新闻发布会\n发布时间：2024-03-05 14:30\n\n　　正文第一段。\n\n来源：示例日报 | 责任编辑：王五\n";
/// let a = &parse_with(dump, Some("Asia/Shanghai")).unwrap()[0];
/// assert_eq!(a.title, "示例市举行新闻发布会");
/// assert_eq!(a.published.as_ref().unwrap().to_rfc3339(), "2024-03-05T14:30:00+08:00");
/// assert_eq!(a.section, ["示例", "要闻"]);
/// assert_eq!(a.source.as_deref(), Some("示例日报"));
/// assert_eq!(a.editor.as_deref(), Some("王五"));
/// assert_eq!(a.body, ["　　正文第一段。"]);
/// ```
pub fn parse_with(text: &str, tz: Option<&str>) -> Imported {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let trimmed: Vec<&str> = lines.iter().map(|l| l.trim()).collect();
    let err =
        |line: usize, message: String| Diagnostic::at(line, 0, format!("line {line}: {message}"));

    // The date line: a keyed one anywhere, else a bare date after the breadcrumb.
    let keyed = (0..lines.len()).find_map(|i| keyed_date(trimmed[i]).map(|d| (i, d)));
    let crumb_before = |end: usize| (0..end).find_map(|i| breadcrumb(trimmed[i]).map(|s| (i, s)));
    let (date, crumb) = match keyed {
        Some((d, found)) => (Some((d, found)), crumb_before(d)),
        None => {
            let crumb = crumb_before(lines.len());
            let from = crumb.as_ref().map_or(0, |(b, _)| b + 1);
            let bare = (from..lines.len()).find_map(|i| bare_date(trimmed[i]).map(|d| (i, d)));
            (bare, crumb)
        }
    };
    let after_crumb = crumb.as_ref().map_or(0, |(b, _)| b + 1);

    // The title, and a subtitle between it and the date line.
    let mut subtitle = None;
    let mut title_at = None;
    if let Some((d, _)) = &date {
        let mut i = *d;
        while i > after_crumb {
            i -= 1;
            let line = trimmed[i];
            if line.is_empty() {
                continue;
            }
            if subtitle.is_none() && title_at.is_none() && is_subtitle(line) {
                subtitle = Some(i);
                continue;
            }
            if is_heading(line) {
                title_at = Some(i);
            }
            break;
        }
    }
    let date_at = date.as_ref().map(|(d, _)| *d);
    let title_at = match title_at {
        Some(t) => t,
        None => {
            subtitle = None;
            (after_crumb..lines.len())
                .find(|&i| Some(i) != date_at && is_heading(trimmed[i]))
                .ok_or_else(|| match date_at {
                    Some(d) => err(
                        d + 1,
                        "no title: no headline line before the date line, nor after the breadcrumb"
                            .into(),
                    ),
                    None => err(
                        1,
                        format!(
                            "no title: found neither a date line (`发布时间`, `发布日期`, `时间：`) nor a headline in lines 1–{}",
                            lines.len()
                        ),
                    ),
                })?
        }
    };

    // The date itself.
    let mut credits: Vec<(String, String)> = Vec::new();
    let published = match &date {
        Some((d, found)) => {
            credits.extend(credits_in(trimmed[*d]));
            let zone = if found.offset_stated {
                None
            } else if trimmed[*d].contains("北京时间") {
                Some("+08:00")
            } else {
                tz
            };
            Some(Published::parse(&found.text, zone).map_err(|e| err(d + 1, e.to_string()))?)
        }
        None => None,
    };

    // Header lines between title and date may hold credits.
    let (first, last) = match date_at {
        Some(d) => (title_at.min(d), title_at.max(d)),
        None => (title_at, title_at),
    };
    // Without a date line, `first == last`: no header lines (found by fuzzing:
    // `first + 1..last` was an inverted range, a panic for every dateless dump).
    for line in &trimmed[(first + 1).min(last)..last] {
        if let Some(found) = credit_line(line) {
            credits.extend(found);
        }
    }

    // The body.
    let mut body: Vec<String> = Vec::new();
    let mut closing_credits = false;
    for (i, line) in trimmed.iter().enumerate().skip(last + 1) {
        if line.is_empty() {
            continue;
        }
        if is_footer(line) {
            break;
        }
        if let Some(found) = credit_line(line) {
            credits.extend(found);
            closing_credits |= !body.is_empty();
            continue;
        }
        if closing_credits {
            break;
        }
        if is_menu_row(line) || is_chrome(line) || (body.is_empty() && keyed_date(line).is_some()) {
            continue;
        }
        body.push(paragraph(lines[i]));
    }
    if body.is_empty() {
        return Err(err(
            last + 2,
            format!(
                "no body: no paragraphs after the {} at line {}",
                if date_at == Some(last) {
                    "date line"
                } else {
                    "title"
                },
                last + 1
            ),
        ));
    }

    let title = fullwidth_punctuation(trimmed[title_at]);
    let mut section = crumb.map(|(_, s)| s).unwrap_or_default();
    if section.last() == Some(&title) {
        section.pop();
    }

    let mut extra = Map::new();
    let credits = Credits::read(&credits);
    if !credits.list.is_empty() {
        let list = credits
            .list
            .iter()
            .map(|(role, name)| json!({"role": role, "name": name}))
            .collect();
        extra.insert("credits".into(), Value::Array(list));
    }
    if let Some(reviewer) = &credits.reviewer {
        extra.insert("reviewer".into(), reviewer.clone().into());
    }
    if let Some(note) = body.iter().rev().find_map(|p| original_title(p)) {
        extra.insert("original_title".into(), note.into());
    }
    if let Some(s) = subtitle {
        let s = trimmed[s].trim_start_matches(['—', '-', '－']).trim();
        extra.insert(
            "subtitle".into(),
            sanitize_line(&fullwidth_punctuation(s)).into(),
        );
    }

    let article = Article {
        title,
        body,
        published,
        source: credits.source,
        authors: credits.authors,
        editor: credits.editor,
        section,
        lang: Some("zh-CN".into()),
        extra,
        ..Article::default()
    };
    Ok(vec![article.finish()])
}

// ---------------------------------------------------------------- characters

/// Han ideographs, kana, CJK and full-width punctuation: the characters that
/// make ASCII punctuation next to them Chinese punctuation.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{2FDF}'   // radicals
        | '\u{3000}'..='\u{303F}' // CJK symbols and punctuation
        | '\u{3040}'..='\u{30FF}' // kana
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FF00}'..='\u{FFEF}' // full-width forms
        | '\u{20000}'..='\u{3FFFF}')
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(is_cjk)
}

/// ASCII punctuation that has a full-width counterpart in Chinese text.
fn fullwidth(c: char) -> Option<char> {
    Some(match c {
        ',' => '，',
        ':' => '：',
        ';' => '；',
        '(' => '（',
        ')' => '）',
        '?' => '？',
        '!' => '！',
        _ => return None,
    })
}

/// Converts ASCII `, : ; ( ) ? !` to full width where a neighbour (looking
/// past spaces, quotes and other such marks) is Chinese; a pair of
/// parentheses converts together, also when it encloses Chinese text. Marks
/// between Latin letters and digits (`1,000`, `10:30`) stay ASCII, and spaces
/// around a converted mark go (the full-width mark has its own).
///
/// ```text
/// 数据显示,2021年,产值达505.25亿元(约1,000个)!  →  数据显示，2021年，产值达505.25亿元（约1,000个）！
/// ```
fn fullwidth_punctuation(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let skip = |c: char| c.is_whitespace() || "“”‘’\"'".contains(c) || fullwidth(c).is_some();
    let cjk_before = |i: usize| {
        chars[..i]
            .iter()
            .rev()
            .find(|&&c| !skip(c))
            .is_some_and(|&c| is_cjk(c))
    };
    let cjk_after = |i: usize| {
        chars[i + 1..]
            .iter()
            .find(|&&c| !skip(c))
            .is_some_and(|&c| is_cjk(c))
    };
    let mut convert: Vec<bool> = (0..chars.len())
        .map(|i| fullwidth(chars[i]).is_some() && (cjk_before(i) || cjk_after(i)))
        .collect();
    let mut open = Vec::new();
    for i in 0..chars.len() {
        match chars[i] {
            '(' => open.push(i),
            ')' => {
                if let Some(o) = open.pop() {
                    let pair =
                        convert[o] || convert[i] || chars[o + 1..i].iter().any(|&c| is_cjk(c));
                    convert[o] = pair;
                    convert[i] = pair;
                }
            }
            _ => {}
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut eat_spaces = false;
    for (i, &c) in chars.iter().enumerate() {
        if convert[i] {
            let wide = fullwidth(c).unwrap_or(c);
            let keep_space_before =
                wide == '（' && !out.trim_end_matches(' ').chars().last().is_some_and(is_cjk);
            if !keep_space_before {
                out.truncate(out.trim_end_matches(' ').len());
            }
            out.push(wide);
            eat_spaces = true;
        } else if c != ' ' || !eat_spaces {
            eat_spaces = false;
            out.push(c);
        }
    }
    out
}

/// One body paragraph: punctuation made full-width, inner NBSPs made
/// spaces, and any leading whitespace made the full-width indent.
fn paragraph(line: &str) -> String {
    let text = fullwidth_punctuation(line.trim()).replace('\u{a0}', " ");
    if line.starts_with(char::is_whitespace) {
        format!("　　{text}")
    } else {
        text
    }
}

/// The text of a `（原文标题：…）` or `原标题：…` note.
fn original_title(paragraph: &str) -> Option<String> {
    let p = paragraph.trim();
    let (inner, bracketed) = match p.strip_prefix('（').and_then(|p| p.strip_suffix('）')) {
        Some(inner) => (inner, true),
        None => (p, false),
    };
    let rest = ["原文标题", "原标题"]
        .iter()
        .find_map(|k| inner.strip_prefix(k))?;
    let rest = rest.trim_start().strip_prefix(['：', ':'])?.trim();
    (!rest.is_empty() && (bracketed || rest.chars().count() <= 80)).then(|| sanitize_line(rest))
}

// --------------------------------------------------------------- breadcrumb

const CRUMB_LABELS: &[&str] = &[
    "您现在的位置",
    "您当前的位置",
    "您当前位置",
    "您的位置",
    "当前位置",
    "所在位置",
    "现在位置",
    "位置",
];
const CRUMB_SEPARATORS: &[char] = &['>', '＞', '›', '»', '/', '→'];
const CRUMB_HOME: &[&str] = &["首页", "网站首页", "主页", "首 页"];
const CRUMB_TAIL: &[&str] = &[
    "新闻详情",
    "正文",
    "详情",
    "内容",
    "正文内容",
    "文章详情",
    "详细内容",
];

/// `您的位置：首页 > 浙江 > 嘉兴 > 要闻 新闻详情` → `["浙江", "嘉兴", "要闻"]`.
fn breadcrumb(line: &str) -> Option<Vec<String>> {
    let line = line.trim_start_matches(['【', '[']).trim();
    let rest = CRUMB_LABELS
        .iter()
        .find_map(|label| {
            let rest = line.strip_prefix(label)?.trim_start();
            let rest = rest.strip_prefix('是').unwrap_or(rest).trim_start();
            rest.strip_prefix([':', '：'])
        })
        .or_else(|| {
            // No label: `首页 > 浙江 > …`.
            let home = CRUMB_HOME.iter().find(|h| line.starts_with(*h))?;
            let after = line[home.len()..].trim_start();
            after.starts_with(CRUMB_SEPARATORS).then_some(line)
        })?;
    let rest = rest.trim_end_matches(['】', ']']);
    let mut items: Vec<String> = rest
        .split(CRUMB_SEPARATORS)
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|s| !s.is_empty())
        .collect();
    if items.is_empty() || items.iter().any(|s| s.chars().count() > 30) {
        return None;
    }
    if let Some(last) = items.pop() {
        let mut words: Vec<&str> = last.split(' ').collect();
        while words.last().is_some_and(|w| CRUMB_TAIL.contains(w)) {
            words.pop();
        }
        if !words.is_empty() {
            items.push(words.join(" "));
        }
    }
    items.retain(|s| !CRUMB_HOME.contains(&s.as_str()));
    Some(items)
}

// --------------------------------------------------------------------- dates

/// A date found on a page, normalised for [`Published::parse`].
struct FoundDate {
    text: String,
    offset_stated: bool,
}

const DATE_KEYS: &[&str] = &[
    "发布时间",
    "发布日期",
    "发表时间",
    "发表日期",
    "更新时间",
    "时间",
    "日期",
];

/// A line with a date key (`发布时间 | 2023-01-06 09:18:16`), anywhere in a
/// short line at a segment boundary.
fn keyed_date(line: &str) -> Option<FoundDate> {
    if line.chars().count() > 120 {
        return None;
    }
    for (start, key) in keys_at_boundaries(line, DATE_KEYS) {
        let rest = line[start + key.len()..].trim_start();
        let rest = rest
            .strip_prefix(['|', '｜', ':', '：'])
            .unwrap_or(rest)
            .trim_start();
        if let Some((_, found)) = read_date(rest) {
            return Some(found);
        }
    }
    None
}

/// A line that is just a date, perhaps followed by credits (`2024-03-05 14:30
/// 来源：示例日报`).
fn bare_date(line: &str) -> Option<FoundDate> {
    let line = line.trim_start_matches(['【', '[', '(', '（']);
    let (used, found) = read_date(line)?;
    let rest = line[used..].trim_matches(|c: char| c.is_whitespace() || "】])）|｜".contains(c));
    let credits_follow = keys_at_boundaries(rest, CREDIT_KEYS)
        .first()
        .is_some_and(|(at, _)| *at == 0);
    (rest.is_empty() || credits_follow).then_some(found)
}

/// Reads a date at the start of `s`: `2023-01-06`, `2023/1/6`, `2023.01.06`
/// or `2023年1月6日`, then optionally `09:18[:16]` (also with `：`) and an
/// offset (`+08:00`, `+0800`, `Z`). Returns the bytes used and the date as
/// `2023-01-06T09:18:16[+08:00]`.
fn read_date(s: &str) -> Option<(usize, FoundDate)> {
    let mut c = Cursor { s, at: 0 };
    let year = c.number(4, 4)?;
    let chinese = c.eat('年');
    if !chinese && !c.eat_any(&['-', '/', '.']) {
        return None;
    }
    let month = c.number(1, 2)?;
    if chinese {
        c.eat('月').then_some(())?;
    } else {
        c.eat_any(&['-', '/', '.']).then_some(())?;
    }
    let day = c.number(1, 2)?;
    if chinese {
        (c.eat('日') || c.eat('号')).then_some(())?;
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut text = format!("{year:04}-{month:02}-{day:02}");
    let mut used = c.at;
    let mut t = c.clone();
    let sep = t.eat('T') || t.spaces();
    let time = sep
        .then(|| {
            let h = t.number(1, 2)?;
            t.eat_any(&[':', '：']).then_some(())?;
            let m = t.number(2, 2)?;
            let mut back = t.clone();
            let mut sec = 0;
            if back.eat_any(&[':', '：'])
                && let Some(s) = back.number(2, 2)
            {
                sec = s;
                t = back;
            }
            Some((h, m, sec))
        })
        .flatten();
    let mut offset_stated = false;
    if let Some((h, m, sec)) = time {
        text.push_str(&format!("T{h:02}:{m:02}:{sec:02}"));
        used = t.at;
        let mut o = t.clone();
        o.spaces();
        if o.eat('Z') {
            text.push('Z');
            offset_stated = true;
            used = o.at;
        } else if let Some(sign) = ['+', '-'].into_iter().find(|&sign| o.eat(sign)) {
            // `+08:00`, `+0800` or `+08`.
            let hhmm = o.number(4, 4).map(|n| (n / 100, n % 100));
            let hhmm = hhmm.or_else(|| {
                let hh = o.number(2, 2)?;
                let mut m = o.clone();
                let mm = if m.eat(':') { m.number(2, 2) } else { None };
                if mm.is_some() {
                    o = m;
                }
                Some((hh, mm.unwrap_or(0)))
            });
            if let Some((hh, mm)) = hhmm {
                text.push_str(&format!("{sign}{hh:02}:{mm:02}"));
                offset_stated = true;
                used = o.at;
            }
        }
    }
    Some((
        used,
        FoundDate {
            text,
            offset_stated,
        },
    ))
}

#[derive(Clone)]
struct Cursor<'a> {
    s: &'a str,
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.s[self.at..].chars().next()
    }
    fn eat(&mut self, want: char) -> bool {
        if self.peek() == Some(want) {
            self.at += want.len_utf8();
            true
        } else {
            false
        }
    }
    fn eat_any(&mut self, any: &[char]) -> bool {
        any.iter().any(|&c| self.eat(c))
    }
    fn spaces(&mut self) -> bool {
        let start = self.at;
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += self.peek().map_or(1, char::len_utf8);
        }
        self.at > start
    }
    /// `min..=max` ASCII digits (and no more).
    fn number(&mut self, min: usize, max: usize) -> Option<u32> {
        let digits = self.s[self.at..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        if digits < min || digits > max {
            return None;
        }
        let n = self.s[self.at..self.at + digits].parse().ok()?;
        self.at += digits;
        Some(n)
    }
}

// ------------------------------------------------------------------- credits

const SOURCE_KEYS: &[&str] = &["来源", "本文来源", "文章来源", "稿源"];
const AUTHOR_KEYS: &[&str] = &[
    "撰稿",
    "作者",
    "记者",
    "文",
    "通讯员",
    "实习生",
    "见习记者",
    "特约记者",
    "摄影",
];
const EDITOR_KEYS: &[&str] = &["责编", "责任编辑", "编辑"];
const REVIEWER_KEYS: &[&str] = &["审核", "审校", "终审"];
const OTHER_KEYS: &[&str] = &["校对"];
/// Every key a credit line may hold.
const CREDIT_KEYS: &[&str] = &[
    "来源",
    "本文来源",
    "文章来源",
    "稿源",
    "撰稿",
    "作者",
    "记者",
    "文",
    "通讯员",
    "实习生",
    "见习记者",
    "特约记者",
    "摄影",
    "责编",
    "责任编辑",
    "编辑",
    "审核",
    "审校",
    "终审",
    "校对",
];
/// Keys that end a credit's value without being credits themselves.
const OTHER_SEGMENT_KEYS: &[&str] = &[
    "浏览次数",
    "浏览量",
    "浏览",
    "点击数",
    "点击量",
    "点击",
    "阅读量",
    "阅读",
    "字号",
    "访问量",
];
/// Words that give the role of the names after them.
const ROLES: &[&str] = &[
    "本报记者",
    "特约记者",
    "见习记者",
    "摄影记者",
    "记者",
    "特约通讯员",
    "通讯员",
    "实习生",
    "摄影",
];
/// Words in a byline that are not names.
const NOT_NAMES: &[&str] = &["报道", "报导", "摄", "等"];

/// Where `keys` occur in `line` followed by `:`, `：` or `|`, at the start
/// or after a space, `|`, `/` or bracket (so `原文：` is no `文：`); the
/// longest key wins, in order of position.
fn keys_at_boundaries<'k>(line: &str, keys: &[&'k str]) -> Vec<(usize, &'k str)> {
    let mut sorted: Vec<&'k str> = keys.to_vec();
    sorted.sort_by_key(|k| std::cmp::Reverse(k.len()));
    let mut found = Vec::new();
    let mut at = 0;
    while at < line.len() {
        let before = line[..at].chars().last();
        let boundary = before.is_none_or(|c| c.is_whitespace() || "|｜【[（(/】])".contains(c));
        let hit = boundary
            .then(|| {
                sorted.iter().find(|k| {
                    let rest = line[at..].strip_prefix(**k);
                    rest.is_some_and(|r| r.trim_start().starts_with([':', '：', '|', '｜']))
                })
            })
            .flatten();
        match hit {
            Some(k) => {
                found.push((at, *k));
                at += k.len();
            }
            None => at += line[at..].chars().next().map_or(1, char::len_utf8),
        }
    }
    found
}

/// The `(key, value)` credits in a line; a value runs to the next key (of
/// any kind) and loses the separators around it.
fn credits_in(line: &str) -> Vec<(String, String)> {
    let all: Vec<&str> = CREDIT_KEYS
        .iter()
        .chain(DATE_KEYS)
        .chain(OTHER_SEGMENT_KEYS)
        .copied()
        .collect();
    let hits = keys_at_boundaries(line, &all);
    let mut out = Vec::new();
    for (n, (at, key)) in hits.iter().enumerate() {
        if !CREDIT_KEYS.contains(key) {
            continue;
        }
        let end = hits.get(n + 1).map_or(line.len(), |(next, _)| *next);
        let value = line[at + key.len()..end].trim_start();
        let value = value.strip_prefix([':', '：']).unwrap_or(value);
        let value =
            value.trim_matches(|c: char| c.is_whitespace() || "|｜【】[]（）()".contains(c));
        if !value.is_empty() {
            out.push((key.to_string(), value.to_string()));
        }
    }
    out
}

/// A line of credits: it starts with a credit key, and every value is short
/// and free of sentence punctuation (so `记者：请问…？` in an interview stays
/// body text).
fn credit_line(line: &str) -> Option<Vec<(String, String)>> {
    let inner = line.trim_start_matches(['【', '[', '（', '(']);
    let first = keys_at_boundaries(inner, CREDIT_KEYS);
    if first.first().is_none_or(|(at, _)| *at != 0) || line.chars().count() > 150 {
        return None;
    }
    let credits = credits_in(inner);
    let plausible = credits.iter().all(|(_, v)| {
        v.chars().count() <= 40 && !v.contains(['。', '，', '？', '！', '；', ',', '?', '!', ';'])
    });
    plausible.then_some(credits)
}

/// The credits of a page, read.
#[derive(Default)]
struct Credits {
    source: Option<String>,
    authors: Vec<String>,
    editor: Option<String>,
    reviewer: Option<String>,
    /// `(role, name)` in page order.
    list: Vec<(String, String)>,
}

impl Credits {
    fn read(credits: &[(String, String)]) -> Credits {
        let mut out = Credits::default();
        for (key, value) in credits {
            let key = key.as_str();
            if SOURCE_KEYS.contains(&key) {
                if out.source.is_none() {
                    out.source = Some(sanitize_line(value));
                }
                continue;
            }
            let names = names(key, value);
            if AUTHOR_KEYS.contains(&key) {
                for (role, name) in &names {
                    if !role.starts_with("摄影") && !out.authors.contains(name) {
                        out.authors.push(name.clone());
                    }
                }
            }
            let joined = || {
                let all: Vec<&str> = names.iter().map(|(_, n)| n.as_str()).collect();
                (!all.is_empty()).then(|| all.join("、"))
            };
            if EDITOR_KEYS.contains(&key) && out.editor.is_none() {
                out.editor = joined();
            }
            if REVIEWER_KEYS.contains(&key) && out.reviewer.is_none() {
                out.reviewer = joined();
            }
            debug_assert!(
                AUTHOR_KEYS.contains(&key)
                    || EDITOR_KEYS.contains(&key)
                    || REVIEWER_KEYS.contains(&key)
                    || OTHER_KEYS.contains(&key)
            );
            for credit in names {
                if !out.list.contains(&credit) {
                    out.list.push(credit);
                }
            }
        }
        out
    }
}

/// `记者 沈哲韬 实习生 徐佳叶` under `撰稿` → `[(记者, 沈哲韬), (实习生, 徐佳叶)]`;
/// names before any role word get the key as their role.
fn names(key: &str, value: &str) -> Vec<(String, String)> {
    let mut role = key.to_string();
    let mut out = Vec::new();
    let tokens = value
        .split(|c: char| c.is_whitespace() || "、，,；;/|｜".contains(c))
        .filter(|t| !t.is_empty());
    for token in tokens {
        let token = sanitize_line(token);
        if let Some(r) = ROLES.iter().find(|r| token.starts_with(**r)) {
            role = r.to_string();
            let name = &token[r.len()..];
            if !name.is_empty() {
                out.push((role.clone(), name.to_string()));
            }
        } else if !NOT_NAMES.contains(&token.as_str()) {
            out.push((role.clone(), token));
        }
    }
    out
}

// ----------------------------------------------------------------- page text

/// A row of site navigation: four or more short items separated by spaces
/// or `|`, none of them a sentence.
fn is_menu_row(line: &str) -> bool {
    let items: Vec<&str> = line
        .split(|c: char| c.is_whitespace() || "|｜·•".contains(c))
        .filter(|s| !s.is_empty())
        .collect();
    items.len() >= 4
        && items.iter().all(|s| {
            s.chars().count() <= 8
                && !s.contains(['。', '，', '；', '：', '、', '“', '”', ',', ':'])
        })
}

/// Lines that end the article: the site footer, links to other articles.
fn is_footer(line: &str) -> bool {
    const MARKS: &[&str] = &[
        "新闻投稿",
        "新闻热线",
        "投稿邮箱",
        "投稿信箱",
        "版权所有",
        "版权声明",
        "Copyright",
        "COPYRIGHT",
        "copyright",
        "©",
        "ICP备",
        "ICP证",
        "公网安备",
        "上一篇",
        "下一篇",
        "相关新闻",
        "相关阅读",
        "相关链接",
        "网友评论",
        "关于我们",
        "联系我们",
    ];
    line.chars().count() <= 120 && !line.contains('。') && MARKS.iter().any(|m| line.contains(m))
}

/// Page furniture dropped wherever it is: buttons, share and font-size
/// rows, lines of only e-mail addresses and phone numbers.
fn is_chrome(line: &str) -> bool {
    const WHOLE: &[&str] = &[
        "推荐",
        "打印",
        "关闭",
        "关闭窗口",
        "打印本页",
        "返回顶部",
        "分享",
        "收藏",
        "纠错",
        "【纠错】",
        "【打印】",
        "【关闭】",
    ];
    const STARTS: &[&str] = &[
        "分享到",
        "字号",
        "【字体",
        "字体：",
        "扫一扫",
        "【我要打印】",
    ];
    let short = line.chars().count() <= 40;
    WHOLE.contains(&line)
        || (short && STARTS.iter().any(|s| line.starts_with(s)))
        || contacts_only(line)
}

/// `新闻投稿:184042016@qq.com 新闻热线:13157110107`: only labels, e-mail
/// addresses and phone numbers.
fn contacts_only(line: &str) -> bool {
    let mut any = false;
    for token in line.split(|c: char| c.is_whitespace() || c == '|' || c == '｜') {
        if token.is_empty() {
            continue;
        }
        // Drop a short label: `热线：`, `E-mail:`.
        let value = match token.split_once([':', '：']) {
            Some((label, value)) if label.chars().count() <= 8 => value,
            _ => token,
        };
        if value.is_empty() {
            continue;
        }
        let email = value.contains('@') && value.contains('.') && !has_cjk(value);
        let digits = value.chars().filter(char::is_ascii_digit).count();
        let phone = digits >= 7
            && value
                .chars()
                .all(|c| c.is_ascii_digit() || "-+()（）".contains(c));
        if !(email || phone) {
            return false;
        }
        any = true;
    }
    any
}

/// `——记者手记` under a headline.
fn is_subtitle(line: &str) -> bool {
    line.starts_with("——") || line.starts_with("--") || line.starts_with("－－")
}

/// Could this line be the headline?
fn is_heading(line: &str) -> bool {
    let n = line.chars().count();
    (4..=80).contains(&n)
        && has_cjk(line)
        && !line.ends_with('。')
        && !is_subtitle(line)
        && !is_menu_row(line)
        && !is_footer(line)
        && !is_chrome(line)
        && breadcrumb(line).is_none()
        && keyed_date(line).is_none()
        && bare_date(line).is_none()
        && credit_line(line).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str, tz: Option<&str>) -> Article {
        let mut all = parse_with(text, tz).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(all.len(), 1);
        all.remove(0)
    }

    fn assert_clean(a: &Article, chrome: &[&str]) {
        let all = a.body.join("\n");
        for c in chrome {
            assert!(!all.contains(c), "{c:?} leaked into the body:\n{all}");
        }
    }

    #[test]
    fn the_seed_dump_becomes_the_sample_article() {
        let a = one(
            include_str!("../../../tests/fixtures/textdump/seed.txt"),
            Some("Asia/Shanghai"),
        );
        let want: Value =
            serde_json::from_str(include_str!("../../../data/000_jiaxing_manufacturing.json"))
                .unwrap();
        let got = a.to_json();
        if got != want {
            for (k, v) in want.as_object().unwrap() {
                assert_eq!(got.get(k), Some(v), "field {k}");
            }
            assert_eq!(got, want);
        }
    }

    #[test]
    fn without_a_zone_the_seed_date_stays_naive() {
        let a = one(
            include_str!("../../../tests/fixtures/textdump/seed.txt"),
            None,
        );
        assert_eq!(
            a.published.unwrap().to_rfc3339(),
            "2023-01-06T09:18:16",
            "no invented offset"
        );
    }

    #[test]
    fn a_daily_with_chinese_dates_author_and_copyright_footer() {
        let a = one(
            include_str!("../../../tests/fixtures/textdump/shili_ribao.txt"),
            Some("Asia/Shanghai"),
        );
        assert_eq!(a.title, "示例市老旧小区改造惠及三万户居民");
        assert_eq!(
            a.published.as_ref().unwrap().to_rfc3339(),
            "2024-03-05T14:30:00+08:00"
        );
        assert_eq!(a.section, ["示例新闻", "社会"]);
        assert_eq!(a.source.as_deref(), Some("示例日报"));
        assert_eq!(a.authors, ["张小明", "李华"]);
        assert_eq!(a.editor.as_deref(), Some("王五"));
        assert_eq!(a.lang.as_deref(), Some("zh-CN"));
        assert_eq!(
            a.body.first().unwrap(),
            "　　记者昨日从示例市住建局获悉，2023年全市共完成老旧小区改造126个，惠及居民约3万户，总投资达18.5亿元。"
        );
        assert_eq!(
            a.body.last().unwrap(),
            "　　“以前下雨天楼道里全是水，现在再也不用担心了！”家住示例路的居民陈阿姨说。"
        );
        assert_eq!(a.body.len(), 4);
        assert!(a.body[1].contains("（简称“旧改”）"), "{}", a.body[1]);
        assert!(a.body[2].contains("8:30至17:00"), "{}", a.body[2]);
        assert!(a.body[2].contains("1,200"), "{}", a.body[2]);
        assert!(!a.extra.contains_key("original_title"));
        assert_eq!(
            a.to_json()["credits"],
            json!([
                {"role": "作者", "name": "张小明"},
                {"role": "作者", "name": "李华"},
                {"role": "责任编辑", "name": "王五"},
            ])
        );
        assert_clean(
            &a,
            &[
                "首页",
                "当前位置",
                "发布日期",
                "来源",
                "作者",
                "责任编辑",
                "版权所有",
                "ICP",
                "Copyright",
                "要闻 |",
                "分享到",
            ],
        );
    }

    #[test]
    fn an_evening_paper_with_header_credits_subtitle_and_contacts() {
        let a = one(
            include_str!("../../../tests/fixtures/textdump/shili_wanbao.txt"),
            None,
        );
        assert_eq!(a.title, "示例区首条跨江隧道全线贯通");
        assert_eq!(
            a.extra["subtitle"],
            json!("预计今年底通车，两岸通行时间缩短至5分钟")
        );
        assert_eq!(
            a.published.as_ref().unwrap().to_rfc3339(),
            "2024-11-20T08:05:00",
            "naive without a zone"
        );
        assert_eq!(a.section, ["经济", "示例区"]);
        assert_eq!(a.source.as_deref(), Some("示例晚报"));
        assert_eq!(a.authors, ["赵六", "钱七"]);
        assert_eq!(a.editor.as_deref(), Some("孙八"));
        assert_eq!(
            a.to_json()["credits"],
            json!([
                {"role": "见习记者", "name": "赵六"},
                {"role": "通讯员", "name": "钱七"},
                {"role": "责任编辑", "name": "孙八"},
                {"role": "校对", "name": "周九"},
            ])
        );
        assert_eq!(
            a.body.first().unwrap(),
            "　　11月19日上午10时，随着最后一块管片拼装到位，示例区首条跨江隧道实现全线贯通。"
        );
        assert_eq!(
            a.body.last().unwrap(),
            "　　（原标题：示例区跨江隧道贯通 年底有望通车）"
        );
        assert_eq!(
            a.extra["original_title"],
            json!("示例区跨江隧道贯通 年底有望通车")
        );
        assert!(a.body.iter().any(|p| p.contains("盾构机（TBM）")));
        assert_clean(
            &a,
            &[
                "您现在的位置",
                "发布时间",
                "分享到",
                "责任编辑",
                "上一篇",
                "下一篇",
                "投稿邮箱",
                "news@example.cn",
                "0000-1234567",
                "预计今年底通车，两岸",
            ],
        );
    }

    #[test]
    fn a_county_site_with_slashes_short_time_key_and_reviewer() {
        let a = one(
            include_str!("../../../tests/fixtures/textdump/shili_xian.txt"),
            Some("+08:00"),
        );
        assert_eq!(a.title, "示例县召开春季农业生产现场会");
        assert_eq!(
            a.published.as_ref().unwrap().to_rfc3339(),
            "2024-06-18T16:20:00+08:00"
        );
        assert_eq!(a.section, ["时政", "示例县"]);
        assert_eq!(a.source.as_deref(), Some("示例县融媒体中心"));
        assert_eq!(a.authors, ["吴十"]);
        assert_eq!(a.editor.as_deref(), Some("郑一"));
        assert_eq!(a.extra["reviewer"], json!("冯二"));
        assert_eq!(
            a.body.first().unwrap(),
            "6月18日，示例县春季农业生产现场会在示例镇召开。"
        );
        assert_eq!(
            a.body.last().unwrap(),
            "会议要求：各乡镇要抓住农时，确保粮食播种面积稳定在12.6万亩以上。"
        );
        assert!(a.body.iter().any(|p| p.contains("A、B两类")));
        assert_clean(
            &a,
            &[
                "位置",
                "首页",
                "时间：",
                "编辑",
                "审核",
                "版权所有",
                "网站地图",
                "公网安备",
                "示例县人民政府",
            ],
        );
    }

    #[test]
    fn ascii_punctuation_becomes_full_width_next_to_chinese_only() {
        let cases = [
            ("数据显示,2021年,全市", "数据显示，2021年，全市"),
            (
                "依法依规为A、B类企业减免6.7亿元,奖励",
                "依法依规为A、B类企业减免6.7亿元，奖励",
            ),
            ("围绕“3+X”重点领域,即", "围绕“3+X”重点领域，即"),
            ("充满了信心!”阿特斯", "充满了信心！”阿特斯"),
            ("(原文标题:“新星”产业群)", "（原文标题：“新星”产业群）"),
            ("生产总值(GDP)增长", "生产总值（GDP）增长"),
            ("上午10:30,约1,000人到场", "上午10:30，约1,000人到场"),
            ("好吗?!", "好吗？！"),
            ("他说, 好", "他说，好"),
            ("f(x) = 1, g(y)", "f(x) = 1, g(y)"),
        ];
        for (dump, want) in cases {
            assert_eq!(fullwidth_punctuation(dump), want, "{dump}");
        }
    }

    #[test]
    fn breadcrumbs_of_several_sites() {
        let cases: [(&str, &[&str]); 5] = [
            (
                "您的位置:首页\u{a0}>\u{a0}浙江\u{a0}>\u{a0}嘉兴\u{a0}>\u{a0}要闻 新闻详情",
                &["浙江", "嘉兴", "要闻"],
            ),
            (
                "当前位置：首页 › 示例新闻 › 社会 › 正文",
                &["示例新闻", "社会"],
            ),
            ("您现在的位置：首页 » 经济", &["经济"]),
            ("位置：首页 / 时政 / 示例县", &["时政", "示例县"]),
            ("首页 > 体育", &["体育"]),
        ];
        for (line, want) in cases {
            assert_eq!(breadcrumb(line).expect(line), want, "{line}");
        }
        assert_eq!(breadcrumb("示例市举行新闻发布会"), None);
    }

    #[test]
    fn dates_in_the_forms_pages_use() {
        let cases = [
            (
                "发布时间 | 2023-01-06 09:18:16\u{a0}\u{a0}",
                "2023-01-06T09:18:16",
            ),
            ("发布日期：2024年3月5日 14:30", "2024-03-05T14:30:00"),
            (
                "时间：2024/6/18 16:20 来源：示例县融媒体中心",
                "2024-06-18T16:20:00",
            ),
            ("来源：示例报 发布时间：2024-01-02", "2024-01-02T00:00:00"),
            (
                "发布时间：2024-01-02T03:04:05+09:00",
                "2024-01-02T03:04:05+09:00",
            ),
        ];
        for (line, want) in cases {
            let found = keyed_date(line).unwrap_or_else(|| panic!("{line}"));
            let p = Published::parse(&found.text, None).unwrap();
            assert_eq!(p.to_rfc3339(), want, "{line}");
        }
        assert!(keyed_date("2022年1至11月，全市累计整治").is_none());
        assert!(bare_date("2024年3月5日 星期二").is_none());
        assert!(bare_date("2024-03-05 14:30 来源：示例日报").is_some());
    }

    #[test]
    fn a_stated_offset_beats_the_configured_zone() {
        let dump = "示例新闻标题一则\n发布时间：2024-01-02 03:04 北京时间\n\n　　正文。\n";
        let a = one(dump, Some("Europe/Berlin"));
        assert_eq!(
            a.published.unwrap().to_rfc3339(),
            "2024-01-02T03:04:00+08:00"
        );
    }

    #[test]
    fn a_page_without_date_or_title_is_an_error() {
        let e = parse("推荐\n首页 新闻 体育 财经 科技\n\n版权所有 示例网\n").unwrap_err();
        assert!(e.message.contains("no title"), "{e}");
        assert!(e.message.contains("发布时间"), "{e}");
        assert_eq!(e.line, 1);
    }

    #[test]
    fn a_page_without_a_date_line_is_read_without_a_date() {
        // Found by fuzzing (fuzz/ target `textdump`): every dump whose title
        // was found but no date line panicked on an inverted range.
        assert!(parse("\0\u{fffd}珏\u{fffd}").is_err());
        let a = one("示例市举行新闻发布会\n\n　　正文第一段。\n", None);
        assert_eq!(a.title, "示例市举行新闻发布会");
        assert_eq!(a.published, None);
        assert_eq!(a.body, ["　　正文第一段。"]);
    }

    #[test]
    fn a_page_without_body_is_an_error_at_its_line() {
        let e = parse("示例市举行新闻发布会\n发布时间：2024-03-05 14:30\n\n版权所有 示例网\n")
            .unwrap_err();
        assert!(e.message.contains("no body"), "{e}");
        assert!(e.message.contains("line 2"), "{e}");
        assert_eq!(e.line, 3);
    }

    #[test]
    fn an_unreadable_zone_is_an_error_at_the_date_line() {
        let e = parse_with(
            "示例市举行新闻发布会\n发布时间：2024-03-05 14:30\n　　正文。\n",
            Some("Mars/Olympus"),
        )
        .unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("Mars/Olympus"), "{e}");
    }

    #[test]
    fn crlf_lines_and_a_headline_below_the_date() {
        let dump = "首页 新闻 体育 财经 科技\r\n2024-05-01 09:00 来源：示例网\r\n示例公园五一游客创新高\r\n\r\n\u{a0}\u{a0}假期首日,示例公园接待游客2.1万人次。\r\n";
        let a = one(dump, None);
        assert_eq!(a.title, "示例公园五一游客创新高");
        assert_eq!(a.source.as_deref(), Some("示例网"));
        assert_eq!(a.published.unwrap().to_rfc3339(), "2024-05-01T09:00:00");
        assert_eq!(a.body, ["　　假期首日，示例公园接待游客2.1万人次。"]);
    }

    #[test]
    fn interview_questions_are_not_credits() {
        let dump = "示例专访：谈谈新质生产力\n发布时间：2024-03-05 14:30\n\n　　开场白。\n\n记者：请问示例市下一步有什么打算？\n\n　　答：继续努力。\n\n编辑：王五\n";
        let a = one(dump, None);
        assert_eq!(a.body.len(), 3, "{:?}", a.body);
        assert_eq!(a.editor.as_deref(), Some("王五"));
    }
}
