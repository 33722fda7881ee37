//! The checker behind [`super::parse`]: walks the parsed TOML and fills a
//! [`Config`], turning every bad key or value into a warning that names the
//! file, line, column and key, with a suggestion for a near miss.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crossterm::event::KeyEvent;
use ratatui::style::Color;
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

use super::*;
use crate::input::action::{Action, names as action_names};

const SECTIONS: &[&str] = &["display", "layout", "reader", "library", "colors", "keys"];
const DISPLAY_KEYS: &[&str] = &[
    "ambiguous",
    "color",
    "theme",
    "mouse",
    "selection",
    "timezone",
];
const LAYOUT_KEYS: &[&str] = &[
    "split",
    "orientation",
    "two_pane_min_width",
    "preview",
    "preview_delay_ms",
];
const READER_KEYS: &[&str] = &["measure", "center", "page_overlap", "mark_read_after_ms"];
const LIBRARY_KEYS: &[&str] = &["paths"];

const COLOR_EXPECTED: &str = "a colour name, \"#rrggbb\" or an index from 0 to 255";
const KEY_EXPECTED: &str = "one key in vim notation (like \"q\" or \"<C-d>\")";

type Entry<'a, 'i> = (&'a Spanned<DeString<'i>>, &'a Spanned<DeValue<'i>>);

/// A table's entries in file order.
fn entries<'a, 'i>(table: &'a DeTable<'i>) -> Vec<Entry<'a, 'i>> {
    let mut all: Vec<_> = table.iter().collect();
    all.sort_by_key(|(k, _)| k.span().start);
    all
}

/// Walks the parsed file, filling a [`Config`] and collecting warnings.
pub(super) struct Checker<'a> {
    pub(super) path: &'a Path,
    pub(super) text: &'a str,
    pub(super) warnings: Vec<String>,
}

impl Checker<'_> {
    fn warn(&mut self, span: Range<usize>, message: impl fmt::Display) {
        let (line, column) = kanbao_core::line_column(self.text.as_bytes(), span.start);
        self.warnings.push(format!(
            "{}:{line}:{column}: {message}",
            self.path.display()
        ));
    }

    /// ``key `section.name`: expected …, found …``
    fn expected(&mut self, key: &str, value: &Spanned<DeValue<'_>>, expected: &str) {
        self.expected_found(key, value.span(), expected, &found(value.get_ref()));
    }

    fn expected_found(&mut self, key: &str, span: Range<usize>, expected: &str, found: &str) {
        self.warn(
            span,
            format_args!("key `{key}`: expected {expected}, found {found}"),
        );
    }

    fn unknown(
        &mut self,
        what: &str,
        section: Option<&str>,
        name: &str,
        span: Range<usize>,
        known: &[&str],
    ) {
        let full = match section {
            Some(section) => format!("{section}.{}", key_text(name)),
            None => key_text(name),
        };
        match suggest(name, known) {
            Some(near) => self.warn(
                span,
                format_args!("unknown {what} `{full}` (did you mean `{near}`?)"),
            ),
            None => self.warn(span, format_args!("unknown {what} `{full}`")),
        }
    }

    pub(super) fn root(&mut self, root: &DeTable<'_>, config: &mut Config) {
        for (key, value) in entries(root) {
            let name = key.get_ref().as_ref();
            if !SECTIONS.contains(&name) {
                let what = if value.get_ref().is_table() {
                    "section"
                } else {
                    "key"
                };
                self.unknown(what, None, name, key.span(), SECTIONS);
                continue;
            }
            let Some(table) = value.get_ref().as_table() else {
                self.expected(name, value, "a table");
                continue;
            };
            match name {
                "display" => self.display(table, &mut config.display, &mut config.timezone),
                "layout" => self.layout(table, &mut config.layout),
                "reader" => self.reader(table, &mut config.reader),
                "library" => self.library(table, &mut config.library),
                "colors" => self.colors(table, &mut config.colors),
                _ => self.keys(table, &mut config.keys),
            }
        }
    }

    fn display(
        &mut self,
        table: &DeTable<'_>,
        display: &mut Display,
        timezone: &mut Option<String>,
    ) {
        for (key, value) in entries(table) {
            let name = key.get_ref().as_ref();
            let full = format!("display.{name}");
            match name {
                "ambiguous" => {
                    let choices = AmbiguousSetting::ALL.map(|v| (v.name(), v));
                    if let Some(v) = self.choice(&full, value, &choices) {
                        display.ambiguous = v;
                    }
                }
                "color" => {
                    let choices = ColorSetting::ALL.map(|v| (v.name(), v));
                    if let Some(v) = self.choice(&full, value, &choices) {
                        display.color = v;
                    }
                }
                "theme" => {
                    let choices = [("default", ThemeName::Default), ("mono", ThemeName::Mono)];
                    if let Some(v) = self.choice(&full, value, &choices) {
                        display.theme = v;
                    }
                }
                "mouse" => {
                    if let Some(v) = self.boolean(&full, value) {
                        display.mouse = v;
                    }
                }
                "selection" => {
                    let choices = [("marker", Selection::Marker), ("bar", Selection::Bar)];
                    if let Some(v) = self.choice(&full, value, &choices) {
                        display.selection = v;
                    }
                }
                "timezone" => match value.get_ref().as_str() {
                    Some("") => *timezone = None,
                    Some(zone) => match kanbao_core::zone_named(zone) {
                        Ok(_) => *timezone = Some(zone.to_owned()),
                        Err(e) => self.warn(value.span(), format!("key `{full}`: {e}")),
                    },
                    None => self.expected(
                        &full,
                        value,
                        "a time zone name (\"Asia/Shanghai\") or an offset (\"+08:00\")",
                    ),
                },
                _ => self.unknown("key", Some("display"), name, key.span(), DISPLAY_KEYS),
            }
        }
    }

    fn layout(&mut self, table: &DeTable<'_>, layout: &mut Layout) {
        for (key, value) in entries(table) {
            let name = key.get_ref().as_ref();
            let full = format!("layout.{name}");
            match name {
                "split" => {
                    if let Some(v) = self.integer(&full, value, 10, 90) {
                        layout.split = v;
                    }
                }
                "orientation" => {
                    let choices = [
                        ("horizontal", Orientation::Horizontal),
                        ("vertical", Orientation::Vertical),
                    ];
                    if let Some(v) = self.choice(&full, value, &choices) {
                        layout.orientation = v;
                    }
                }
                "two_pane_min_width" => {
                    if let Some(v) = self.integer(&full, value, 40, 1000) {
                        layout.two_pane_min_width = v;
                    }
                }
                "preview" => {
                    if let Some(v) = self.boolean(&full, value) {
                        layout.preview = v;
                    }
                }
                "preview_delay_ms" => {
                    if let Some(v) = self.integer(&full, value, 0, 2000) {
                        layout.preview_delay_ms = v;
                    }
                }
                _ => self.unknown("key", Some("layout"), name, key.span(), LAYOUT_KEYS),
            }
        }
    }

    fn reader(&mut self, table: &DeTable<'_>, reader: &mut Reader) {
        for (key, value) in entries(table) {
            let name = key.get_ref().as_ref();
            let full = format!("reader.{name}");
            match name {
                "measure" => {
                    if let Some(v) = self.integer(&full, value, 20, 1000) {
                        reader.measure = v;
                    }
                }
                "center" => {
                    if let Some(v) = self.boolean(&full, value) {
                        reader.center = v;
                    }
                }
                "page_overlap" => {
                    if let Some(v) = self.integer(&full, value, 0, 10) {
                        reader.page_overlap = v;
                    }
                }
                "mark_read_after_ms" => {
                    if let Some(v) = self.integer(&full, value, 0, 60_000) {
                        reader.mark_read_after_ms = v;
                    }
                }
                _ => self.unknown("key", Some("reader"), name, key.span(), READER_KEYS),
            }
        }
    }

    fn library(&mut self, table: &DeTable<'_>, library: &mut LibraryConfig) {
        for (key, value) in entries(table) {
            let name = key.get_ref().as_ref();
            if name != "paths" {
                self.unknown("key", Some("library"), name, key.span(), LIBRARY_KEYS);
                continue;
            }
            const EXPECTED: &str = "an array of paths";
            let items: Vec<&Spanned<DeValue<'_>>> = match value.get_ref() {
                DeValue::String(_) => vec![value],
                DeValue::Array(array) => array.iter().collect(),
                _ => {
                    self.expected("library.paths", value, EXPECTED);
                    continue;
                }
            };
            let mut paths = Vec::new();
            let mut ok = true;
            for item in items {
                match item.get_ref().as_str() {
                    Some(s) if !s.trim().is_empty() => paths.push(self.resolve(s)),
                    Some(_) => {
                        self.expected_found(
                            "library.paths",
                            item.span(),
                            "a path",
                            "an empty string",
                        );
                        ok = false;
                    }
                    None => {
                        self.expected("library.paths", item, "a path (a string)");
                        ok = false;
                    }
                }
            }
            if ok {
                library.paths = paths;
            }
        }
    }

    /// A library path as written in the file → the path to open.
    fn resolve(&self, written: &str) -> PathBuf {
        if written.starts_with("http://") || written.starts_with("https://") {
            return PathBuf::from(written);
        }
        let home = || {
            std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(PathBuf::from)
        };
        if written == "~" {
            if let Some(home) = home() {
                return home;
            }
        } else if let Some(rest) = written.strip_prefix("~/")
            && let Some(home) = home()
        {
            return home.join(rest);
        }
        let path = PathBuf::from(written);
        if path.is_relative()
            && !written.starts_with('~')
            && let Some(dir) = self.path.parent()
        {
            return dir.join(path);
        }
        path
    }

    fn colors(&mut self, table: &DeTable<'_>, colors: &mut Colors) {
        for (key, value) in entries(table) {
            let name = key.get_ref().as_ref();
            let Some(slot) = colors.slot_mut(name) else {
                self.unknown("key", Some("colors"), name, key.span(), Colors::NAMES);
                continue;
            };
            let full = format!("colors.{name}");
            let parsed = match value.get_ref() {
                DeValue::String(s) => parse_color(s).map_err(|near| match near {
                    Some(near) => format!("{s:?} (did you mean \"{near}\"?)"),
                    None => format!("{s:?}"),
                }),
                DeValue::Integer(i) => match int_value(i) {
                    Some(n @ 0..=255) => Ok(Color::Indexed(n as u8)),
                    _ => Err(i.to_string()),
                },
                other => Err(found(other)),
            };
            match parsed {
                Ok(color) => *slot = Some(color),
                Err(found) => self.expected_found(&full, value.span(), COLOR_EXPECTED, &found),
            }
        }
    }

    fn keys(&mut self, table: &DeTable<'_>, keys: &mut Vec<(Action, KeyEvent)>) {
        for (key, value) in entries(table) {
            let action = key.get_ref().as_ref();
            let Some(bound) = Action::named(action) else {
                let names: Vec<&str> = action_names().collect();
                self.unknown("action", Some("keys"), action, key.span(), &names);
                continue;
            };
            let full = format!("keys.{action}");
            let items: Vec<&Spanned<DeValue<'_>>> = match value.get_ref() {
                DeValue::String(_) => vec![value],
                DeValue::Array(array) => array.iter().collect(),
                _ => {
                    self.expected(&full, value, "a key or an array of keys in vim notation");
                    continue;
                }
            };
            for item in items {
                let Some(written) = item.get_ref().as_str() else {
                    self.expected(&full, item, KEY_EXPECTED);
                    continue;
                };
                let event = match crate::input::keys::parse_keys(written) {
                    Ok(events) if events.len() == 1 => events[0],
                    Ok(events) => {
                        let found = if events.is_empty() {
                            format!("{written:?} (no key)")
                        } else {
                            format!("{written:?} ({} keys)", events.len())
                        };
                        self.expected_found(&full, item.span(), KEY_EXPECTED, &found);
                        continue;
                    }
                    Err(e) => {
                        let found = format!("{written:?} ({})", e.message);
                        self.expected_found(&full, item.span(), KEY_EXPECTED, &found);
                        continue;
                    }
                };
                match keys.iter().find(|(_, k)| *k == event) {
                    Some((other, _)) if *other != bound => {
                        let other = other.info().map_or("", |i| i.name);
                        let message =
                            format!("key `{full}`: {written:?} is already bound to `{other}`");
                        self.warn(item.span(), message);
                    }
                    Some(_) => {}
                    None => keys.push((bound, event)),
                }
            }
        }
    }

    fn choice<T: Copy>(
        &mut self,
        key: &str,
        value: &Spanned<DeValue<'_>>,
        choices: &[(&str, T)],
    ) -> Option<T> {
        if let Some(s) = value.get_ref().as_str()
            && let Some((_, v)) = choices
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(s.trim()))
        {
            return Some(*v);
        }
        let names: Vec<String> = choices.iter().map(|(n, _)| format!("{n:?}")).collect();
        let expected = match names.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => "nothing".into(),
        };
        self.expected(key, value, &expected);
        None
    }

    fn boolean(&mut self, key: &str, value: &Spanned<DeValue<'_>>) -> Option<bool> {
        let b = value.get_ref().as_bool();
        if b.is_none() {
            self.expected(key, value, "true or false");
        }
        b
    }

    fn integer(
        &mut self,
        key: &str,
        value: &Spanned<DeValue<'_>>,
        min: u16,
        max: u16,
    ) -> Option<u16> {
        if let Some(i) = value.get_ref().as_integer()
            && let Some(n) = int_value(i)
            && (i64::from(min)..=i64::from(max)).contains(&n)
        {
            return u16::try_from(n).ok();
        }
        self.expected(key, value, &format!("an integer from {min} to {max}"));
        None
    }
}

fn int_value(i: &toml::de::DeInteger<'_>) -> Option<i64> {
    i64::from_str_radix(i.as_str(), i.radix()).ok()
}

/// What a value is, for "found …": scalars as written, containers by kind.
fn found(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(s) => format!("{s:?}"),
        DeValue::Integer(i) => i.to_string(),
        DeValue::Float(f) => format!("the float {f}"),
        DeValue::Boolean(b) => b.to_string(),
        DeValue::Datetime(_) => "a date-time".into(),
        DeValue::Array(_) => "an array".into(),
        DeValue::Table(_) => "a table".into(),
    }
}

/// A key as TOML would need it written.
fn key_text(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        name.to_owned()
    } else {
        format!("{name:?}")
    }
}

/// The nearest known name, if it is close enough to be a likely typo.
fn suggest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    let lower = name.to_lowercase().replace('-', "_");
    let (distance, best) = known
        .iter()
        .map(|k| (edit_distance(&lower, k), *k))
        .min_by_key(|(d, _)| *d)?;
    let limit = (name.chars().count().max(3) / 3).max(1);
    (distance <= limit).then_some(best)
}

/// Edit distance in characters, counting a swap of neighbours as one edit
/// (optimal string alignment), so `qiut` is one edit from `quit`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j - 1] + cost)
                .min(d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

const COLOR_NAMES: &[(&str, Color)] = &[
    ("black", Color::Black),
    ("red", Color::Red),
    ("green", Color::Green),
    ("yellow", Color::Yellow),
    ("blue", Color::Blue),
    ("magenta", Color::Magenta),
    ("cyan", Color::Cyan),
    ("white", Color::White),
    ("gray", Color::Gray),
    ("grey", Color::Gray),
    ("darkgray", Color::DarkGray),
    ("darkgrey", Color::DarkGray),
    ("lightred", Color::LightRed),
    ("lightgreen", Color::LightGreen),
    ("lightyellow", Color::LightYellow),
    ("lightblue", Color::LightBlue),
    ("lightmagenta", Color::LightMagenta),
    ("lightcyan", Color::LightCyan),
    ("reset", Color::Reset),
];

/// Parses a colour: a name (case, `-`, `_` and spaces ignored: `light-red`),
/// `#rrggbb`, or a 256-colour index `0`–`255`. On failure, a close name if
/// there is one.
fn parse_color(written: &str) -> Result<Color, Option<&'static str>> {
    let s = written.trim();
    if let Some(hex) = s.strip_prefix('#') {
        if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            let n = u32::from_str_radix(hex, 16).map_err(|_| None)?;
            let [_, r, g, b] = n.to_be_bytes();
            return Ok(Color::Rgb(r, g, b));
        }
        return Err(None);
    }
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
        return s.parse::<u8>().map(Color::Indexed).map_err(|_| None);
    }
    let name: String = s
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .collect::<String>()
        .to_lowercase();
    if let Some((_, color)) = COLOR_NAMES.iter().find(|(n, _)| *n == name) {
        return Ok(*color);
    }
    let names: Vec<&'static str> = COLOR_NAMES.iter().map(|(n, _)| *n).collect();
    Err(suggest(&name, &names))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_only_for_near_misses() {
        assert_eq!(suggest("measur", READER_KEYS), Some("measure"));
        assert_eq!(
            suggest("page-down", &action_names().collect::<Vec<_>>()),
            Some("page_down")
        );
        assert_eq!(suggest("xyz", READER_KEYS), None);
        assert_eq!(
            suggest("qiut", &action_names().collect::<Vec<_>>()),
            Some("quit")
        );
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("ab", "ba"), 1);
    }
}
