//! `Query::parse` never panics; a parsed query's `Display` parses back to
//! the same query; `find_in_line` returns valid ranges. The input is the
//! query, then (after the first NUL) a line to search.
#![no_main]

use kanbao_core::{Query, find_in_line, fold};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let (text, line) = input.split_once('\0').unwrap_or((&input, ""));
    let mut terms: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    match Query::parse(text) {
        Ok(q) => {
            let written = q.to_string();
            match Query::parse(&written) {
                Ok(again) => assert_eq!(again, q, "{text:?} written as {written:?}"),
                Err(e) => panic!("{text:?} written as {written:?} does not parse: {e}"),
            }
            terms.extend(q.highlight_terms().iter().cloned());
        }
        Err(e) => {
            assert!(
                e.position <= text.len() && text.is_char_boundary(e.position),
                "bad error position {e:?}"
            );
            let _ = e.pointer(text);
        }
    }
    let folded_terms: Vec<String> = terms.iter().map(|t| fold(t)).collect();
    let mut prev_end = 0;
    for r in find_in_line(line, &terms) {
        assert!(
            r.start >= prev_end && r.start < r.end && r.end <= line.len(),
            "range {r:?} after {prev_end} in {line:?}"
        );
        assert!(line.is_char_boundary(r.start) && line.is_char_boundary(r.end));
        let found = fold(&line[r.clone()]);
        assert!(
            folded_terms.contains(&found),
            "{:?} folds to {found:?}, none of {folded_terms:?}",
            &line[r.clone()]
        );
        prev_end = r.end;
    }
});
