//! ARCHITECTURE.md's code map, checked against the code: which folder may
//! use which, and no circle of folders, in both crates. A reference is a
//! `crate::<folder>` path outside comments and outside test code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The folder (or root file) of `src` that holds `file`: `app` for
/// `src/app/list.rs`, `paths` for `core/src/paths.rs`.
fn room(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// Folder → the other folders it names, for the crate whose sources are `src`.
fn uses(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        if file.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let from = room(src, &file);
        let text = std::fs::read_to_string(&file).unwrap();
        // Test modules may reach anywhere: only the code above them counts.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        let set = graph.entry(from.clone()).or_default();
        for line in code.lines() {
            let line = line.trim_start();
            if line.starts_with("//") {
                continue;
            }
            let mut rest = line;
            while let Some(at) = rest.find("crate::") {
                rest = &rest[at + "crate::".len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                // `use crate::{a, b}` names several rooms.
                if name.is_empty() && rest.starts_with('{') {
                    let inside = &rest[1..rest.find('}').unwrap_or(rest.len())];
                    for part in inside.split(',') {
                        let part: String = part
                            .trim()
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        if !part.is_empty() && part != from {
                            set.insert(part);
                        }
                    }
                } else if !name.is_empty() && name != from {
                    set.insert(name);
                }
            }
        }
    }
    graph
}

fn assert_rules(graph: &BTreeMap<String, BTreeSet<String>>, rules: &[(&str, &[&str])]) {
    for (room, forbidden) in rules {
        let used = graph
            .get(*room)
            .unwrap_or_else(|| panic!("no folder {room}"));
        for f in *forbidden {
            assert!(
                !used.contains(*f),
                "{room} may not use {f}, but does: {used:?}"
            );
        }
    }
}

/// Panics with the circle if the folders use each other in one.
fn assert_no_circle(graph: &BTreeMap<String, BTreeSet<String>>) {
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if let Some(at) = path.iter().position(|n| *n == node) {
            panic!("a circle of folders: {:?} → {node}", &path[at..]);
        }
        if !done.insert(node) {
            return;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if graph.contains_key(next.as_str()) {
                visit(next, graph, path, done);
            }
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        let mut path = Vec::new();
        // A node seen already had its whole reach checked.
        if !done.contains(node.as_str()) {
            visit(node, graph, &mut path, &mut done);
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_core_folders_use_each_other_as_the_map_says() {
    let graph = uses(&root().join("core/src"));
    // Every folder of the core, and what each may not use.
    let all = [
        "text",
        "paths",
        "diagnostic",
        "model",
        "query",
        "typeset",
        "import",
        "store",
        "net",
        "library",
        "db",
        "ingest",
    ];
    let all_but = |allowed: &[&str]| -> Vec<&str> {
        all.iter()
            .copied()
            .filter(|room| !allowed.contains(room))
            .collect()
    };
    let above_model = ["import", "library", "store", "net", "db", "ingest"];
    let rules: Vec<(&str, Vec<&str>)> = vec![
        ("text", all_but(&[])),
        ("paths", all_but(&[])),
        ("diagnostic", all_but(&["text"])),
        ("model", above_model.to_vec()),
        ("query", above_model.to_vec()),
        ("typeset", above_model.to_vec()),
        ("import", vec!["library", "store", "net", "db", "ingest"]),
        ("store", vec!["library", "net", "db", "ingest"]),
        ("net", vec!["library", "db", "ingest"]),
        ("library", vec!["db", "ingest"]),
        ("db", vec!["net", "ingest"]),
    ];
    let rules: Vec<(&str, &[&str])> = rules.iter().map(|(r, f)| (*r, f.as_slice())).collect();
    assert_rules(&graph, &rules);
    assert_no_circle(&graph);
}

#[test]
fn the_terminal_side_uses_the_core_and_no_circle() {
    let graph = uses(&root().join("src"));
    assert_rules(
        &graph,
        &[
            ("input", &["app", "ui", "terminal", "config"]),
            ("app", &["ui", "terminal", "config"]),
            ("config", &["ui", "terminal"]),
            ("ui", &["terminal"]),
        ],
    );
    assert_no_circle(&graph);
}

#[test]
fn the_core_has_no_terminal_in_it() {
    let manifest = std::fs::read_to_string(root().join("core/Cargo.toml")).unwrap();
    for name in ["ratatui", "crossterm", "clap", "anyhow"] {
        assert!(
            !manifest.lines().any(|l| l.trim_start().starts_with(name)),
            "core/Cargo.toml depends on {name}"
        );
    }
}

#[test]
fn a_circle_is_found() {
    let mut graph = BTreeMap::new();
    graph.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    graph.insert("b".to_string(), BTreeSet::from(["a".to_string()]));
    let found = std::panic::catch_unwind(|| assert_no_circle(&graph));
    assert!(found.is_err());
}
