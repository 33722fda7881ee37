//! Positions in text as a user is told them: a 1-based line and a 1-based
//! column counted in characters (Unicode scalar values), whatever the
//! script. `嘉兴 x` has `x` at column 4, as in most editors; a byte count
//! would say 8. Every [`crate::Diagnostic`] is placed with these.

/// 1-based line and column (in characters) of byte `offset` in `text`.
///
/// The bytes before `offset` must be UTF-8 (those after it need not be:
/// the offset of the first invalid byte has a position too). An offset past
/// the end is the end.
pub fn line_column(text: &[u8], offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    (line, chars_in(&before[line_start..]) + 1)
}

/// The character column of serde_json's position (1-based `line` and
/// column counted in bytes, pointing at the offending byte) in `text`, the
/// text it parsed. Column 0 (serde's "before the first byte") is column 1.
pub fn column_of_byte_column(text: &str, line: usize, byte_column: usize) -> usize {
    let line_text = text.split('\n').nth(line.saturating_sub(1)).unwrap_or("");
    let mut byte = byte_column.saturating_sub(1).min(line_text.len());
    while !line_text.is_char_boundary(byte) {
        byte -= 1;
    }
    line_text[..byte].chars().count() + 1
}

/// The byte offset in `text` of a 1-based line and character column (the
/// inverse of [`line_column`]); past the end of a line or of the text, the end.
pub fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start = match line {
        0 | 1 => 0,
        _ => memchr::memchr_iter(b'\n', text.as_bytes())
            .nth(line - 2)
            .map_or(text.len(), |i| i + 1),
    };
    let rest = &text[line_start..];
    let within = rest
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(rest.len(), |(i, _)| i);
    line_start + within
}

/// How many characters start in `bytes` (UTF-8): every byte but the
/// continuation bytes.
fn chars_in(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xc0 != 0x80).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        let text = "ab\n嘉兴 x\n";
        assert_eq!(line_column(text.as_bytes(), 0), (1, 1));
        assert_eq!(line_column(text.as_bytes(), 2), (1, 3));
        let x = text.find('x').unwrap();
        assert_eq!(line_column(text.as_bytes(), x), (2, 4));
        assert_eq!(line_column(text.as_bytes(), 999), (3, 1));
    }

    #[test]
    fn an_invalid_byte_has_a_position() {
        let bytes = b"\xe5\x98\x89x\xff";
        assert_eq!(line_column(bytes, 4), (1, 3));
    }

    #[test]
    fn ascii_columns_are_byte_columns() {
        let text = "{\n  \"title\": 5\n}";
        for offset in 0..=text.len() {
            let (line, column) = line_column(text.as_bytes(), offset);
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            assert_eq!(column, offset - line_start + 1);
            assert_eq!(offset_of(text, line, column), offset);
            assert_eq!(column_of_byte_column(text, line, column), column);
        }
    }

    #[test]
    fn offsets_and_columns_round_trip() {
        let text = "第一行\n标题：5 x\n";
        for (offset, _) in text.char_indices() {
            let (line, column) = line_column(text.as_bytes(), offset);
            assert_eq!(offset_of(text, line, column), offset);
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let byte_column = offset - line_start + 1;
            assert_eq!(column_of_byte_column(text, line, byte_column), column);
        }
    }
}
