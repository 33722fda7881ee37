//! A problem a user is told about, with where it is: the one shape of every
//! positioned message kanbao prints (`kanbao check`, the problems overlay,
//! import and update reports, a subscriptions file that does not read).

use std::fmt;

/// Something wrong with an input, and where: `path:line:column: message`.
///
/// Lines are 1-based. Columns are 1-based and counted in **characters**
/// (Unicode scalar values), the unit of every column kanbao reports; see
/// [`crate::line_column`]. Line 0 means the problem is with the whole
/// input, and the column is then 0 too. The path is empty while the problem
/// is only known relative to a text (an article's JSON, a feed being
/// parsed); the library names the file when it records the problem.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file (or URL); empty when not known yet.
    pub path: String,
    /// 1-based line, or 0 when the problem is with the whole input.
    pub line: usize,
    /// 1-based column in characters, or 0.
    pub column: usize,
    /// What is wrong, naming the field when there is one.
    pub message: String,
}

impl Diagnostic {
    /// A problem with a whole input, not at a place in it.
    pub fn new(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            ..Diagnostic::default()
        }
    }

    /// A problem at a 1-based line and character column.
    pub fn at(line: usize, column: usize, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            path: String::new(),
            line,
            column,
            message: message.into(),
        }
    }

    /// The problem, in the file `path`.
    pub fn in_file(mut self, path: &str) -> Diagnostic {
        path.clone_into(&mut self.path);
        self
    }
}

impl fmt::Display for Diagnostic {
    /// `path:line:col: message`; `path: message` without a line; without a
    /// path, `line:col: message` or the message alone. The path is a file
    /// name from the disk (or a URL) and could hold escape sequences itself:
    /// it is shown sanitized, and so is the message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::text::sanitize::sanitize_line;
        let message = sanitize_line(&self.message);
        let path = sanitize_line(&self.path);
        match (path.is_empty(), self.line) {
            (true, 0) => write!(f, "{message}"),
            (true, line) => write!(f, "{line}:{}: {message}", self.column),
            (false, 0) => write!(f, "{path}: {message}"),
            (false, line) => write!(f, "{path}:{line}:{}: {message}", self.column),
        }
    }
}

impl std::error::Error for Diagnostic {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_as_path_line_column_message() {
        let d = Diagnostic::at(2, 12, "field `title`: expected a string");
        assert_eq!(d.to_string(), "2:12: field `title`: expected a string");
        let d = d.in_file("a.json");
        assert_eq!(
            d.to_string(),
            "a.json:2:12: field `title`: expected a string"
        );
        let d = Diagnostic::new("cannot read: gone").in_file("b.json");
        assert_eq!(d.to_string(), "b.json: cannot read: gone");
        assert_eq!(Diagnostic::new("no <opml>").to_string(), "no <opml>");
    }

    #[test]
    fn paths_and_messages_are_shown_sanitized() {
        let d = Diagnostic::at(1, 1, "bad\u{1b}[2J").in_file("x\u{1b}]0;t\u{7}.json");
        assert_eq!(d.to_string(), "x.json:1:1: bad");
    }
}
