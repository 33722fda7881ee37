//! One idea: the full-text index — what an article puts in it and what a
//! query looks up, which must agree character by character.
//!
//! The index never decides a search. It answers "which articles *may*
//! match" ([`candidates`]), a superset of the matches, and the caller
//! checks each candidate with [`Query::matches`]; so the index may be
//! loose (a few false candidates) but must never leave a match out. What
//! follows is why it cannot.
//!
//! # What a match is
//!
//! A text term matches when its folded form ([`crate::text::fold::fold`],
//! applied once by [`Query::parse`]) is a substring of the folded title or
//! of one folded paragraph (the matcher searches terms of CJK alone in the
//! unfolded text, which finds exactly the same). So the index works on
//! folded text only: each field is folded on its own, as the matcher folds
//! it, and the question becomes "does the string `F` contain the string
//! `N`", where `N` is one of [`Query::required_text`]. Nothing about
//! folding (characters whose fold is longer or shorter, kana joining a
//! voicing mark, every whitespace becoming a space) needs care beyond that:
//! both sides are already in the same normal form.
//!
//! # Two tables
//!
//! The text is split by character into *gram* characters ([`is_gram`]: CJK
//! ideographs of every block and plane, kana, Hangul, bopomofo and the
//! ideographic marks such as `々` and `〇`) and the rest. Which characters
//! are gram characters is a free choice as far as correctness goes — the
//! class is a property of the character alone, applied the same way to
//! text and term — and is made for size and speed: they are the scripts
//! written without spaces, where searches of one or two characters are
//! common and a word index would be no use.
//!
//! * `fts_gram` holds, for every maximal run of gram characters of a field,
//!   its character bigrams and its last character alone (`嘉兴制造` →
//!   `嘉兴 兴制 制造 造`): every character of a run begins a token. Without
//!   positions (`detail=none`), and with a prefix index of one character
//!   (`prefix='1'`) so that a lookup of one character reads one list
//!   instead of merging those of every bigram it begins.
//! * `fts_tri` holds the rest, through SQLite's trigram tokenizer: the
//!   fields with each run of gram characters replaced by one [`GAP`],
//!   separated by newlines. With positions, so that a term is looked up as
//!   a phrase of trigrams. Case-sensitive, because the text is folded
//!   already and the tokenizer's own folding is not kanbao's.
//!
//! # What a term looks up
//!
//! For a term `N`, each maximal run of gram characters in it:
//!
//! | run | lookup in `fts_gram` | why every match has it |
//! |---|---|---|
//! | one character, last in `N` (`光`) | prefix `"光"*` | in the text it begins a bigram or is the last of its run |
//! | one character with something after it in `N` (`光` of `光。`) | the token `"光"` | what follows it in the text is no gram character either, so `光` ends its run there |
//! | two characters or more (`嘉兴制造业`) | each of its bigrams: `"嘉兴" AND "兴制" AND "制造" AND "造业"` | they are bigrams of the run of the text that holds `N`'s run |
//!
//! Bigrams are ANDed, not looked up as a phrase: in CJK text the bigrams of
//! a term hardly ever all occur without the term (on the benches' corpus
//! the candidates were exactly the matches, with or without positions), and
//! without positions `fts_gram` is a fifth of the size (17 MB instead of 90
//! MB for 108 MB of Chinese text) and about as fast. The same is not true of
//! Latin trigrams (`sol ola lar` are in `console polar`), so `fts_tri`
//! keeps positions.
//!
//! A prefix lookup of one character is ANDed with the term's or query's
//! other bigram lookups (FTS5 skips through its list), but left out when
//! the other lookups are all in `fts_tri`: most articles hold the common
//! characters, and ANDing across the tables means reading a whole list to
//! narrow hardly at all (`2024年`, where `2024＃` says nearly everything).
//!
//! The rest of `N`, with its runs replaced by [`GAP`] (`ai芯片` → `ai＃`),
//! is a substring of the text's `fts_tri` form: a run inside `N` is a whole
//! run of the text, one at its edge part of one, and either becomes one
//! `GAP`. When it has three characters or more it is looked up as a
//! trigram phrase, which finds every field holding it. So `ai芯片` is
//! narrowed by both `芯片` and `ai＃`, though `ai` alone (two characters)
//! gives the trigram table nothing. That the gap and the newline never
//! occur in folded text (folding maps the full-width block to ASCII and
//! every whitespace to a space) keeps the lookups tight — a term's `＃` can
//! only stand for a run, and no trigram of a term spans two fields — but
//! correctness does not rest on it: were they in the text, the lookups
//! would only find more.
//!
//! The lookups of all the terms that must hold are ANDed (within a table by
//! FTS5, across the two by merging the sorted rowids). Negated terms and
//! filters are left out (leaving a condition out only widens the set), and
//! so are terms or parts of terms that give nothing to look up; a query
//! with nothing left gives `None`, and the caller scans. A trigram phrase
//! with no letter or digit (`＃ ＃` of `"光伏 产业"`, `＃，＃`) is in nearly
//! every CJK text: costly to read and no narrowing, it is looked up only
//! when a query has nothing else.
//!
//! # Tokenizers
//!
//! `fts_gram` uses the `ascii` tokenizer, which splits on ASCII spaces and
//! punctuation only and treats every other byte as part of a token, so a
//! token is exactly what [`index`] wrote, whatever its characters.
//! `unicode61` would not keep that promise: it reads punctuation and
//! symbols (`・`, `゛`) as separators, so a lookup of `・` would find
//! nothing, and it folds and strips diacritics by rules of its own.
//!
//! The trigram tokenizer reads characters (code points), any of them, so
//! emoji and characters outside the Basic Multilingual Plane count as one.
//! It skips NUL, and FTS5's query syntax ends at a NUL, so a term is cut at
//! NUL into parts looked up alone (each is in the text, with no NUL
//! inside, so still found). It reads U+FFFE and U+FFFF as U+FFFD on both
//! sides, which only merges.
//!
//! # Size and speed
//!
//! Both tables are contentless (`content=''`): they hold the index alone,
//! the articles table holds the text. `contentless_delete=1` lets a row be
//! deleted or replaced without giving its old text back. A field whose
//! `fts_tri` form has fewer than three characters (a Chinese title without
//! punctuation is one `GAP`) is left out of `fts_tri`, since no lookup of
//! three characters can match it; an article with nothing for a table has
//! no row in it.
//!
//! Measured on the benches' generated Chinese news (optimised build, a
//! file database in WAL mode): the index takes about 0.56 bytes per byte
//! of text — for 1,000,000 articles (5.4 GB of text) 2.97 GB: `fts_tri`
//! 1.62 GB, `fts_gram` 1.31 GB, of which about a third is the prefix index
//! — and is built at about 10 MB of text a second. A lookup of one or two
//! characters reads one list: on those 1,000,000 articles 3.6 ms for
//! `光伏` (in 5% of them), 69 ms for `发展` (in 99%), 14–69 ms for one
//! character, 7 ms for `嘉兴制造业`.

use rusqlite::{Connection, params};

use crate::model::article::Article;
use crate::query::Query;
use crate::text::fold::fold_onto;

/// The statements that create the index tables (run once by the
/// database's migration). Rowids are the articles table's.
pub(crate) const SCHEMA: &str = "\
CREATE VIRTUAL TABLE fts_gram USING fts5(
    grams, content='', contentless_delete=1, tokenize='ascii', detail=none, prefix='1'
);
CREATE VIRTUAL TABLE fts_tri USING fts5(
    text, content='', contentless_delete=1, tokenize='trigram case_sensitive 1'
);
";

/// The rows not indexed yet (schema version 2): rows are written by
/// [`index_later`], which costs a b-tree insert, and indexed by
/// [`catch_up`] a batch at a time (the browser does it in the background).
/// Indexing is three quarters of an import's time, and an import need not
/// wait for it: [`candidates`] counts every pending row as a candidate, so
/// a search is as exact before the index has caught up as after, only
/// slower.
pub(crate) const PENDING_SCHEMA: &str = "CREATE TABLE fts_pending (rowid INTEGER PRIMARY KEY);";

/// What a run of gram characters becomes in `fts_tri`: the full-width
/// number sign, which is in the full-width ASCII block that folding maps
/// to ASCII, so no folded text or term contains it but as this stand-in.
const GAP: char = '\u{ff03}';

/// The most characters of a term's part looked up in `fts_tri`: a longer
/// part is narrowed by its beginning (a pasted paragraph needs no more).
const MAX_TRI_CHARS: usize = 64;

/// The most lookups per table and query (a long CJK term has a bigram per
/// character): the rest are left out.
const MAX_LOOKUPS: usize = 32;

/// Whether `c` is a *gram* character: indexed by bigrams in `fts_gram`
/// rather than by trigrams in `fts_tri`. The scripts written without
/// spaces between words — Han ideographs (every block: the unified ones,
/// extension A, the compatibility ideographs, extensions B to H on planes 2
/// and 3, the radicals), kana (with its marks: voicing marks, `ー`, `・`,
/// iteration marks), the ideographic marks `々 〆 〇 〻`, Hangul (syllables
/// and every jamo block) and bopomofo. Half-width kana and Hangul are
/// listed too, though folding turns the kana into full-width ones.
pub(crate) fn is_gram(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{11ff}'       // Hangul Jamo
        | '\u{2e80}'..='\u{2fdf}'     // CJK Radicals Supplement, Kangxi Radicals
        | '\u{3005}'..='\u{3007}'     // 々 〆 〇
        | '\u{3021}'..='\u{3029}'     // Hangzhou numerals
        | '\u{3031}'..='\u{3035}'     // vertical kana repeat marks
        | '\u{3038}'..='\u{303c}'     // Hangzhou numerals 10–30, 〻, 〼
        | '\u{3041}'..='\u{309f}'     // Hiragana, voicing marks, ゝゞゟ
        | '\u{30a0}'..='\u{30ff}'     // Katakana, ・, ー, ヽヾヿ
        | '\u{3105}'..='\u{312f}'     // Bopomofo
        | '\u{3131}'..='\u{318e}'     // Hangul Compatibility Jamo
        | '\u{31a0}'..='\u{31bf}'     // Bopomofo Extended
        | '\u{31f0}'..='\u{31ff}'     // Katakana Phonetic Extensions
        | '\u{3400}'..='\u{4dbf}'     // CJK Extension A
        | '\u{4e00}'..='\u{9fff}'     // CJK Unified Ideographs
        | '\u{a960}'..='\u{a97f}'     // Hangul Jamo Extended-A
        | '\u{ac00}'..='\u{d7a3}'     // Hangul Syllables
        | '\u{d7b0}'..='\u{d7ff}'     // Hangul Jamo Extended-B
        | '\u{f900}'..='\u{faff}'     // CJK Compatibility Ideographs
        | '\u{ff66}'..='\u{ff9f}'     // half-width kana (folded away)
        | '\u{ffa0}'..='\u{ffdc}'     // half-width Hangul
        | '\u{1aff0}'..='\u{1b16f}'   // Kana Extended-B, Supplement, Extended-A, small kana
        | '\u{20000}'..='\u{3ffff}'   // planes 2 and 3: CJK Extensions B–H, compatibility supplement
    )
}

// ---------------------------------------------------------------------------
// Indexing

/// What one article puts in the two tables.
#[derive(Debug, Default, PartialEq, Eq)]
struct Document {
    /// `fts_gram`'s text: tokens separated by spaces.
    grams: String,
    /// `fts_tri`'s text: fields separated by newlines.
    tri: String,
}

impl Document {
    fn of(article: &Article) -> Document {
        let mut doc = Document::default();
        let mut folded = String::new();
        let mut tri = String::new();
        let fields =
            std::iter::once(article.title.as_str()).chain(article.body.iter().map(String::as_str));
        for field in fields {
            folded.clear();
            fold_onto(field, &mut folded);
            push_grams(&folded, &mut doc.grams);
            tri.clear();
            if push_tri(&folded, &mut tri) >= 3 {
                if !doc.tri.is_empty() {
                    doc.tri.push('\n');
                }
                doc.tri.push_str(&tri);
            }
        }
        doc
    }
}

/// Appends the `fts_gram` tokens of one folded field to `out`: for each run
/// of gram characters, its bigrams and its last character.
fn push_grams(folded: &str, out: &mut String) {
    let token = |out: &mut String, chars: &[char]| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(chars);
    };
    let mut previous: Option<char> = None;
    for c in folded.chars() {
        if is_gram(c) {
            if let Some(p) = previous {
                token(out, &[p, c]);
            }
            previous = Some(c);
        } else if let Some(p) = previous.take() {
            token(out, &[p]);
        }
    }
    if let Some(p) = previous {
        token(out, &[p]);
    }
}

/// Appends one folded field (or term) with each run of gram characters
/// replaced by [`GAP`] to `out`; returns how many characters it appended.
fn push_tri(folded: &str, out: &mut String) -> usize {
    let mut count = 0;
    let mut in_run = false;
    for c in folded.chars() {
        if is_gram(c) {
            if !in_run {
                out.push(GAP);
                count += 1;
                in_run = true;
            }
        } else {
            out.push(c);
            count += 1;
            in_run = false;
        }
    }
    count
}

/// (Re)indexes one article under `rowid` (replacing what was there). Call
/// it in the transaction that writes the article's row, so that the index
/// and the table never disagree.
#[cfg(test)]
pub(crate) fn index(conn: &Connection, rowid: i64, article: &Article) -> rusqlite::Result<()> {
    unindex(conn, rowid)?;
    index_new(conn, rowid, article)
}

/// [`index`] of a row just inserted, which the index cannot hold yet: no
/// delete first (in a table with `contentless_delete`, a delete of a row
/// that is not there still costs a lookup in every segment).
pub(crate) fn index_new(conn: &Connection, rowid: i64, article: &Article) -> rusqlite::Result<()> {
    let doc = Document::of(article);
    if !doc.grams.is_empty() {
        conn.prepare_cached("INSERT INTO fts_gram (rowid, grams) VALUES (?1, ?2)")?
            .execute(params![rowid, doc.grams])?;
    }
    if !doc.tri.is_empty() {
        conn.prepare_cached("INSERT INTO fts_tri (rowid, text) VALUES (?1, ?2)")?
            .execute(params![rowid, doc.tri])?;
    }
    Ok(())
}

/// Leaves row `rowid` to be indexed later by [`catch_up`], taking out what
/// the index holds for it (an article replaced in place).
pub(crate) fn index_later(conn: &Connection, rowid: i64, fresh: bool) -> rusqlite::Result<()> {
    if !fresh {
        unindex(conn, rowid)?;
    }
    conn.prepare_cached("INSERT OR IGNORE INTO fts_pending (rowid) VALUES (?1)")?
        .execute([rowid])?;
    Ok(())
}

/// How many rows wait to be indexed.
pub(crate) fn pending(conn: &Connection) -> rusqlite::Result<usize> {
    conn.query_row("SELECT count(*) FROM fts_pending", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| n as usize)
}

/// Indexes up to `batch` pending rows in one short transaction (a writer
/// elsewhere waits for one batch at most); returns how many were indexed,
/// 0 when none was pending.
pub(crate) fn catch_up(conn: &mut Connection, batch: usize) -> rusqlite::Result<usize> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let rows: Vec<(i64, Option<String>)> = {
        let mut statement = tx.prepare_cached(
            "SELECT p.rowid, a.doc FROM fts_pending p LEFT JOIN articles a ON a.rowid = p.rowid
             ORDER BY p.rowid LIMIT ?1",
        )?;
        statement
            .query_map([batch as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let mut indexed = 0;
    for (rowid, doc) in &rows {
        // A row gone, or whose document does not read as an article (which
        // no search matches either), is not indexed.
        if let Some(Ok(article)) = doc.as_deref().map(Article::from_json) {
            index_new(&tx, *rowid, &article)?;
        }
        tx.prepare_cached("DELETE FROM fts_pending WHERE rowid = ?1")?
            .execute([rowid])?;
        indexed += 1;
    }
    tx.commit()?;
    Ok(indexed)
}

/// Removes an article from the index (nothing happens if it is not there).
pub(crate) fn unindex(conn: &Connection, rowid: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM fts_pending WHERE rowid = ?1")?
        .execute([rowid])?;
    conn.prepare_cached("DELETE FROM fts_gram WHERE rowid = ?1")?
        .execute([rowid])?;
    conn.prepare_cached("DELETE FROM fts_tri WHERE rowid = ?1")?
        .execute([rowid])?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Looking up

/// The lookups for a query, each an FTS5 query expression, per table; the
/// trigram phrases with no letter or digit apart (see the module's
/// documentation: they are used only when there is nothing else).
#[derive(Debug, Default, PartialEq, Eq)]
struct Plan {
    gram: Vec<String>,
    /// Prefix lookups of one character.
    prefix: Vec<String>,
    tri: Vec<String>,
    weak_tri: Vec<String>,
    /// Whether some term is not decided by its lookups alone (see
    /// [`Plan::exact`]).
    loose: bool,
}

impl Plan {
    fn of(query: &Query) -> Plan {
        let mut plan = Plan {
            // A negated term is not looked up at all.
            loose: !query.title_can_decide(),
            ..Plan::default()
        };
        for needle in query.required_text() {
            plan.add(needle);
        }
        plan
    }

    /// Whether the rows the chosen lookups find are exactly those whose text
    /// matches the query (the filters apart), so that no row needs its text
    /// read to be sure. True when no term is negated, no lookup was left out
    /// ([`MAX_LOOKUPS`], or a prefix lookup beside trigram ones), and each
    /// term is looked up whole by one lookup that finds nothing else:
    ///
    /// * one or two gram characters: a bigram token is in a row exactly
    ///   when the two characters stand together in one of its fields, and a
    ///   one-character prefix exactly when the character does;
    /// * no gram character, three to [`MAX_TRI_CHARS`] characters with a
    ///   letter or digit among them: a trigram phrase with positions is a
    ///   substring search of each field's `fts_tri` form, which holds the
    ///   term exactly where the field does (a run of gram characters
    ///   becomes a [`GAP`], which the term cannot hold, and a newline
    ///   between fields, which no folded term holds either).
    ///
    /// It leans on what every stored article is, sanitized ([`crate::sanitize`]
    /// drops NUL, which the trigram tokenizer skips), and leaves out terms
    /// with U+FFFD to U+FFFF, which the tokenizer reads as one.
    fn exact(&self) -> bool {
        let prefix_kept = match (self.gram.is_empty(), self.tri.is_empty()) {
            // ANDed with the bigram lookups, if there is room.
            (false, _) => self.gram.len() + self.prefix.len() <= MAX_LOOKUPS,
            // Left out beside trigram lookups.
            (true, false) => self.prefix.is_empty(),
            (true, true) => true,
        };
        !self.loose && prefix_kept
    }

    /// Adds the lookups of one folded term.
    fn add(&mut self, needle: &str) {
        let chars: Vec<char> = needle.chars().collect();
        let grams = chars.iter().filter(|&&c| is_gram(c)).count();
        let whole = match grams {
            0 => {
                (3..=MAX_TRI_CHARS).contains(&chars.len())
                    && chars.iter().any(|c| c.is_alphanumeric())
                    && !chars
                        .iter()
                        .any(|&c| c == '\0' || ('\u{fffd}'..='\u{ffff}').contains(&c))
            }
            n => n == chars.len() && n <= 2,
        };
        self.loose |= !whole;
        let mut i = 0;
        while i < chars.len() {
            if !is_gram(chars[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < chars.len() && is_gram(chars[i]) {
                i += 1;
            }
            self.add_run(&chars[start..i], i < chars.len());
        }
        let mut tri = String::new();
        push_tri(needle, &mut tri);
        // FTS5's query syntax ends at a NUL (and the trigram tokenizer skips
        // it): each part around one is looked up alone.
        for part in tri.split('\0') {
            if part.chars().nth(2).is_none() {
                continue;
            }
            let part = match part.char_indices().nth(MAX_TRI_CHARS) {
                Some((end, _)) => &part[..end],
                None => part,
            };
            let strong = part.chars().any(char::is_alphanumeric);
            let list = if strong {
                &mut self.tri
            } else {
                &mut self.weak_tri
            };
            let left_out = push_lookup(list, phrase(part, false));
            self.loose |= left_out;
        }
    }

    /// Adds the lookups of one run of gram characters of a term; `bounded`
    /// when a character follows it in the term.
    fn add_run(&mut self, run: &[char], bounded: bool) {
        if let [c] = run {
            let list = if bounded {
                &mut self.gram
            } else {
                &mut self.prefix
            };
            let left_out = push_lookup(list, phrase(&c.to_string(), !bounded));
            self.loose |= left_out;
            return;
        }
        for pair in run.windows(2) {
            let left_out = push_lookup(
                &mut self.gram,
                phrase(&pair.iter().collect::<String>(), false),
            );
            self.loose |= left_out;
        }
    }

    /// The lookups to run, in `fts_gram` and in `fts_tri`. A prefix lookup
    /// is ANDed with the other bigram lookups, which FTS5 does by skipping
    /// through its list; but not with trigram lookups alone, which would
    /// mean reading its whole list (most articles hold most common
    /// characters) to narrow hardly at all (`2024年`: `2024＃` says almost
    /// everything). Weak trigram lookups are made only when nothing else is.
    fn chosen(mut self) -> (Vec<String>, Vec<String>) {
        if !self.gram.is_empty() {
            for lookup in self.prefix {
                let _ = push_lookup(&mut self.gram, lookup);
            }
            (self.gram, self.tri)
        } else if !self.tri.is_empty() {
            (Vec::new(), self.tri)
        } else {
            (self.prefix, self.weak_tri)
        }
    }
}

/// Adds `lookup` to `list` unless it is there or the list is full.
/// Says whether it was left out for want of room.
fn push_lookup(list: &mut Vec<String>, lookup: String) -> bool {
    if list.contains(&lookup) {
        return false;
    }
    if list.len() >= MAX_LOOKUPS {
        return true;
    }
    list.push(lookup);
    false
}

/// `text` as an FTS5 string (a phrase once tokenized), with `*` for a
/// prefix lookup.
fn phrase(text: &str, prefix: bool) -> String {
    let mut out = String::with_capacity(text.len() + 3);
    out.push('"');
    out.push_str(&text.replace('"', "\"\""));
    out.push('"');
    if prefix {
        out.push('*');
    }
    out
}

/// The rowids that may match `query` (a superset of the matches, ascending),
/// or `None` when the index cannot narrow it: the query has no word or
/// phrase that must hold, or none gives anything to look up (`ai`, two
/// Latin letters). Check each rowid with [`Query::matches`].
pub(crate) fn candidates(conn: &Connection, query: &Query) -> rusqlite::Result<Option<Vec<i64>>> {
    Ok(lookup(conn, query)?.map(|c| c.rows))
}

/// What the index says of a query: the rows that may match, and which of
/// them surely do as far as their text goes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Candidates {
    /// Every row that may match, ascending: those the lookups found and
    /// those not indexed yet.
    pub rows: Vec<i64>,
    /// Whether the lookups decide the text terms ([`Plan::exact`]): a row
    /// they found matches if it passes the filters. Rows not indexed yet
    /// (`waiting`) must be read all the same.
    pub exact: bool,
    /// The rows not indexed yet, ascending.
    pub waiting: Vec<i64>,
}

impl Candidates {
    /// Whether `rowid` (one of [`Candidates::rows`]) must have its text
    /// checked.
    pub fn unsure(&self, rowid: i64) -> bool {
        !self.exact || self.waiting.binary_search(&rowid).is_ok()
    }
}

/// [`candidates`], saying which need their text checked.
pub(crate) fn lookup(conn: &Connection, query: &Query) -> rusqlite::Result<Option<Candidates>> {
    let plan = Plan::of(query);
    let exact = plan.exact();
    let (gram, tri) = plan.chosen();
    let mut found: Option<Vec<i64>> = None;
    for (sql, lookups) in [
        (
            "SELECT rowid FROM fts_gram WHERE fts_gram MATCH ?1 ORDER BY rowid",
            gram,
        ),
        (
            "SELECT rowid FROM fts_tri WHERE fts_tri MATCH ?1 ORDER BY rowid",
            tri,
        ),
    ] {
        if lookups.is_empty() {
            continue;
        }
        if found.as_ref().is_some_and(Vec::is_empty) {
            break;
        }
        let mut statement = conn.prepare_cached(sql)?;
        let rows = statement.query_map([lookups.join(" AND ")], |row| row.get::<_, i64>(0))?;
        let ids = rows.collect::<rusqlite::Result<Vec<i64>>>()?;
        found = Some(match found {
            None => ids,
            Some(before) => intersect(&before, &ids),
        });
    }
    // Rows not indexed yet may match too.
    let Some(found) = found else {
        return Ok(None);
    };
    let mut statement = conn.prepare_cached("SELECT rowid FROM fts_pending ORDER BY rowid")?;
    let waiting = statement
        .query_map([], |row| row.get::<_, i64>(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(Some(Candidates {
        rows: union(&found, &waiting),
        exact,
        waiting,
    }))
}

/// The rowids in either ascending list, ascending.
fn union(a: &[i64], b: &[i64]) -> Vec<i64> {
    if b.is_empty() {
        return a.to_vec();
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let next = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) if x == y => {
                i += 1;
                j += 1;
                x
            }
            (Some(&x), Some(&y)) if x < y => {
                i += 1;
                x
            }
            (Some(&x), None) => {
                i += 1;
                x
            }
            (_, Some(&y)) => {
                j += 1;
                y
            }
            (None, None) => unreachable!(),
        };
        out.push(next);
    }
    out
}

/// The rowids in both ascending lists.
fn intersect(a: &[i64], b: &[i64]) -> Vec<i64> {
    let mut out = Vec::with_capacity(a.len().min(b.len()));
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// The benches' corpus of generated Chinese news (a few KB an article),
/// for the measurements in the tests.
#[cfg(test)]
#[path = "../../../examples/gen_corpus.rs"]
#[allow(dead_code)]
mod gen_corpus;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::{NoMarks, quote};
    use crate::text::fold::fold;

    /// The `fts_gram` tokens of one text (folded here).
    fn grams(text: &str) -> String {
        let mut out = String::new();
        push_grams(&fold(text), &mut out);
        out
    }

    /// The `fts_tri` form of one text (folded here).
    fn tri(text: &str) -> String {
        let mut out = String::new();
        push_tri(&fold(text), &mut out);
        out
    }

    fn database() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        conn.execute_batch(PENDING_SCHEMA).unwrap();
        conn
    }

    /// Indexes `articles` under rowids 1, 2, ….
    fn indexed(articles: &[Article]) -> Connection {
        let conn = database();
        for (i, a) in articles.iter().enumerate() {
            index(&conn, i as i64 + 1, a).unwrap();
        }
        conn
    }

    /// The rowids of the articles that match `query`, as a scan finds them.
    fn scan(articles: &[Article], query: &Query) -> Vec<i64> {
        (1..)
            .zip(articles)
            .filter(|(_, a)| query.matches(a, &NoMarks))
            .map(|(i, _)| i)
            .collect()
    }

    fn lookup(conn: &Connection, query: &str) -> Option<Vec<i64>> {
        candidates(conn, &Query::parse(query).unwrap()).unwrap()
    }

    /// Checks the index against the scan for one query: every match is a
    /// candidate, and the candidates that match are the matches. Returns
    /// the number of candidates and of matches (`None` when the index
    /// could not narrow).
    fn check(conn: &Connection, articles: &[Article], query: &Query) -> Option<(usize, usize)> {
        let want = scan(articles, query);
        let found = super::lookup(conn, query).unwrap()?;
        if found.exact && !query.has_filters() {
            assert_eq!(found.rows, want, "{query}: said to be exact");
        }
        let got = found.rows;
        assert!(
            got.windows(2).all(|w| w[0] < w[1]),
            "{query}: not ascending"
        );
        let missing: Vec<&i64> = want
            .iter()
            .filter(|i| got.binary_search(i).is_err())
            .collect();
        assert!(
            missing.is_empty(),
            "{query}: missed {missing:?}, e.g. {:?}",
            articles[(*missing[0] - 1) as usize]
        );
        let verified: Vec<i64> = got
            .iter()
            .copied()
            .filter(|&i| query.matches(&articles[(i - 1) as usize], &NoMarks))
            .collect();
        assert_eq!(verified, want, "{query}");
        Some((got.len(), want.len()))
    }

    // -- tokens --------------------------------------------------------------

    #[test]
    fn a_run_gives_its_bigrams_and_its_last_character() {
        assert_eq!(grams("嘉兴制造业"), "嘉兴 兴制 制造 造业 业");
        assert_eq!(grams("光伏"), "光伏 伏");
        assert_eq!(tri("嘉兴制造业"), "＃");
    }

    #[test]
    fn runs_are_separated_by_other_characters() {
        assert_eq!(grams("光伏ai芯片"), "光伏 伏 芯片 片");
        assert_eq!(
            grams("ＡＩ芯片，2024年 태양광 산업"),
            "芯片 片 年 태양 양광 광 산업 업"
        );
        assert_eq!(tri("ＡＩ芯片，2024年 태양광 산업"), "ai＃,2024＃ ＃ ＃");
        assert_eq!(tri("Solar\tPOWER　光伏"), "solar power ＃");
        assert_eq!(grams("Solar power"), "");
    }

    #[test]
    fn a_one_character_run_is_one_token() {
        assert_eq!(grams("a光b"), "光");
        assert_eq!(grams("光"), "光");
        assert_eq!(grams("光 伏"), "光 伏");
        assert_eq!(tri("a光b"), "a＃b");
    }

    #[test]
    fn kana_are_folded_before_they_are_cut() {
        assert_eq!(grams("ｶﾞｲﾄﾞ"), "ガイ イド ド");
        assert_eq!(grams("か\u{3099}き"), "がき き");
    }

    #[test]
    fn gram_characters_at_the_edges_of_their_blocks() {
        let gram = [
            '々',
            '〆',
            '〇',
            '〻',
            '〼',
            'ー',
            '・',
            '゛',
            '゜',
            '\u{3099}',
            'ゟ',
            '゠',
            'ヿ',
            '\u{3041}',
            'ㇰ',
            'ㇿ',
            '〡',
            '〩',
            '〱',
            '〵',
            '〸',
            '⺀',
            '⼀',
            '⿕',
            '㐀',
            '䶿',
            '一',
            '鿿',
            '豈',
            '\u{faff}',
            '𠀀',
            '𪛟',
            '𪜀',
            '丽',
            '\u{2fa1d}',
            '\u{30000}',
            '\u{3134a}',
            '\u{1b000}',
            '\u{1b132}',
            'ᄀ',
            'ᇿ',
            'ㄱ',
            'ㆎ',
            'ꥠ',
            '가',
            '힣',
            'ힰ',
            'ퟻ',
            'ㄅ',
            'ㄯ',
            'ㆠ',
            'ﾠ',
        ];
        for c in gram {
            assert!(is_gram(c), "{c:?} U+{:04X}", c as u32);
        }
        let other = [
            'a',
            'Z',
            '0',
            ' ',
            '\u{3000}',
            '、',
            '。',
            '〃',
            '〄',
            '〈',
            '〠',
            '〪',
            '〰',
            '〶',
            '〽',
            '\u{3040}',
            '㈀',
            '㉠',
            '䷀',
            'ꀀ',
            '\u{d7a4}',
            '\u{f8ff}',
            'ﬀ',
            '＃',
            '！',
            '\u{ffe0}',
            '😀',
            '\u{1f200}',
            '\u{40000}',
            '\u{2ffff}',
            'é',
            '\u{301}',
            'ß',
            'Σ',
        ];
        for c in other {
            // The last few of `gram`'s planes are gram characters on purpose.
            if c == '\u{2ffff}' {
                assert!(is_gram(c));
                continue;
            }
            assert!(!is_gram(c), "{c:?} U+{:04X}", c as u32);
        }
    }

    #[test]
    fn the_gap_never_comes_from_folding() {
        assert_ne!(fold(&GAP.to_string()), GAP.to_string());
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let folded = fold(&c.to_string());
            assert!(!folded.contains(GAP) && !folded.contains('\n'), "{c:?}");
        }
    }

    #[test]
    fn fields_are_folded_apart_and_short_trigram_fields_left_out() {
        let a = Article::new(
            "嘉兴制造业",
            vec!["ＡＩ芯片\n突破".into(), "光伏".into(), "Solar Power".into()],
        );
        let doc = Document::of(&a);
        assert_eq!(doc.grams, "嘉兴 兴制 制造 造业 业 芯片 片 突破 破 光伏 伏");
        assert_eq!(doc.tri, "ai＃ ＃\nsolar power");
        assert_eq!(Document::of(&Article::new("光伏", vec![])).tri, "");
    }

    // -- lookups -------------------------------------------------------------

    fn plan(query: &str) -> Plan {
        Plan::of(&Query::parse(query).unwrap())
    }

    #[test]
    fn terms_become_lookups() {
        let p = plan("嘉兴制造业 光 \"光伏 产业\" ai芯片 risc-v -广告 ab source:x 哈哈哈");
        // Terms made only of CJK go first (the matcher's order).
        let want = [
            "嘉兴", "兴制", "制造", "造业", "哈哈", "光伏", "产业", "芯片",
        ];
        let want: Vec<String> = want
            .iter()
            .map(|t| match t.strip_suffix("\"*") {
                Some(c) => format!("\"{c}\"*"),
                None => format!("\"{t}\""),
            })
            .collect();
        assert_eq!(p.gram, want);
        assert_eq!(p.prefix, ["\"光\"*"]);
        let chosen = |q: &str| plan(q).chosen();
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(chosen("2024年"), (vec![], strings(&["\"2024＃\""])));
        assert_eq!(chosen("光伏 的").0, ["\"光伏\"", "\"的\"*"]);
        assert_eq!(chosen("光 伏"), (strings(&["\"光\"*", "\"伏\"*"]), vec![]));
        assert_eq!(
            chosen("\"光伏 产业\""),
            (strings(&["\"光伏\"", "\"产业\""]), vec![])
        );
        assert_eq!(chosen("\"。 、\""), (vec![], strings(&["\"。 、\""])));
        assert_eq!(p.tri, ["\"ai＃\"", "\"risc-v\""]);
        assert_eq!(p.weak_tri, ["\"＃ ＃\""]);
        assert_eq!(plan("x光y").gram, ["\"光\""]);
        assert_eq!(plan("光。").gram, ["\"光\""]);
        assert_eq!(plan("say\"hi\"").tri, ["\"say\"\"hi\"\"\""]);
        assert_eq!(plan("\"ab\0cde\"").tri, ["\"cde\""]);
    }

    #[test]
    fn long_terms_are_looked_up_by_their_beginning() {
        let long: String = ('一'..='龥').take(100).collect();
        let p = plan(&long);
        assert_eq!(p.gram.len(), MAX_LOOKUPS);
        assert_eq!(p.gram[0], "\"一丁\"");
        let latin = "solar power ".repeat(20);
        let p = plan(&quote(&latin));
        assert_eq!(p.tri[0].chars().count(), MAX_TRI_CHARS + 2);
        let many: Vec<String> = (0..100).map(|i| format!("w{i:03}")).collect();
        assert_eq!(plan(&many.join(" ")).tri.len(), MAX_LOOKUPS);
        // The whole of a long query is still answered.
        let conn = indexed(&[Article::new(&long, vec![latin.clone()])]);
        assert_eq!(lookup(&conn, &long), Some(vec![1]));
        assert_eq!(lookup(&conn, &quote(&latin)), Some(vec![1]));
        assert_eq!(
            lookup(&conn, &format!("{long} {}", many.join(" "))),
            Some(vec![])
        );
    }

    #[test]
    fn queries_with_nothing_to_look_up_are_scanned() {
        let conn = indexed(&[Article::new("AI 光伏", vec![])]);
        for q in [
            "",
            "ai",
            "-光伏",
            "source:x",
            "is:read",
            "lang:zh after:2024-01-01",
            "-光伏 ai",
        ] {
            assert_eq!(lookup(&conn, q), None, "{q}");
        }
        assert_eq!(lookup(&conn, "ai 光伏"), Some(vec![1]));
        assert_eq!(lookup(&conn, "光"), Some(vec![1]));
        assert_eq!(lookup(&conn, "光 伏"), Some(vec![1]));
        assert_eq!(lookup(&conn, "光 x"), Some(vec![1]), "`x` gives nothing");
        assert_eq!(lookup(&conn, "光 xyz"), Some(vec![]));
    }

    #[test]
    fn one_two_and_more_characters_are_found_in_the_index() {
        let articles = [
            Article::new(
                "嘉兴制造业向高质量迈进",
                vec!["光伏产业和 ＡＩ 芯片".into()],
            ),
            Article::new("光明区", vec!["储能".into()]),
            Article::new(
                "ガイドブック",
                vec!["東京の人々".into(), "태양광 산업".into()],
            ),
        ];
        let conn = indexed(&articles);
        let found = |q: &str| lookup(&conn, q).unwrap();
        assert_eq!(found("光"), [1, 2]);
        assert_eq!(found("进"), [1]);
        assert_eq!(found("光伏"), [1]);
        assert_eq!(found("嘉兴制造业"), [1]);
        assert_eq!(found("造业向高"), [1]);
        assert_eq!(found("制造 储能"), Vec::<i64>::new());
        assert_eq!(found("ｶﾞｲﾄﾞ"), [3]);
        assert_eq!(found("人々"), [3]);
        assert_eq!(found("々"), [3]);
        assert_eq!(found("\"태양광 산업\""), [3]);
        assert_eq!(found("\"ai 芯片\""), [1]);
        assert_eq!(found("ai芯片"), Vec::<i64>::new());
        assert_eq!(
            found("迈进光伏"),
            Vec::<i64>::new(),
            "title and body are apart"
        );
    }

    #[test]
    fn every_boundary_character_is_found_alone_in_pairs_and_in_triples() {
        let chars = [
            '々',
            '〆',
            '〇',
            '〻',
            '〼',
            'ー',
            '・',
            '゛',
            '\u{3099}',
            'ゟ',
            '゠',
            'ヿ',
            'ㇰ',
            '〡',
            '〸',
            '⺀',
            '⼀',
            '㐀',
            '䶿',
            '一',
            '鿿',
            '豈',
            '\u{faff}',
            '𠀀',
            '𪛟',
            '丽',
            '\u{30000}',
            '\u{1b000}',
            'ᄀ',
            'ᇿ',
            'ㄱ',
            'ꥠ',
            '가',
            '힣',
            'ힰ',
            'ㄅ',
            'ﾠ',
        ];
        let text: String = chars.iter().collect();
        let articles = [
            Article::new(&text, vec![]),
            Article::new("x", chars.iter().map(|c| format!("a{c}b")).collect()),
        ];
        let conn = indexed(&articles);
        for (i, c) in chars.iter().enumerate() {
            for len in 1..=3 {
                let Some(term) = chars.get(i..i + len) else {
                    continue;
                };
                let term: String = term.iter().collect();
                let q = Query::parse(&quote(&term)).unwrap();
                check(&conn, &articles, &q);
                assert!(
                    candidates(&conn, &q).unwrap().unwrap().contains(&1),
                    "{term:?}"
                );
            }
            let q = Query::parse(&quote(&format!("a{c}b"))).unwrap();
            assert_eq!(check(&conn, &articles, &q), Some((1, 1)), "{c:?}");
        }
    }

    #[test]
    fn unicode61_would_lose_characters_ascii_keeps() {
        // Why `fts_gram` uses the ascii tokenizer: unicode61 reads `・` as a
        // separator, so a lookup of it finds nothing.
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE VIRTUAL TABLE u USING fts5(t, tokenize='unicode61');")
            .unwrap();
        conn.execute("INSERT INTO u (t) VALUES (?1)", [grams("ア・イ")])
            .unwrap();
        let count: i64 = conn
            .query_row("SELECT count(*) FROM u WHERE u MATCH '\"・\"*'", [], |r| {
                r.get(0)
            })
            .unwrap_or(0);
        assert_eq!(count, 0);
        let ours = indexed(&[Article::new("ア・イ", vec![])]);
        assert_eq!(lookup(&ours, "・"), Some(vec![1]));
    }

    #[test]
    fn syntax_in_terms_is_only_text() {
        let articles = [
            Article::new(
                "a AND b OR c NOT d",
                vec!["x\"y*z (NEAR) col:umn ^start".into()],
            ),
            Article::new("光伏", vec!["and or not".into()]),
        ];
        let conn = indexed(&articles);
        for q in [
            "and",
            "\"and or\"",
            "not",
            "x\"y*z",
            "(near)",
            "\"col:umn\"",
            "^start",
            "\"\\\"y*\"",
            "\"a and b\"",
            "near",
            "*",
            "\"*\"",
        ] {
            let q = Query::parse(q).unwrap();
            check(&conn, &articles, &q);
        }
    }

    #[test]
    fn reindexing_replaces_and_unindexing_removes() {
        let conn = database();
        index(&conn, 7, &Article::new("光伏 solar", vec![])).unwrap();
        assert_eq!(lookup(&conn, "光伏"), Some(vec![7]));
        index(&conn, 7, &Article::new("储能 battery", vec![])).unwrap();
        assert_eq!(lookup(&conn, "光伏"), Some(vec![]));
        assert_eq!(lookup(&conn, "solar"), Some(vec![]));
        assert_eq!(lookup(&conn, "储能 battery"), Some(vec![7]));
        unindex(&conn, 7).unwrap();
        unindex(&conn, 8).unwrap();
        assert_eq!(lookup(&conn, "储能"), Some(vec![]));
        assert_eq!(lookup(&conn, "battery"), Some(vec![]));
        index(&conn, 7, &Article::new("储能", vec![])).unwrap();
        assert_eq!(lookup(&conn, "储能"), Some(vec![7]));
    }

    // -- a generated library -------------------------------------------------

    /// SplitMix64, for a library that is the same on every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.below(items.len())]
        }
        fn chance(&mut self, percent: u64) -> bool {
            self.next() % 100 < percent
        }
    }

    const ZH: &[&str] = &[
        "嘉兴",
        "制造业",
        "光伏",
        "产业",
        "芯片",
        "发展",
        "高质量",
        "经济",
        "新能源",
        "汽车",
        "数字化",
        "转型",
        "企业",
        "市场",
        "增长",
        "政府",
        "创新",
        "科技",
        "人工智能",
        "储能",
        "项目",
        "投资",
        "的",
        "在",
        "和",
        "了",
        "是",
        "向",
        "迈进",
        "〇",
        "园区",
        "浙江",
        "𠀀",
        "豈",
        "丽",
        "㐀",
        "，",
        "。",
        "、",
        "「",
        "」",
        "《",
        "》",
        "：",
        "（",
        "）",
    ];
    const JA: &[&str] = &[
        "東京",
        "大阪",
        "ガイド",
        "ブック",
        "の",
        "は",
        "を",
        "に",
        "です",
        "ます",
        "人々",
        "ソフトウェア",
        "コンピューター",
        "ｶﾞｲﾄﾞ",
        "ﾌﾞｯｸ",
        "か\u{3099}",
        "・",
        "ー",
        "、",
        "。",
        "〆切",
        "ヴ",
        "ゟ",
    ];
    const KO: &[&str] = &[
        "태양광",
        "산업",
        "반도체",
        "경제",
        "성장",
        "서울",
        "부산",
        "기업",
        "한국",
        "ᄒᆞᆫ",
        "ㄱㄴ",
        "은",
        "는",
        "이",
    ];
    const EN: &[&str] = &[
        "Solar",
        "power",
        "AI",
        "chips",
        "RISC-V",
        "OpenHarmony",
        "iPhone",
        "the",
        "market",
        "growth",
        "Ｆｕｌｌ-width",
        "ＡＩ",
        "５Ｇ",
        "2024",
        "e-commerce",
        "naïve",
        "Straße",
        "ΣΊΣΥΦΟΣ",
        "İstanbul",
        "\"quoted\"",
        "C++",
        "50%",
        "😀",
        "café",
        "cafe\u{301}",
    ];
    const SPACES: &[&str] = &[" ", " ", " ", "\t", "\u{3000}", "\u{a0}", "  "];

    fn sentence(rng: &mut Rng) -> String {
        let mut s = String::new();
        let language = rng.below(4);
        for n in 0..rng.below(12) + 1 {
            let (words, spaced) = match language {
                0 => (ZH, false),
                1 => (JA, false),
                2 => (KO, true),
                _ => (EN, true),
            };
            // Now and then a word of another language, as news has.
            let (words, spaced) = if rng.chance(10) {
                if rng.chance(50) {
                    (EN, rng.chance(50))
                } else {
                    (ZH, false)
                }
            } else {
                (words, spaced)
            };
            if n > 0 && spaced {
                s.push_str(rng.pick(SPACES));
            }
            s.push_str(rng.pick(words));
        }
        s
    }

    fn library(count: usize, seed: u64) -> Vec<Article> {
        let mut rng = Rng(seed);
        (0..count)
            .map(|_| {
                let body = (0..rng.below(5))
                    .map(|_| {
                        let mut p = sentence(&mut rng);
                        for _ in 0..rng.below(3) {
                            p.push_str(if rng.chance(20) {
                                "\n"
                            } else {
                                rng.pick(SPACES)
                            });
                            p.push_str(&sentence(&mut rng));
                        }
                        p
                    })
                    .collect();
                let mut a = Article::new(&sentence(&mut rng), body);
                if rng.chance(50) {
                    a.lang = Some(rng.pick(&["zh-CN", "ja", "ko", "en"]).to_owned());
                }
                if rng.chance(50) {
                    a.source = Some(rng.pick(&["嘉兴日报", "Example News"]).to_owned());
                }
                a
            })
            .collect()
    }

    /// A random piece of `chars` of `len` characters, if there is room.
    fn piece(rng: &mut Rng, chars: &[char], len: usize) -> Option<String> {
        (chars.len() >= len).then(|| {
            let start = rng.below(chars.len() - len + 1);
            chars[start..start + len].iter().collect()
        })
    }

    #[test]
    fn the_index_finds_every_match_of_a_generated_library() {
        let articles = library(3000, 1);
        let conn = indexed(&articles);
        let mut rng = Rng(2);
        // (kind, query) pairs.
        let mut queries: Vec<(&str, String)> = Vec::new();
        for _ in 0..300 {
            let a = &articles[rng.below(articles.len())];
            let field = match rng.below(a.body.len() + 1) {
                0 => a.title.as_str(),
                n => a.body[n - 1].as_str(),
            };
            let folded: Vec<char> = fold(field).chars().collect();
            let len = rng.below(5) + 1;
            if let Some(p) = piece(&mut rng, &folded, len) {
                let kind = if p.chars().all(is_gram) {
                    "cjk substring"
                } else {
                    "any substring"
                };
                queries.push((kind, quote(&p)));
            }
            // The same from the unfolded text: case and width differ.
            let raw: Vec<char> = field.chars().collect();
            if let Some(p) = piece(&mut rng, &raw, len + 2) {
                queries.push(("unfolded substring", quote(&p)));
            }
        }
        for word in EN.iter().chain(JA).chain(KO).chain(ZH) {
            queries.push(("word", quote(word)));
            queries.push(("word", quote(&word.to_uppercase())));
            let chars: Vec<char> = word.chars().collect();
            if chars.len() > 3 {
                queries.push((
                    "word part",
                    quote(&chars[1..chars.len() - 1].iter().collect::<String>()),
                ));
            }
        }
        for q in [
            "鑫",
            "龘",
            "光电",
            "嘉兴制造",
            "高质量发展",
            "\"solar power\"",
            "SOLAR",
            "ｓｏｌａｒ",
            "sol",
            "olar",
            "risc-v",
            "ai芯片",
            "５ｇ",
            "5g",
            "\"the market\"",
            "c++",
        ] {
            queries.push(("chosen", q.to_owned()));
        }
        for q in [
            "power -solar",
            "光伏 -产业",
            "光伏 lang:zh",
            "光伏 source:嘉兴日报",
            "光伏 is:unread",
            "-光伏 芯片",
            "光伏 \"ai\"",
            "ai 光伏",
            "光伏 产业 经济",
            "\"ガイド\" ブック",
            "태양광 -산업",
            "straße -naïve",
            "naïve café",
        ] {
            queries.push(("negation, filters, several", q.to_owned()));
        }
        let mut totals: std::collections::BTreeMap<&str, (usize, usize, usize, usize)> =
            Default::default();
        for (kind, q) in &queries {
            let query = Query::parse(q).unwrap();
            let t = totals.entry(kind).or_default();
            t.0 += 1;
            match check(&conn, &articles, &query) {
                Some((got, want)) => {
                    t.1 += got;
                    t.2 += want;
                }
                None => t.3 += 1,
            }
        }
        for (kind, (n, got, want, scanned)) in totals {
            eprintln!(
                "{kind}: {n} queries, {got} candidates for {want} matches ({:.3}), {scanned} scanned",
                got as f64 / want.max(1) as f64
            );
        }
    }

    // -- measurements ---------------------------------------------------------

    use super::gen_corpus;

    /// Index size and speed on the benches' corpus: run in release mode with
    /// `-- --ignored --nocapture`; `KANBAO_FTS_ARTICLES` sets the count
    /// (20,000 by default), `KANBAO_FTS_SCHEMA` other statements to compare.
    #[test]
    #[ignore = "a measurement, not a test"]
    fn measure() {
        use std::time::Instant;
        let count: usize = std::env::var("KANBAO_FTS_ARTICLES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(20_000);
        let schema = std::env::var("KANBAO_FTS_SCHEMA").unwrap_or_else(|_| SCHEMA.to_owned());
        // Up to this many, the articles are kept to count the matches.
        let keep = count <= 100_000;
        let dir = std::env::temp_dir().join(format!("kanbao-fts-measure-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("index.sqlite3");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
            .unwrap();
        conn.execute_batch(&schema).unwrap();
        let mut articles = Vec::new();
        let (mut bytes, mut indexing) = (0usize, std::time::Duration::ZERO);
        let corpus = gen_corpus::Corpus::new(count, gen_corpus::DEFAULT_SEED);
        let mut batch = Vec::with_capacity(10_000);
        let mut rowid = 0;
        let mut corpus = corpus.peekable();
        while corpus.peek().is_some() {
            batch.clear();
            batch.extend(corpus.by_ref().take(10_000).map(|g| {
                let mut a = Article::new(&g.title, g.body);
                a.source = Some(g.source);
                a
            }));
            let start = Instant::now();
            let tx = conn.unchecked_transaction().unwrap();
            for a in &batch {
                rowid += 1;
                bytes += a.title.len() + a.body.iter().map(String::len).sum::<usize>();
                index(&tx, rowid, a).unwrap();
            }
            tx.commit().unwrap();
            indexing += start.elapsed();
            if keep {
                articles.append(&mut batch);
            }
        }
        // In use, not counting free pages.
        let size = |conn: &Connection| -> i64 {
            conn.query_row(
                "SELECT (page_count - freelist_count) * page_size \
                 FROM pragma_page_count, pragma_freelist_count, pragma_page_size",
                [],
                |r| r.get(0),
            )
            .unwrap()
        };
        let tables = |conn: &Connection| -> String {
            let mut st = conn
                .prepare(
                    "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 4",
                )
                .unwrap();
            let rows = st
                .query_map([], |r| {
                    Ok(format!(
                        "{} {}",
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?
                    ))
                })
                .unwrap();
            rows.map(Result::unwrap).collect::<Vec<_>>().join(", ")
        };
        let queries = |conn: &Connection| {
            for q in [
                "光伏",
                "嘉兴",
                "发展",
                "的",
                "光",
                "光伏 的",
                "嘉 光伏",
                "鑫",
                "嘉兴制造业",
                "同比增长",
                "光伏 储能",
                "出口 -美国",
                "risc-v",
                "ai",
                "ai芯片",
                "openharmony 平台",
                "5g",
                "2024年",
                "source:新华社 光伏",
            ] {
                let query = Query::parse(q).unwrap();
                let mut times = Vec::new();
                let mut got = Ok(None);
                for _ in 0..5 {
                    let start = Instant::now();
                    got = candidates(conn, &query);
                    times.push(start.elapsed());
                }
                times.sort();
                let matches = if keep {
                    let start = Instant::now();
                    let n = articles
                        .iter()
                        .filter(|a| query.matches(a, &NoMarks))
                        .count();
                    let ms = start.elapsed().as_secs_f64() * 1e3;
                    format!("; {n} matches (scan {ms:.0} ms)")
                } else {
                    String::new()
                };
                eprintln!(
                    "  {q}: {} candidates in {:.1} ms{matches}",
                    match got {
                        Ok(Some(g)) => g.len().to_string(),
                        Ok(None) => "no".to_owned(),
                        // Another schema (`KANBAO_FTS_SCHEMA`) may refuse a lookup.
                        Err(e) => format!("({e})"),
                    },
                    times[2].as_secs_f64() * 1e3,
                );
            }
        };
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
        let kb = bytes as f64 / 1024.0;
        eprintln!(
            "{count} articles, {:.1} MB of text: indexed in {:.1} s ({:.1} MB/s)",
            bytes as f64 / 1e6,
            indexing.as_secs_f64(),
            bytes as f64 / 1e6 / indexing.as_secs_f64()
        );
        let before = size(&conn);
        eprintln!(
            "index: {before} bytes, {:.0} bytes per KB of text; {}",
            before as f64 / kb,
            tables(&conn)
        );
        queries(&conn);
        let start = Instant::now();
        conn.execute_batch(
            "INSERT INTO fts_gram (fts_gram) VALUES ('optimize');
             INSERT INTO fts_tri (fts_tri) VALUES ('optimize');
             PRAGMA wal_checkpoint(TRUNCATE);",
        )
        .unwrap();
        let after = size(&conn);
        eprintln!(
            "optimized in {:.1} s: {after} bytes, {:.0} bytes per KB of text; {}",
            start.elapsed().as_secs_f64(),
            after as f64 / kb,
            tables(&conn)
        );
        queries(&conn);
        drop(conn);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    // -- any text ------------------------------------------------------------

    /// Characters that test the edges: case and width, kana and voicing
    /// marks, whitespace, the gap itself, NUL, marks, planes beyond the first.
    const PIECES: &[&str] = &[
        "a", "B", "Ｚ", "ｚ", "1", "１", " ", "\t", "\n", "\u{3000}", "光", "伏", "光伏", "々",
        "〇", "ー", "・", "゛", "\u{3099}", "カ", "ｶ", "ﾞ", "が", "한", "ᄀ", "\u{1161}", "𠀀",
        "𪛟", "豈", "。", "，", "!", "\"", "*", "İ", "ß", "Σ", "ς", "é", "e\u{301}", "😀",
        "\u{200b}", "\0", "＃", "#", "\u{fffe}", "\u{fffd}", "\u{ffff}", "ㄱ", "x", "y",
    ];

    fn text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        proptest::collection::vec(proptest::sample::select(PIECES), 0..14).prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]
        #[test]
        fn a_piece_of_a_paragraph_is_always_a_candidate(
            title in text(),
            body in proptest::collection::vec(text(), 0..4),
            which in 0usize..5,
            from in 0usize..20,
            len in 1usize..8,
        ) {
            // Not sanitized (as `Article::new` would), so NUL and newlines stay:
            // the index must not lean on what the importers remove.
            let raw = Article { title, body, ..Article::default() };
            let articles = [Article::new("其他 other", vec!["x".into()]), raw];
            let article = &articles[1];
            let conn = indexed(&articles);
            let fields: Vec<&String> = std::iter::once(&article.title).chain(&article.body).collect();
            let field = fields[which % fields.len()];
            // A piece of the folded field, and one of the field as it is
            // (which may cut a kana from its voicing mark, and so not match).
            for (folded, source) in [(true, fold(field)), (false, field.clone())] {
                let chars: Vec<char> = source.chars().collect();
                if chars.is_empty() {
                    continue;
                }
                let start = from % chars.len();
                let end = (start + len).min(chars.len());
                let piece: String = chars[start..end].iter().collect();
                // As a phrase, and as words (which may be filters or negations).
                for (phrase, q) in [(true, quote(&piece)), (false, piece.clone())] {
                    let Ok(query) = Query::parse(&q) else { continue };
                    let matched = query.matches(article, &NoMarks);
                    proptest::prop_assert!(matched || !(folded && phrase), "{:?}", q);
                    if matched {
                        let got = candidates(&conn, &query).unwrap();
                        proptest::prop_assert!(
                            got.as_ref().is_none_or(|g| g.contains(&2)),
                            "{:?} in {:?}: {:?} (plan {:?})", q, article, got, Plan::of(&query)
                        );
                    }
                }
            }
        }

        #[test]
        fn an_exact_lookup_finds_the_matches_and_nothing_else(
            title in text(),
            body in proptest::collection::vec(text(), 0..4),
            query in proptest::collection::vec(text(), 1..3),
        ) {
            // Sanitized, as every stored article is.
            let article = Article::new(&title, body);
            let conn = indexed(std::slice::from_ref(&article));
            // As phrases and as words.
            let phrases: Vec<String> = query.iter().map(|q| quote(q)).collect();
            for q in [phrases.join(" "), query.join(" ")] {
                let Ok(query) = Query::parse(&q) else { continue };
                if query.has_filters() || !query.has_text_terms() || !Plan::of(&query).exact() {
                    continue;
                }
                let found = super::lookup(&conn, &query).unwrap();
                let matched = query.matches(&article, &NoMarks);
                proptest::prop_assert_eq!(
                    found.map(|f| f.rows == [1]),
                    Some(matched),
                    "{:?} in {:?} (plan {:?})", q, article, Plan::of(&query)
                );
            }
        }
    }

    #[test]
    fn which_lookups_are_exact() {
        for q in [
            "光伏",
            "光",
            "光伏 风电",
            "linux",
            "\"solar power\"",
            "光伏 linux",
        ] {
            assert!(plan(q).exact(), "{q}");
        }
        // Three characters and more of CJK (bigrams ANDed without
        // positions), CJK beside other characters, negation, two letters,
        // a prefix lookup beside a trigram one that leaves it out, a term
        // with no letter or digit, one cut at its end.
        let long = "solar power ".repeat(10);
        for q in [
            "嘉兴制造",
            "ai芯片",
            "光。",
            "linux -ads",
            "ai",
            "光 linux",
            "\"。 、\"",
            &quote(&long),
        ] {
            assert!(!plan(q).exact(), "{q}");
        }
        let many: Vec<String> = (0..40).map(|i| format!("w{i:03}")).collect();
        assert!(!plan(&many.join(" ")).exact());
    }
}
