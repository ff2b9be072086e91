//! The style guide's two checkable rules on the layout of the sources, kept from coming
//! back: no source file over 600 lines (tests aside), and no two files of one crate that
//! import each other (a module and its own children aside).
//!
//! Imports are read from the text: `crate::a::b` and `super::a` paths outside comments
//! and outside a file's trailing `#[cfg(test)] mod tests`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MOST_LINES: usize = 600;

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crates/")
        .to_path_buf()
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            found.push(path);
        }
    }
}

/// The module path of a file under `src`: `a/b.rs` and `a/b/mod.rs` are `a::b`.
fn module_of(source: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(source).expect("file under src");
    let mut parts: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts.join("::")
}

/// The code of a file without comment lines and without its trailing test module.
fn code_of(text: &str) -> String {
    let without_tests = match text.find("#[cfg(test)]\nmod tests") {
        Some(start) => &text[..start],
        None => text,
    };
    without_tests
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The identifier path that follows each occurrence of `prefix` in `code`.
fn paths_after<'a>(code: &'a str, prefix: &str) -> Vec<Vec<&'a str>> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(position) = rest.find(prefix) {
        let before = rest[..position].chars().last();
        rest = &rest[position + prefix.len()..];
        if before.is_some_and(|character| character.is_alphanumeric() || character == '_') {
            continue;
        }
        let end = rest
            .find(|character: char| {
                !(character.is_ascii_lowercase()
                    || character.is_ascii_digit()
                    || character == '_'
                    || character == ':')
            })
            .unwrap_or(rest.len());
        let path: Vec<&str> = rest[..end]
            .split("::")
            .filter(|part| !part.is_empty())
            .collect();
        if !path.is_empty() {
            paths.push(path);
        }
    }
    paths
}

/// Which modules of the crate each module imports.
fn imports(source: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(source, &mut files);
    let modules: BTreeMap<String, PathBuf> = files
        .iter()
        .map(|file| (module_of(source, file), file.clone()))
        .collect();
    let mut graph = BTreeMap::new();
    for (module, file) in &modules {
        let code = code_of(&std::fs::read_to_string(file).expect("readable source"));
        let parent: Vec<&str> = module.split("::").filter(|part| !part.is_empty()).collect();
        let parent = &parent[..parent.len().saturating_sub(1)];
        let mut targets = BTreeSet::new();
        let mut add_longest = |path: Vec<&str>| {
            for length in (1..=path.len()).rev() {
                let candidate = path[..length].join("::");
                if modules.contains_key(&candidate) {
                    targets.insert(candidate);
                    return;
                }
            }
        };
        for path in paths_after(&code, "crate::") {
            add_longest(path);
        }
        for path in paths_after(&code, "super::") {
            add_longest(parent.iter().copied().chain(path).collect());
        }
        targets.remove(module);
        graph.insert(module.clone(), targets);
    }
    graph
}

fn is_within(module: &str, ancestor: &str) -> bool {
    ancestor.is_empty() || module.starts_with(&format!("{ancestor}::"))
}

#[test]
fn no_source_file_is_over_six_hundred_lines() {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(crates_dir()).expect("crates/") {
        let source = entry.expect("crate").path().join("src");
        if source.is_dir() {
            rust_files(&source, &mut files);
        }
    }
    let long: Vec<String> = files
        .iter()
        .filter(|file| !file.ends_with("tests.rs"))
        .filter_map(|file| {
            let lines = std::fs::read_to_string(file).ok()?.lines().count();
            (lines > MOST_LINES).then(|| format!("{} has {lines} lines", file.display()))
        })
        .collect();
    assert!(long.is_empty(), "over {MOST_LINES} lines: {long:#?}");
}

#[test]
fn no_two_files_of_a_crate_import_each_other() {
    let mut cycles = Vec::new();
    for entry in std::fs::read_dir(crates_dir()).expect("crates/") {
        let source = entry.expect("crate").path().join("src");
        if !source.is_dir() {
            continue;
        }
        let graph = imports(&source);
        for (module, targets) in &graph {
            for target in targets {
                let mutual =
                    module < target && graph.get(target).is_some_and(|back| back.contains(module));
                if mutual && !is_within(module, target) && !is_within(target, module) {
                    cycles.push(format!("{}: {module} <-> {target}", source.display()));
                }
            }
        }
    }
    assert!(cycles.is_empty(), "files importing each other: {cycles:#?}");
}

#[test]
fn the_import_reader_sees_a_cycle() {
    let directory = std::env::temp_dir().join(format!("svmq-layout-{}", std::process::id()));
    let source = directory.join("src");
    std::fs::create_dir_all(&source).unwrap();
    std::fs::write(source.join("lib.rs"), "mod first;\nmod second;\n").unwrap();
    std::fs::write(source.join("first.rs"), "use crate::second::Thing;\n").unwrap();
    std::fs::write(
        source.join("second.rs"),
        "// crate::first in a comment is no import\nuse super::first::Other;\n",
    )
    .unwrap();
    let graph = imports(&source);
    std::fs::remove_dir_all(&directory).unwrap();
    assert!(graph["first"].contains("second"));
    assert!(graph["second"].contains("first"));
}
