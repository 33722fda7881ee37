//! One idea: typesetting — line breaking with CJK rules, its caches
//! ([`Lazy`]) and match positions, which must agree cell for cell.
//!
//! Typesetting: article text → lines that fit the terminal's cell grid.
//!
//! [`typeset`] is a pure function used by the reader pane, `kanbao read` and
//! `kanbao snapshot`, so what a test sees is what a user sees.
//!
//! Line breaking follows UAX #14 (textwrap's `UnicodeBreakProperties`, so
//! `2023-01-06` and `210HiKu7` stay whole), then the Chinese/Japanese
//! line-breaking rules (禁则): closing punctuation never starts a line,
//! opening punctuation never ends one, `——` and `……` are never split, and a
//! paragraph's full-width indent stays with its first character. Lines are
//! filled first-fit. A token wider than the line is cut between grapheme
//! clusters, at the last place the same rules allow.

use std::ops::Range;

use textwrap::WordSeparator;
use textwrap::core::Fragment;
use unicode_segmentation::UnicodeSegmentation;

use crate::model::article::Article;
use crate::text::width::{Ambiguous, cluster_width, str_width};

/// Settings that change how an article is typeset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TypesetOptions {
    /// How East Asian Ambiguous characters are counted.
    pub ambiguous: Ambiguous,
}

/// What a typeset line is, so renderers can style it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LineKind {
    /// The article title.
    Title,
    /// Date, source and authors.
    Meta,
    /// An empty separator line.
    Blank,
    /// A line of a body paragraph.
    Body,
    /// The article's URL, when it is a web or mail link.
    Link,
    /// The article's `url` field when it is not a web link: shown, never opened.
    NotALink,
}

/// One line of typeset text, never wider than the width it was set for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// What the line is.
    pub kind: LineKind,
    /// The text, without trailing break spaces.
    pub text: String,
    /// Its display width in cells.
    pub width: usize,
    /// Where the line starts in the article's text (title, metadata and
    /// paragraphs counted one after another, in bytes): the same text keeps
    /// the same offset at every width, so a reader can keep its place.
    pub offset: usize,
}

/// Where search `terms` occur in line `index`, as byte ranges of its text.
///
/// Matches are found in the line joined with its neighbours of the same
/// paragraph (with the spaces dropped at breaks put back), so a word or
/// phrase broken across two lines is highlighted on both.
pub fn matches_in_line(lines: &[Line], index: usize, terms: &[String]) -> Vec<Range<usize>> {
    let Some(line) = lines.get(index) else {
        return Vec::new();
    };
    if terms.is_empty() || line.kind == LineKind::Blank {
        return Vec::new();
    }
    let continues = |a: &Line, b: &Line| a.kind == b.kind && b.offset >= a.offset + a.text.len();
    // The lines just before and after are enough for any term that fits in
    // two lines, and keep the cost flat however long the paragraph is.
    let gap = |a: &Line, b: &Line| b.offset - (a.offset + a.text.len());
    let first =
        if index > 0 && continues(&lines[index - 1], line) && gap(&lines[index - 1], line) < 8 {
            index - 1
        } else {
            index
        };
    let last = if index + 1 < lines.len()
        && continues(line, &lines[index + 1])
        && gap(line, &lines[index + 1]) < 8
    {
        index + 1
    } else {
        index
    };
    let mut block = String::new();
    let mut start_in_block = 0;
    for (i, l) in lines[first..=last].iter().enumerate() {
        if i > 0 {
            let prev = &lines[first + i - 1];
            let gap = l.offset - (prev.offset + prev.text.len());
            block.extend(std::iter::repeat_n(' ', gap));
        }
        if first + i == index {
            start_in_block = block.len();
        }
        block.push_str(&l.text);
    }
    let end_in_block = start_in_block + line.text.len();
    crate::query::find_in_line(&block, terms)
        .into_iter()
        .filter(|r| r.start < end_in_block && r.end > start_in_block)
        .map(|r| {
            r.start.max(start_in_block) - start_in_block..r.end.min(end_in_block) - start_in_block
        })
        .filter(|r| !r.is_empty())
        .collect()
}

/// Narrowest width kanbao typesets for: one wide character must fit.
pub const MIN_WIDTH: usize = 2;

/// Typesets a whole article: title, a metadata line, a blank line, then the
/// body paragraphs separated by blank lines, then the numbered links found in
/// the body and last the article's URL (if any).
///
/// ```
/// use kanbao_core::Article;
/// use kanbao_core::{typeset, LineKind, TypesetOptions};
/// let article = Article::new("看报", vec!["　　终端里的新闻，排得整整齐齐。".into()]);
/// let lines = typeset(&article, 12, &TypesetOptions::default());
/// assert_eq!(lines[0].text, "看报");
/// assert!(lines.iter().all(|l| l.width <= 12));
/// assert_eq!(lines.last().unwrap().kind, LineKind::Body);
/// ```
pub fn typeset(article: &Article, width: usize, options: &TypesetOptions) -> Vec<Line> {
    let mut lazy = Lazy::new(article, width, options);
    lazy.finish();
    lazy.lines
}

/// One block of an article to typeset: a kind, its text, and whether a blank
/// line comes before it.
#[derive(Clone, Debug)]
struct Block {
    kind: LineKind,
    text: String,
    blank_before: bool,
}

/// How much of a paragraph is wrapped at a time.
const CHUNK: usize = 32 * 1024;

/// How far a chunk grows when its lines are too long for it to make more
/// than the lines set again ([`Lazy`]): lines of that many bytes are made
/// only of clusters longer than [`MAX_CLUSTER`] or of zero-width ones.
const MAX_GROWN: usize = CHUNK << 8;

/// Longest grapheme cluster, in bytes, that the lazy cut of a long run
/// never splits: a longer one (a base with thousands of combining marks,
/// which no script needs) may be cut where a 32 KiB chunk ([`CHUNK`]) ends,
/// so that a line holds at most about 36 KiB of it.
pub const MAX_CLUSTER: usize = 4 * 1024;

/// An article typeset a piece at a time, so that a huge article opens at
/// once: [`Lazy::ensure`] typesets just enough lines for the screen. The
/// lines are exactly those [`typeset`] gives: a chunk of a long paragraph
/// ends between two ideographs or at a space, where the rules allow a
/// break and nothing glues across, and its last line is set again with what
/// follows. A run of text without such a place (one long word, a URL, a
/// run of digits) is cut between two grapheme clusters instead, and its
/// last two lines are set again: only the last piece of the run can differ
/// from what the whole run gives, and it can change where the line before
/// it ends, no more.
#[derive(Clone, Debug)]
pub struct Lazy {
    lines: Vec<Line>,
    blocks: Vec<Block>,
    width: usize,
    ambiguous: Ambiguous,
    /// The block being typeset, and where in its text the next line starts.
    block: usize,
    at: usize,
    /// Offset of the current block's text in the article's text.
    base: usize,
    /// Bytes of text in all blocks, for a position estimate before the end is known.
    total: usize,
    /// Where the last line set ends in the article's text.
    end: usize,
}

impl Lazy {
    /// Prepares to typeset `article` to `width`; typesets nothing yet.
    pub fn new(article: &Article, width: usize, options: &TypesetOptions) -> Lazy {
        let mut blocks = vec![Block {
            kind: LineKind::Title,
            text: article.title.clone(),
            blank_before: false,
        }];
        let meta = article.meta_line();
        if !meta.is_empty() {
            blocks.push(Block {
                kind: LineKind::Meta,
                text: meta,
                blank_before: false,
            });
        }
        for p in &article.body {
            blocks.push(Block {
                kind: LineKind::Body,
                text: p.clone(),
                blank_before: true,
            });
        }
        // Links numbered in the text ([1], [2]…), listed like newsboat does.
        for (i, link) in article.links.iter().enumerate() {
            let kind = if crate::model::link::Link::parse(link).is_ok() {
                LineKind::Link
            } else {
                LineKind::NotALink
            };
            blocks.push(Block {
                kind,
                text: format!("[{}] {link}", i + 1),
                blank_before: i == 0,
            });
        }
        if let Some(url) = &article.url {
            let (kind, text) = match article.link() {
                Some(Ok(_)) => (LineKind::Link, url.clone()),
                _ => (LineKind::NotALink, format!("{url} (not a web link)")),
            };
            blocks.push(Block {
                kind,
                text,
                blank_before: true,
            });
        }
        let total = blocks.iter().map(|b| b.text.len() + 1).sum();
        Lazy {
            lines: Vec::new(),
            blocks,
            width,
            ambiguous: options.ambiguous,
            block: 0,
            at: 0,
            base: 0,
            total,
            end: 0,
        }
    }

    /// The lines typeset so far.
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// Whether the whole article is typeset.
    pub fn is_done(&self) -> bool {
        self.block >= self.blocks.len()
    }

    /// Typesets until there are at least `n` lines (or the article ends).
    pub fn ensure(&mut self, n: usize) {
        while self.lines.len() < n && !self.is_done() {
            self.step();
        }
    }

    /// Typesets the rest of the article.
    pub fn finish(&mut self) {
        while !self.is_done() {
            self.step();
        }
    }

    /// Roughly how far into the article's text a line is, 0–100 (for the
    /// position indicator before the end is known).
    pub fn percent_at(&self, line: usize) -> usize {
        self.lines
            .get(line)
            .map_or(100, |l| l.offset * 100 / self.total.max(1))
    }

    /// Typesets one chunk of the current block.
    fn step(&mut self) {
        let block = &self.blocks[self.block];
        if self.at == 0 && block.blank_before {
            self.lines.push(Line {
                kind: LineKind::Blank,
                text: String::new(),
                width: 0,
                offset: self.end,
            });
        }
        let text = &block.text[self.at..];
        // Lines set again with what follows (see the type's documentation):
        // the chunk must make more lines than that, or setting them again
        // would not start where the whole paragraph starts a line. Lines of
        // clusters many bytes long (a letter with a thousand accents) may
        // hold more than a chunk: the chunk grows until it makes enough, up
        // to MAX_GROWN bytes, unless it holds a cluster longer than
        // MAX_CLUSTER (found by fuzzing: at width 11, lines of 19 KiB).
        // Whether the text starts a paragraph or a line of it after `\n`
        // (where an indent stays with its text), or goes on after a line.
        let starts = self.at == 0 || block.text[..self.at].ends_with('\n');
        let mut size = CHUNK;
        let (end, mut ranges, again) = loop {
            let (end, inside) = chunk_end(text, size);
            let ranges = wrap_ranges_from(&text[..end], self.width, self.ambiguous, starts);
            let again = if inside { 2 } else { 1 };
            let enough = end == text.len() || ranges.len() > again || size >= MAX_GROWN;
            // Clusters longer than MAX_CLUSTER are cut where the chunk ends.
            if enough || text[..end].graphemes(true).any(|g| g.len() > MAX_CLUSTER) {
                break (end, ranges, again);
            }
            size *= 2;
        };
        let restart = if end == text.len() {
            None
        } else if ranges.len() > again {
            let start = ranges[ranges.len() - again].0.start;
            ranges.truncate(ranges.len() - again);
            Some(start)
        } else {
            // A width too large for the chunk to fill lines: go on after it.
            Some(end)
        };
        for (range, width) in ranges {
            let offset = self.base + self.at + range.start;
            self.end = offset + range.len();
            self.lines.push(Line {
                kind: block.kind,
                text: text[range].to_owned(),
                width,
                offset,
            });
        }
        match restart {
            Some(start) => self.at += start,
            None => {
                self.base += block.text.len() + 1;
                self.block += 1;
                self.at = 0;
            }
        }
    }

    /// Typesets the rest of the article a chunk at a time, handing each line
    /// to `f` and keeping none: what `kanbao read` prints, in memory
    /// proportional to a chunk, not to the article.
    pub fn each_line<E>(&mut self, mut f: impl FnMut(Line) -> Result<(), E>) -> Result<(), E> {
        while !self.is_done() {
            self.step();
            for line in self.lines.drain(..) {
                f(line)?;
            }
        }
        Ok(())
    }
}

/// Where to end a chunk of `text`, and whether that is inside a run of text
/// that may not break there: all of it when short; else just after the
/// first place past `size` bytes (at least [`CHUNK`]) where two ideographs meet or a space
/// starts (nothing glues across those); else, in a long run without such a
/// place, at the first grapheme cluster boundary past `size` bytes (or
/// [`MAX_CLUSTER`] bytes further, inside an overlong cluster).
///
/// `text` starts at a cluster boundary (the start of a line), so the
/// clusters are found from there: in a run of flags, the pairs of regional
/// indicators are counted from the start of the text.
fn chunk_end(text: &str, size: usize) -> (usize, bool) {
    if text.len() <= size {
        return (text.len(), false);
    }
    let ideograph = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    let from = (size..=text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    let mut prev: Option<char> = None;
    for (i, c) in text[from..].char_indices() {
        let at = from + i;
        if let Some(p) = prev
            && ((ideograph(p) && ideograph(c)) || (c == ' ' && p != ' '))
        {
            return (at, false);
        }
        prev = Some(c);
        if i > CHUNK {
            break;
        }
    }
    // No such place: cut the run between two clusters.
    // At least MAX_CLUSTER bytes past `from`: a cluster no longer than that
    // which covers `from` ends within (found by fuzzing: measured from the
    // start of the text, the window was up to 3 bytes short).
    let mut limit = (from + MAX_CLUSTER).min(text.len());
    while !text.is_char_boundary(limit) {
        limit += 1;
    }
    let within = &text[..limit];
    let mut cursor = unicode_segmentation::GraphemeCursor::new(from, limit, true);
    let cut = match cursor.is_boundary(within, 0) {
        Ok(true) => from,
        _ => cursor
            .next_boundary(within, 0)
            .ok()
            .flatten()
            .unwrap_or(limit),
    };
    if cut >= text.len() {
        (text.len(), false)
    } else {
        (cut, true)
    }
}

/// Wraps one paragraph to `width` cells (at least [`MIN_WIDTH`]).
///
/// A `\n` inside the paragraph is a hard line break. Spaces at a break are
/// dropped; every other character is kept, in order.
///
/// ```
/// use kanbao_core::wrap;
/// use kanbao_core::Ambiguous;
/// // `，` never starts a line, even when that means a shorter line.
/// assert_eq!(wrap("一二三四，五六", 8, Ambiguous::Narrow), ["一二三", "四，五六"]);
/// // Numbers and Latin words stay whole.
/// assert_eq!(wrap("功率达670W，好", 8, Ambiguous::Narrow), ["功率达", "670W，好"]);
/// ```
pub fn wrap(text: &str, width: usize, ambiguous: Ambiguous) -> Vec<String> {
    wrap_measured(text, width, ambiguous)
        .into_iter()
        .map(|(s, _)| s)
        .collect()
}

/// [`wrap`], returning each line with its display width.
pub fn wrap_measured(text: &str, width: usize, ambiguous: Ambiguous) -> Vec<(String, usize)> {
    wrap_ranges(text, width, ambiguous)
        .into_iter()
        .map(|(range, w)| (text[range].to_owned(), w))
        .collect()
}

/// [`wrap`], returning each line as a byte range of `text` with its width.
pub fn wrap_ranges(text: &str, width: usize, ambiguous: Ambiguous) -> Vec<(Range<usize>, usize)> {
    wrap_ranges_from(text, width, ambiguous, true)
}

/// [`wrap_ranges`] of a text that starts a paragraph (or a line after a
/// `\n`), where a full-width indent stays with its text, or (`starts` is
/// false) of the rest of a paragraph from one of its lines on.
fn wrap_ranges_from(
    text: &str,
    width: usize,
    ambiguous: Ambiguous,
    starts: bool,
) -> Vec<(Range<usize>, usize)> {
    let width = width.max(MIN_WIDTH);
    let mut out = Vec::new();
    let mut start = 0;
    for (n, segment) in text.split('\n').enumerate() {
        if segment.is_empty() {
            out.push((start..start, 0));
        } else {
            let indent = starts || n > 0;
            for (range, w) in wrap_segment(segment, width, ambiguous, indent) {
                out.push((start + range.start..start + range.end, w));
            }
        }
        start += segment.len() + 1;
    }
    out
}

/// A breakable piece of a segment: `word` is `start..word_end`, followed by
/// break spaces up to `end`.
#[derive(Debug, Clone, Copy)]
struct Piece {
    start: usize,
    word_end: usize,
    end: usize,
    width: usize,
}

impl Fragment for Piece {
    fn width(&self) -> f64 {
        self.width as f64
    }
    fn whitespace_width(&self) -> f64 {
        (self.end - self.word_end) as f64
    }
    fn penalty_width(&self) -> f64 {
        0.0
    }
}

fn wrap_segment(
    seg: &str,
    width: usize,
    amb: Ambiguous,
    indent: bool,
) -> Vec<(Range<usize>, usize)> {
    // 1. UAX #14 break opportunities, as textwrap words. textwrap removes
    //    the last opportunity it finds, taking it for the end of the text;
    //    but it never counts one after `-` or a soft hyphen, so in a text
    //    ending with one it removed the break before the last word instead
    //    (`报kanba-` became one word). A space after the text puts the end's
    //    opportunity back; it lies past `seg` and is clipped off.
    let padded;
    let words_of = if seg.ends_with(['-', '\u{ad}']) {
        padded = format!("{seg} ");
        padded.as_str()
    } else {
        seg
    };
    let base = words_of.as_ptr() as usize;
    let mut tokens: Vec<Piece> = Vec::new();
    for word in WordSeparator::UnicodeBreakProperties.find_words(words_of) {
        let word_start = word.word.as_ptr() as usize - base;
        let word_end = word_start + word.word.len();
        let end = (word_end + word.whitespace.len()).min(seg.len());
        let mut start = word_start;
        for cut in quote_breaks(word.word).chain(std::iter::once(word.word.len())) {
            let (piece_end, ws_end) = if cut == word.word.len() {
                (word_end, end)
            } else {
                (word_start + cut, word_start + cut)
            };
            // 2. Kinsoku: glue this piece to the previous one where a break is forbidden.
            match tokens.last_mut() {
                Some(prev)
                    if !kinsoku_breakable(
                        &seg[prev.start..prev.word_end],
                        &seg[start..piece_end],
                    ) || (indent && prev.start == 0 && is_indent(&seg[..prev.word_end])) =>
                {
                    prev.word_end = piece_end;
                    prev.end = ws_end;
                }
                _ => tokens.push(Piece {
                    start,
                    word_end: piece_end,
                    end: ws_end,
                    width: 0,
                }),
            }
            start = piece_end;
        }
    }
    let tokens = whole_clusters(seg, tokens);
    // 3. Measure; cut what cannot fit on any line.
    let mut pieces = Vec::with_capacity(tokens.len());
    for mut t in tokens {
        t.width = str_width(&seg[t.start..t.word_end], amb);
        if t.width <= width {
            pieces.push(t);
        } else {
            cut_long(seg, t, width, amb, &mut pieces);
        }
    }
    // 4. First-fit.
    textwrap::wrap_algorithms::wrap_first_fit(&pieces, &[width as f64])
        .into_iter()
        .filter(|line| !line.is_empty())
        .map(|line| {
            let first = line[0];
            let last = line[line.len() - 1];
            let w = line.iter().map(|p| p.width).sum::<usize>()
                + line[..line.len() - 1]
                    .iter()
                    .map(|p| p.end - p.word_end)
                    .sum::<usize>();
            (first.start..last.word_end, w)
        })
        .collect()
}

/// Moves the edges of `tokens` onto grapheme cluster boundaries (found by
/// fuzzing: UAX #14 may break where a cluster goes on).
///
/// UAX #14 allows a break between a space and a combining mark after it
/// (LB10), but `" \u{31e}"` is one cluster: breaking there dropped the space
/// and left the mark alone. A Prepend character (`U+0600`…) joins the next
/// character into its cluster, a space or an ideograph, where UAX #14 may
/// break too. So: a word that starts inside a cluster takes the spaces of
/// that cluster with it; a word that ends inside one takes the spaces that
/// complete it; and a cluster that spans two words glues them together.
fn whole_clusters(seg: &str, tokens: Vec<Piece>) -> Vec<Piece> {
    // Most news text has no character that joins a cluster: nothing to do.
    if seg.chars().all(crate::text::width::stands_alone) {
        return tokens;
    }
    // Cluster edges, found once: a `GraphemeCursor` asked at every token
    // looks back over a whole run of regional indicators each time, which
    // made a long run of flags quadratic (found with the fuzz target).
    let edges: Vec<usize> = seg
        .grapheme_indices(true)
        .map(|(i, _)| i)
        .chain([seg.len()])
        .collect();
    let boundary = |i: usize| edges.binary_search(&i).is_ok();
    let next = |i: usize| edges[edges.partition_point(|&e| e <= i).min(edges.len() - 1)];
    let prev = |i: usize| edges[edges.partition_point(|&e| e < i).saturating_sub(1)];
    let mut out: Vec<Piece> = Vec::with_capacity(tokens.len());
    for mut t in tokens {
        let Some(last) = out.last_mut() else {
            out.push(t);
            continue;
        };
        if !boundary(last.word_end) {
            let end = next(last.word_end);
            if end <= t.start {
                // The spaces after the word complete its last cluster.
                last.word_end = end;
            } else {
                // One cluster spans both words: no break between them.
                last.word_end = t.word_end;
                last.end = t.end;
                continue;
            }
        }
        if !boundary(t.start) {
            // The spaces before the word begin its first cluster.
            t.start = prev(t.start).max(last.word_end);
            last.end = t.start;
        }
        out.push(t);
    }
    // The last word's end: only spaces follow it, which may complete its cluster.
    if let Some(last) = out.last_mut()
        && !boundary(last.word_end)
    {
        last.word_end = next(last.word_end).min(last.end);
    }
    out
}

/// Cuts an over-long token into pieces of at most `width` cells, between
/// grapheme clusters, preferring the last cut the kinsoku rules allow.
fn cut_long(seg: &str, t: Piece, width: usize, amb: Ambiguous, out: &mut Vec<Piece>) {
    let clusters: Vec<(usize, &str, usize)> = seg[t.start..t.word_end]
        .grapheme_indices(true)
        .map(|(i, g)| (t.start + i, g, cluster_width(g, amb)))
        .collect();
    let mut i = 0;
    // The width of `clusters[i..]`, kept as `i` advances: summing it afresh
    // for every cut made this quadratic (found with the fuzz target
    // `typeset`: a 256 KiB word took over a minute to set).
    let mut rest: usize = clusters.iter().map(|c| c.2).sum();
    while i < clusters.len() {
        if rest <= width {
            out.push(Piece {
                start: clusters[i].0,
                word_end: t.word_end,
                end: t.end,
                width: rest,
            });
            return;
        }
        // Longest run from i that fits, then the last allowed cut within it.
        let mut used = 0;
        let mut k = i;
        while k < clusters.len() && used + clusters[k].2 <= width {
            used += clusters[k].2;
            k += 1;
        }
        let k = k.max(i + 1);
        let only_indent = |j: usize| clusters[i..j].iter().all(|c| c.1 == "\u{3000}");
        // Best: a cut every rule allows. Else: one that at least keeps
        // `——`/`……` whole and the indent with its text. Else: where it fits.
        let strict = |j: usize| glue_breakable(clusters[j - 1].1, clusters[j].1) && !only_indent(j);
        let relaxed = |j: usize| !splits_pair(clusters[j - 1].1, clusters[j].1) && !only_indent(j);
        let candidates = || (i + 1..=k).rev().filter(|&j| j < clusters.len());
        let cut = candidates()
            .find(|&j| strict(j))
            .or_else(|| candidates().find(|&j| relaxed(j)))
            .unwrap_or(k);
        let w: usize = clusters[i..cut].iter().map(|c| c.2).sum();
        rest -= w;
        let end = clusters.get(cut).map_or(t.word_end, |c| c.0);
        out.push(Piece {
            start: clusters[i].0,
            word_end: end,
            end,
            width: w,
        });
        i = cut;
    }
}

/// Whether a line may break between two clusters of a piece too long for a
/// line: by the kinsoku rules, and never right after a full-width space
/// (an indent, or a space that should not end a line alone).
fn glue_breakable(before: &str, after: &str) -> bool {
    kinsoku_breakable(before, after) && !is_indent(before)
}

/// Whether a line may break between `before` and `after` by the kinsoku rules.
fn kinsoku_breakable(before: &str, after: &str) -> bool {
    let (Some(b), Some(a)) = (before.chars().next_back(), after.chars().next()) else {
        return true;
    };
    !(is_no_start(a) || is_no_end(b) || splits_pair(before, after))
}

/// Whether `text` is only full-width spaces: a paragraph's indent, which
/// stays with the first character after it. Only where a paragraph (or a
/// line after `\n`) starts: the same spaces met where the lazy path takes
/// up a paragraph again are not an indent (found by fuzzing: the lazy path
/// glued a lone `　` to what followed where the whole paragraph did not).
fn is_indent(text: &str) -> bool {
    text.chars().all(|c| c == '\u{3000}')
}

/// Break positions inside a UAX #14 word that Chinese typesetting allows but
/// UAX #14 (before Unicode 15.1) does not: before an opening quote `“‘` that
/// follows a wide character, and after a closing quote `”’` that precedes one.
fn quote_breaks(word: &str) -> impl Iterator<Item = usize> + '_ {
    let wide = |c: char| unicode_width::UnicodeWidthChar::width(c) == Some(2);
    let mut prev: Option<char> = None;
    word.char_indices().filter_map(move |(i, c)| {
        let p = prev.replace(c)?;
        let opening = matches!(c, '“' | '‘') && wide(p);
        let closing = matches!(p, '”' | '’') && wide(c) && !is_no_start(c);
        (opening || closing).then_some(i)
    })
}

/// Whether breaking between `before` and `after` would split `——` or `……`.
fn splits_pair(before: &str, after: &str) -> bool {
    let (Some(b), Some(a)) = (before.chars().next_back(), after.chars().next()) else {
        return false;
    };
    b == a && matches!(a, '—' | '…' | '⋯')
}

/// Closing punctuation: never at the start of a line.
pub fn is_no_start(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '？'
            | '！'
            | '）'
            | '》'
            | '」'
            | '』'
            | '”'
            | '’'
            | '…'
            | '⋯'
            | '〉'
            | '】'
            | '〕'
            | '〗'
            | '〙'
            | '〛'
            | '｝'
            | '］'
            | '〞'
            | '・'
            | '‥'
            | '．'
            | '％'
            | 'ー'
            | '々'
            | 'ゝ'
            | 'ゞ'
            | 'ヽ'
            | 'ヾ'
            | '゛'
            | '゜'
            | 'ぁ'
            | 'ぃ'
            | 'ぅ'
            | 'ぇ'
            | 'ぉ'
            | 'っ'
            | 'ゃ'
            | 'ゅ'
            | 'ょ'
            | 'ゎ'
            | 'ァ'
            | 'ィ'
            | 'ゥ'
            | 'ェ'
            | 'ォ'
            | 'ッ'
            | 'ャ'
            | 'ュ'
            | 'ョ'
            | 'ヮ'
            | 'ヵ'
            | 'ヶ'
            | ','
            | '.'
            | ';'
            | ':'
            | '?'
            | '!'
            | ')'
            | ']'
            | '}'
            | '%'
    )
}

/// Opening punctuation: never at the end of a line.
pub fn is_no_end(c: char) -> bool {
    matches!(
        c,
        '（' | '《'
            | '「'
            | '『'
            | '“'
            | '‘'
            | '〈'
            | '【'
            | '〔'
            | '〖'
            | '〘'
            | '〚'
            | '｛'
            | '［'
            | '〝'
            | '('
            | '['
            | '{'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: Ambiguous = Ambiguous::Narrow;

    fn starts(lines: &[String]) -> Vec<char> {
        lines.iter().filter_map(|l| l.chars().next()).collect()
    }

    #[test]
    fn cjk_breaks_between_ideographs_and_fills_lines() {
        assert_eq!(
            wrap("制造业是立市之本强市之基", 10, N),
            ["制造业是立", "市之本强市", "之基"]
        );
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        let text = "　　制造业是立市之本、强市之基，决定着一个地区的综合实力和区域竞争力。昨天，记者从市经信局获悉。";
        // From 4 cells up, every ideograph fits with its comma: no excuse.
        for width in 4..40 {
            let lines = wrap(text, width, N);
            for (i, c) in starts(&lines).into_iter().enumerate().skip(1) {
                assert!(
                    !is_no_start(c),
                    "width {width}: line {i} starts with {c}: {lines:?}"
                );
            }
        }
    }

    #[test]
    fn opening_punctuation_never_ends_a_line() {
        let text = "嘉兴出台了《嘉兴市打造先进制造业产业集群推动高质量发展的实施意见》，并召开“135N”先进制造业集群现场推进会";
        for width in 4..40 {
            for line in wrap(text, width, N) {
                let last = line.chars().last().unwrap();
                assert!(!is_no_end(last), "width {width}: {line:?} ends with {last}");
            }
        }
    }

    #[test]
    fn runs_of_closing_punctuation_stay_together() {
        let text = "信心！”阿特斯总经办主任难掩自豪？！”好";
        // `豪？！”` is 7 cells: from 8 up it must never be split.
        for width in 8..20 {
            let lines = wrap(text, width, N);
            for l in &lines[1..] {
                assert!(
                    !is_no_start(l.chars().next().unwrap()),
                    "width {width}: {lines:?}"
                );
            }
        }
    }

    #[test]
    fn dashes_and_ellipses_never_split() {
        let text = "他说——我们走吧……然后沉默了——很久很久……";
        for width in 2..30 {
            for pair in wrap(text, width, N).windows(2) {
                let (a, b) = (
                    pair[0].chars().last().unwrap(),
                    pair[1].chars().next().unwrap(),
                );
                assert!(!(a == '—' && b == '—'), "width {width}: {pair:?}");
                assert!(!(a == '…' && b == '…'), "width {width}: {pair:?}");
            }
        }
    }

    #[test]
    fn latin_words_and_numbers_stay_whole() {
        let text = "生产阿特斯最新210HiKu7产品，功率高达670W。日期2023-01-06发布";
        let lines = wrap(text, 12, N);
        let joined = lines.join("|");
        assert!(
            !joined.contains("210|") && !joined.contains("|HiKu7"),
            "{lines:?}"
        );
        assert!(lines.iter().any(|l| l.contains("210HiKu7")), "{lines:?}");
        assert!(lines.iter().any(|l| l.contains("2023-01-06")), "{lines:?}");
    }

    #[test]
    fn full_width_indent_is_kept_and_never_alone() {
        let lines = wrap("　　数据显示，全市光伏产业", 6, N);
        assert!(lines[0].starts_with("　　"), "{lines:?}");
        assert_ne!(lines[0], "　　");
        assert_eq!(lines.concat(), "　　数据显示，全市光伏产业");
    }

    #[test]
    fn at_the_narrowest_width_a_dash_pair_is_kept_over_other_rules() {
        assert_eq!(wrap("吧……", 3, N), ["吧", "……"]);
    }

    #[test]
    fn narrow_widths_cut_tokens_without_orphaning_punctuation() {
        // A 10-cell token at width 4: cut, and the comma stays with its neighbour.
        let lines = wrap("ＡＢ，ＣＤ", 4, N);
        assert_eq!(lines, ["Ａ", "Ｂ，", "ＣＤ"]);
    }

    #[test]
    fn long_latin_word_is_cut_by_cluster() {
        let lines = wrap("supercalifragilistic", 6, N);
        assert!(lines.iter().all(|l| str_width(l, N) <= 6));
        assert_eq!(lines.concat(), "supercalifragilistic");
        let accented = "e\u{301}".repeat(9);
        let lines = wrap(&accented, 4, N);
        assert!(lines.iter().all(|l| l.starts_with('e')), "{lines:?}");
    }

    #[test]
    fn lines_may_break_before_an_opening_quote_after_chinese() {
        // UAX #14 alone glues `落。“新` together; Chinese rules allow `落。|“新`.
        assert_eq!(
            wrap("企业群落。“新星”产业", 10, N),
            ["企业群落。", "“新星”产业"]
        );
    }

    #[test]
    fn the_url_comes_last_and_only_web_links_count_as_links() {
        let mut a = Article::new("t", vec!["p".into()]);
        a.url = Some("https://example.org/x".into());
        let last = typeset(&a, 40, &TypesetOptions::default()).pop().unwrap();
        assert_eq!(
            (last.kind, last.text.as_str()),
            (LineKind::Link, "https://example.org/x")
        );
        a.url = Some("javascript:alert(1)".into());
        let last = typeset(&a, 40, &TypesetOptions::default()).pop().unwrap();
        assert_eq!(last.kind, LineKind::NotALink);
        assert!(last.text.contains("(not a web link)"));
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init)]
    fn a_match_broken_across_lines_is_found_on_both() {
        let a = Article::new(
            "t",
            vec!["一二三四光伏五六".into(), "the solar panel".into()],
        );
        let lines = typeset(&a, 10, &TypesetOptions::default());
        let i = lines
            .iter()
            .position(|l| l.text.ends_with('光'))
            .expect("光 ends a line");
        let terms = vec!["光伏".to_string()];
        assert_eq!(
            matches_in_line(&lines, i, &terms),
            [lines[i].text.len() - 3..lines[i].text.len()]
        );
        assert_eq!(matches_in_line(&lines, i + 1, &terms), [0..3]);
        let j = lines.iter().position(|l| l.text == "the solar").unwrap();
        let phrase = vec!["solar panel".to_string()];
        assert_eq!(matches_in_line(&lines, j, &phrase), [4..9]);
        assert_eq!(matches_in_line(&lines, j + 1, &phrase), [0..5]);
    }

    #[test]
    fn lazy_typesetting_gives_the_same_lines_as_typesetting_at_once() {
        let sentence =
            "嘉兴围绕“碳达峰、碳中和”发展目标，发挥光伏产业的比较优势，the solar panel 210HiKu7 ";
        let long = sentence.repeat(3000); // ~330 KB, several chunks
        let a = Article::new("标题", vec!["短段落。".into(), long, "尾段。".into()]);
        for width in [7, 40, 79] {
            let whole = typeset(&a, width, &TypesetOptions::default());
            let mut lazy = Lazy::new(&a, width, &TypesetOptions::default());
            lazy.ensure(10);
            assert!(lazy.lines().len() >= 10 && !lazy.is_done());
            assert_eq!(lazy.lines(), &whole[..lazy.lines().len()], "width {width}");
            lazy.finish();
            assert_eq!(lazy.lines(), &whole[..], "width {width}");
        }
    }

    /// The body lines of a one-paragraph article, as `Lazy` sets them a
    /// chunk at a time, against the paragraph wrapped at once.
    fn lazy_matches_whole(paragraph: &str, width: usize) {
        let a = Article::new("t", vec![paragraph.to_owned()]);
        let lazy: Vec<(String, usize)> = typeset(&a, width, &TypesetOptions::default())
            .into_iter()
            .filter(|l| l.kind == LineKind::Body)
            .map(|l| (l.text, l.width))
            .collect();
        let whole = wrap_measured(&a.body[0], width, N);
        assert_eq!(lazy.len(), whole.len(), "width {width}");
        for (i, (l, w)) in lazy.iter().zip(&whole).enumerate() {
            assert!(l == w, "width {width}, line {i}: {l:?} != {w:?}");
        }
    }

    #[test]
    fn long_runs_without_a_break_are_set_lazily_like_at_once() {
        let runs = [
            "ab".repeat(50_000),
            "7".repeat(90_000),
            format!("https://example.org/{}", "path/".repeat(20_000)),
            "e\u{301}x".repeat(30_000),
            "🇨🇳🇰🇷x".repeat(10_000),
            "ab-cd，".repeat(15_000),
            "한국어".repeat(12_000),
            "“a”（b）".repeat(12_000),
        ];
        for run in &runs {
            assert!(run.len() > 2 * CHUNK);
            for width in [2, 7, 40, 79] {
                lazy_matches_whole(run, width);
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

        /// Any long run of pieces without spaces or ideographs is set a
        /// chunk at a time exactly as at once.
        #[test]
        fn any_long_run_is_set_lazily_like_at_once(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    "a", "Z", "0", "-", "/", ".", ",", "，", "。", "“", "”", "（", "）",
                    "e\u{301}", "🇨🇳", "👍🏽", "한", "—", "…", "\u{600}", "&", "%",
                ][..]),
                1..12,
            ),
            width in 2usize..90,
        ) {
            let unit = pieces.concat();
            let run = unit.repeat(2 * CHUNK / unit.len() + 2);
            // A cluster longer than MAX_CLUSTER (U+0600, a prepended mark,
            // joins the next character: a run of them is one cluster) is
            // cut lazily on purpose, and so differs from the whole.
            proptest::prop_assume!(run.graphemes(true).all(|g| g.len() <= MAX_CLUSTER));
            lazy_matches_whole(&run, width);
        }
    }

    #[test]
    fn a_paragraph_ending_in_a_hyphen_keeps_its_last_break() {
        // textwrap drops the break before the last word of a text that ends
        // in `-`: `报kanba-` became one word, cut as `报kanba` / `-` (found
        // by fuzzing the lazy path, whose chunks may end just before a space).
        assert_eq!(wrap("完份报kanba-", 7, N), ["完份报", "kanba-"]);
        assert_eq!(wrap("完份报kanba\u{ad}", 7, N), ["完份报", "kanba\u{ad}"]);
        assert_eq!(
            wrap("完份报kanba- 按键", 7, N),
            ["完份报", "kanba-", "按键"]
        );
        assert_eq!(wrap("a-", 7, N), ["a-"]);
        assert_eq!(wrap("-", 7, N), ["-"]);
        assert_eq!(wrap("x y-", 3, N), ["x", "y-"]);
        // And so the lazy path, cut just before the space after `kanba-`.
        let unit = "kanba- 按键指~：不用标，十几0kanbao南：不用标ۂ䔯完份报";
        let long = unit.repeat(70_000 / unit.len() + 1);
        lazy_matches_whole(&long, 7);
        // The input the fuzz target found, as `Article::finish` leaves it.
        let found = "kanba- 按键指\u{fffd}~\u{fffd}：不用\u{fffd}\u{fffd}\u{fffd}标，十几0\u{fffd}kanbao\u{fffd}\u{fffd}南：不用\u{fffd}\u{fffd}\u{fffd}标\u{fffd}ۂ䔯\u{fffd}完份报";
        lazy_matches_whole(&found.repeat(70_000 / found.len() + 1), 7);
    }

    #[test]
    fn lines_longer_than_a_chunk_are_set_lazily_like_at_once() {
        // Letters with 800 accents each (1.6 KiB, one cell): at width 11 a
        // line is 18 KiB, two lines more than a chunk (found by fuzzing).
        let letter = format!("e{}", "\u{301}".repeat(800));
        for unit in [
            format!("{letter}."),
            format!("{letter} "),
            letter.repeat(3) + "中文",
        ] {
            let run = unit.repeat(3 * CHUNK / unit.len());
            for width in [2, 11, 40] {
                lazy_matches_whole(&run, width);
            }
        }
    }

    #[test]
    fn a_lone_full_width_space_inside_a_paragraph_is_not_an_indent() {
        // Eleven one-cell letters of 801 bytes fill a line at width 11; the
        // `　` after them is left alone on the next, and the next word does
        // not fit beside it. Taken up from that line (as the lazy path does),
        // the `　` was glued to the word as if it were an indent (found by
        // fuzzing), and every line after it moved.
        let letter = format!("e{}", "\u{301}".repeat(400));
        let unit = format!("{}　{}", letter.repeat(11), letter.repeat(11));
        let text = unit.repeat(5);
        let whole = wrap_ranges(&text, 11, N);
        assert!(whole.iter().any(|(r, _)| &text[r.clone()] == "　"));
        for (k, (line, _)) in whole.iter().enumerate() {
            let rest: Vec<_> = wrap_ranges_from(&text[line.start..], 11, N, false)
                .into_iter()
                .map(|(r, w)| (r.start + line.start..r.end + line.start, w))
                .collect();
            assert!(rest[..] == whole[k..], "taken up at line {k}");
        }
        lazy_matches_whole(&text, 11);
        // At a paragraph's start, the indent still stays with its text.
        assert_eq!(wrap("　　数据显示", 6, N), ["　　数", "据显示"]);
    }

    #[test]
    fn a_huge_word_opens_with_only_a_screenful_set() {
        let word = "x".repeat(8 << 20);
        let a = Article::new("t", vec![word.clone()]);
        let mut lazy = Lazy::new(&a, 80, &TypesetOptions::default());
        lazy.ensure(40);
        // One chunk's lines at most, not the 100,000 the word makes.
        assert!(!lazy.is_done());
        assert!(
            lazy.lines().len() <= 40 + (CHUNK + MAX_CLUSTER) / 80,
            "{}",
            lazy.lines().len()
        );
        assert!(lazy.lines()[3..].iter().all(|l| l.text.len() == 80));
        // And the whole of it, streamed, is the word.
        let mut rest = Lazy::new(&a, 80, &TypesetOptions::default());
        let (mut lines, mut joined) = (0, String::new());
        rest.each_line(|l| {
            lines += 1;
            if l.kind == LineKind::Body {
                joined.push_str(&l.text);
            }
            Ok::<_, ()>(())
        })
        .unwrap();
        assert_eq!(joined, word);
        assert_eq!(lines, 3 + word.len() / 80);
    }

    #[test]
    fn a_cluster_of_up_to_max_cluster_bytes_is_never_split_between_chunks() {
        // Exactly MAX_CLUSTER bytes: `e`, a three-byte mark, two-byte marks.
        let cluster = format!("e\u{20d0}{}", "\u{301}".repeat((MAX_CLUSTER - 4) / 2));
        assert_eq!(cluster.len(), MAX_CLUSTER);
        // Around a chunk's end, after one-byte and after three-byte text.
        for (unit, n) in [("a", 1), ("ア", 3)] {
            for back in [1, 2, 3, 4, 5, 2000, MAX_CLUSTER - 1, MAX_CLUSTER] {
                let lead = unit.repeat((CHUNK + 3 - back) / n);
                let run = format!("{lead}{cluster}{}", "b".repeat(CHUNK));
                lazy_matches_whole(&run, 11);
            }
        }
    }

    #[test]
    fn a_huge_grapheme_cluster_is_cut_and_nothing_is_lost() {
        let cluster = format!("e{}", "\u{301}".repeat(200_000));
        let a = Article::new("t", vec![cluster.clone()]);
        let mut lazy = Lazy::new(&a, 40, &TypesetOptions::default());
        lazy.ensure(5);
        assert!(!lazy.is_done());
        let mut all = Vec::new();
        lazy.each_line(|l| {
            all.push(l);
            Ok::<_, ()>(())
        })
        .unwrap();
        let body: Vec<&Line> = all.iter().filter(|l| l.kind == LineKind::Body).collect();
        assert!(body.len() > 1);
        assert!(
            body.iter()
                .all(|l| l.text.len() <= CHUNK + MAX_CLUSTER + 8 && l.width <= 1)
        );
        let joined: String = body.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(joined, cluster);
    }

    /// Whether every line of `wrap(text)` is made of whole grapheme clusters.
    fn lines_are_whole_clusters(text: &str, width: usize) -> bool {
        let edges: Vec<usize> = text
            .grapheme_indices(true)
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        wrap_ranges(text, width, N)
            .iter()
            .all(|(r, _)| edges.contains(&r.start) && edges.contains(&r.end))
    }

    #[test]
    fn a_combining_mark_on_a_space_is_not_split_from_it() {
        // Found by fuzzing (fuzz/ target `typeset`): UAX #14 breaks between
        // a space and a combining mark after it, which is one cluster; the
        // line started with the bare mark and the space was dropped.
        assert_eq!(wrap(" \u{31e}\u{fffd}", 0, N), [" \u{31e}\u{fffd}"]);
        assert_eq!(wrap("ab \u{301}cd", 3, N), ["ab", " \u{301}cd"]);
        for width in 0..8 {
            assert!(lines_are_whole_clusters("ab \u{301}cd  \u{302}e", width));
            // A tone mark is in the CJK punctuation block, yet joins too.
            assert!(lines_are_whole_clusters(
                "中文 \u{302a}中文 \u{302e}",
                width
            ));
        }
    }

    #[test]
    fn a_prepended_cluster_is_not_split() {
        // A Prepend character (U+0600, U+0605…) joins what follows into its
        // cluster, a space or an ideograph, where UAX #14 may break.
        for text in [
            "\u{600} 中文",
            "a\u{605}中文",
            "字\u{600}",
            "\u{600} \u{301}中",
        ] {
            for width in 0..8 {
                assert!(lines_are_whole_clusters(text, width), "{text:?} at {width}");
                let kept: String = wrap(text, width, N).concat().replace(' ', "");
                assert_eq!(kept, text.replace(' ', ""), "{text:?} at {width}");
            }
        }
    }

    #[test]
    fn a_huge_word_is_cut_in_linear_time() {
        // Found with the fuzz target `typeset` on long inputs: every cut
        // summed the rest of the word again, so a 1 MiB word (a base64 blob,
        // say) took minutes. Now about a second, unoptimised.
        let word = "ab".repeat(512 * 1024);
        let started = std::time::Instant::now();
        let lines = wrap(&word, 40, N);
        assert_eq!(lines.len(), word.len() / 40 + 1);
        assert!(lines.iter().all(|l| l.len() <= 40));
        assert_eq!(lines.concat(), word);
        let took = started.elapsed();
        assert!(took.as_secs() < 10, "took {took:?}");
    }

    #[test]
    fn a_long_run_of_flags_is_set_in_linear_time() {
        // Found with the fuzz target `typeset` on long inputs, after the
        // cluster fix above: a `GraphemeCursor` asked at every break looked
        // back over the whole run of regional indicators (500 s for 32,000
        // flags, fuzzing build).
        let flags = "🇨🇳🇰🇷".repeat(16 * 1024);
        let started = std::time::Instant::now();
        let lines = wrap(&flags, 40, N);
        assert!(
            lines
                .iter()
                .all(|l| str_width(l, N) <= 40 && l.chars().count() % 2 == 0)
        );
        assert_eq!(lines.concat(), flags);
        let took = started.elapsed();
        assert!(took.as_secs() < 10, "took {took:?}");
    }

    #[test]
    fn english_breaks_at_spaces_and_drops_them() {
        assert_eq!(
            wrap("the quick brown fox", 10, N),
            ["the quick", "brown fox"]
        );
    }

    #[test]
    fn hard_line_breaks_are_kept() {
        assert_eq!(wrap("一\n\n二", 10, N), ["一", "", "二"]);
    }

    #[test]
    fn wide_ambiguous_mode_counts_quotes_as_two_cells() {
        let text = "“新星”产业群，“新星”产业群……“新星”";
        let narrow = wrap(text, 8, N);
        let wide = wrap(text, 8, Ambiguous::Wide);
        // Set narrow, some line would overflow a terminal that draws quotes wide.
        assert!(
            narrow.iter().any(|l| str_width(l, Ambiguous::Wide) > 8),
            "{narrow:?}"
        );
        assert!(
            wide.iter().all(|l| str_width(l, Ambiguous::Wide) <= 8),
            "{wide:?}"
        );
        assert_eq!(wide.concat(), text);
    }
}
