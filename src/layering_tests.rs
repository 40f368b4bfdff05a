//! No import circles between the files of `src/` (ARCHITECTURE.md): each `use` and each
//! `crate::`/`super::`/child-module path of non-test code is resolved to the file that
//! defines the item (through `pub use` re-exports), and the file graph must have no cycle.
//! Test code (`#[cfg(test)]` items and test-only modules) is left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One source file: its module path, child modules, `pub use` re-exports (name → the
/// absolute path it stands for), and the paths its code names.
#[derive(Debug, Default)]
struct File {
    module: Vec<String>,
    children: BTreeSet<String>,
    reexports: BTreeMap<String, Vec<String>>,
    paths: Vec<Vec<String>>,
}

fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs").to_string();
    if stem != "mod" && stem != "lib" {
        parts.push(stem);
    }
    parts
}

/// The source without comments, with every string and char literal emptied (`""`, `' '`):
/// a `//` in a URL must not hide the rest of its line, nor a brace in a string end an item.
/// Line breaks are kept, so the reader below still sees one statement per line.
fn code_only(source: &str) -> String {
    let b: Vec<char> = source.chars().collect();
    let at = |i: usize| b.get(i).copied();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match (c, at(i + 1)) {
            ('/', Some('/')) => {
                while i < b.len() && b[i] != '\n' {
                    i += 1;
                }
            }
            ('/', Some('*')) => {
                let mut depth = 0;
                while i < b.len() {
                    match (b[i], at(i + 1)) {
                        ('/', Some('*')) => {
                            depth += 1;
                            i += 2;
                        }
                        ('*', Some('/')) => {
                            depth -= 1;
                            i += 2;
                            if depth == 0 {
                                break;
                            }
                        }
                        (ch, _) => {
                            if ch == '\n' {
                                out.push('\n');
                            }
                            i += 1;
                        }
                    }
                }
            }
            ('r', Some('"' | '#')) => {
                // A raw string `r"..."`, `r#"..."#` (`r#ident` is a raw identifier: kept).
                let mut j = i + 1;
                let mut hashes = 0;
                while at(j) == Some('#') {
                    hashes += 1;
                    j += 1;
                }
                if at(j) != Some('"') {
                    out.push(c);
                    i += 1;
                    continue;
                }
                j += 1;
                while j < b.len() && !(b[j] == '"' && (1..=hashes).all(|k| at(j + k) == Some('#'))) {
                    if b[j] == '\n' {
                        out.push('\n');
                    }
                    j += 1;
                }
                out.push_str("\"\"");
                i = j + 1 + hashes;
            }
            ('"', _) => {
                let mut j = i + 1;
                while j < b.len() && b[j] != '"' {
                    if b[j] == '\\' {
                        j += 1;
                    }
                    if at(j) == Some('\n') {
                        out.push('\n');
                    }
                    j += 1;
                }
                out.push_str("\"\"");
                i = j + 1;
            }
            ('\'', Some('\\')) => {
                // An escaped char literal: '\n', '\'', '\u{..}'.
                let mut j = i + 3;
                while j < b.len() && b[j] != '\'' {
                    j += 1;
                }
                out.push_str("' '");
                i = j + 1;
            }
            ('\'', Some(_)) if at(i + 2) == Some('\'') => {
                out.push_str("' '");
                i += 3;
            }
            _ => {
                // Code, and lifetimes (`'a`).
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// Where an item starting at the beginning of `item` ends: after its `;` or after the
/// `}` closing its block, whichever comes first outside brackets.
fn item_end(item: &str) -> usize {
    let mut depth = 0i32;
    for (i, c) in item.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' => depth -= 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            ';' if depth == 0 => return i + 1,
            _ => {}
        }
    }
    item.len()
}

/// The source without comments, string contents and `#[cfg(test)]` items; `test_modules`
/// gets the test-only child modules (`#[cfg(test)] mod x;`).
fn strip_tests(source: &str, test_modules: &mut BTreeSet<String>) -> String {
    let code = code_only(source);
    let mut out = String::new();
    let mut rest = code.as_str();
    loop {
        let mut offset = 0;
        let mut found = None;
        for line in rest.split_inclusive('\n') {
            if line.trim() == "#[cfg(test)]" {
                found = Some((offset, offset + line.len()));
                break;
            }
            offset += line.len();
        }
        let Some((attribute, item_start)) = found else { break };
        out.push_str(&rest[..attribute]);
        let item = &rest[item_start..];
        let end = item_end(item);
        let text = item[..end].trim();
        if let Some(name) = text.strip_prefix("mod ").or_else(|| text.strip_prefix("pub mod ")) {
            if let Some(name) = name.strip_suffix(';') {
                test_modules.insert(name.trim().to_string());
            }
        }
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

/// The paths of a `use` tree, each with its alias (`as`), if any.
type UseTree = Vec<(Vec<String>, Option<String>)>;

/// Expands a `use` tree (`a::{b, c::d as e, f::*}`) into (path, alias) pairs.
fn expand(tree: &str, prefix: &[String], out: &mut UseTree) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head: Vec<String> = split_path(tree[..open].trim_end_matches("::"));
        let mut base = prefix.to_vec();
        base.extend(head);
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&inner[start..i], &base, out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand(&inner[start..], &base, out);
        return;
    }
    if tree.is_empty() {
        return;
    }
    let (path, alias) = match tree.split_once(" as ") {
        Some((p, a)) => (p, Some(a.trim().to_string())),
        None => (tree, None),
    };
    let mut full = prefix.to_vec();
    full.extend(split_path(path));
    out.push((full, alias));
}

fn split_path(p: &str) -> Vec<String> {
    p.split("::")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Makes a path absolute (from the crate root), or `None` for another crate's.
fn absolute(path: &[String], file: &File) -> Option<Vec<String>> {
    let first = path.first()?;
    let mut base = match first.as_str() {
        "crate" => Vec::new(),
        "self" => file.module.clone(),
        "super" => {
            let mut m = file.module.clone();
            let mut rest = path;
            while rest.first().map(String::as_str) == Some("super") {
                m.pop();
                rest = &rest[1..];
            }
            m.extend(rest.iter().cloned());
            return Some(m);
        }
        name if file.children.contains(name) => {
            let mut m = file.module.clone();
            m.push(name.to_string());
            m.extend(path[1..].iter().cloned());
            return Some(m);
        }
        _ => return None,
    };
    base.extend(path[1..].iter().cloned());
    Some(base)
}

/// The file that defines what an absolute path names.
fn resolve(path: &[String], files: &BTreeMap<Vec<String>, File>, depth: usize) -> Option<Vec<String>> {
    let mut module: Vec<String> = Vec::new();
    for (i, seg) in path.iter().enumerate() {
        let file = files.get(&module)?;
        if seg == "*" {
            return Some(module);
        }
        if file.children.contains(seg) {
            module.push(seg.clone());
            continue;
        }
        if let Some(target) = file.reexports.get(seg) {
            if depth < 16 {
                let mut t = target.clone();
                t.extend(path[i + 1..].iter().cloned());
                return resolve(&t, files, depth + 1).or(Some(module));
            }
        }
        return Some(module);
    }
    Some(module)
}

fn load(root: &Path) -> BTreeMap<Vec<String>, File> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }
    let mut paths = Vec::new();
    walk(root, &mut paths);
    let mut files = BTreeMap::new();
    let mut test_only: BTreeSet<Vec<String>> = BTreeSet::new();
    let mut sources = BTreeMap::new();
    for p in &paths {
        let module = module_of(p.strip_prefix(root).unwrap());
        let mut tests = BTreeSet::new();
        let code = strip_tests(&std::fs::read_to_string(p).unwrap(), &mut tests);
        for t in tests {
            let mut m = module.clone();
            m.push(t);
            test_only.insert(m);
        }
        let mut file = File {
            module: module.clone(),
            ..File::default()
        };
        for line in code.lines() {
            let l = line.trim().trim_start_matches("pub ").trim_start_matches("pub(crate) ");
            if let Some(name) = l.strip_prefix("mod ") {
                file.children.insert(name.trim_end_matches(';').trim().to_string());
            }
        }
        sources.insert(module.clone(), code);
        files.insert(module, file);
    }
    // `use` statements and inline paths, now that every file's children are known.
    let keys: Vec<Vec<String>> = files.keys().cloned().collect();
    for key in keys {
        let code = sources[&key].clone();
        let mut uses: Vec<(bool, UseTree)> = Vec::new();
        for stmt in code.split(';') {
            // The statement starts at the last line opening a `use`.
            let lines: Vec<&str> = stmt.lines().collect();
            let Some(first) = lines.iter().rposition(|l| {
                let t = l.trim_start();
                t.starts_with("use ") || t.starts_with("pub use ") || t.starts_with("pub(crate) use ")
            }) else {
                continue;
            };
            let joined = lines[first..].join(" ");
            let s = joined.trim();
            let (public, tree) = if let Some(t) = s.strip_prefix("pub use ") {
                (true, t)
            } else if let Some(t) = s.strip_prefix("pub(crate) use ") {
                (true, t)
            } else if let Some(t) = s.strip_prefix("use ") {
                (false, t)
            } else {
                continue;
            };
            let mut expanded = Vec::new();
            expand(tree, &[], &mut expanded);
            uses.push((public, expanded));
        }
        let file = files.get(&key).unwrap();
        let mut reexports = BTreeMap::new();
        let mut named = Vec::new();
        for (public, list) in uses {
            for (path, alias) in list {
                let Some(abs) = absolute(&path, file) else { continue };
                if public {
                    let name = alias
                        .clone()
                        .unwrap_or_else(|| path.last().cloned().unwrap_or_default());
                    reexports.insert(name, abs.clone());
                }
                named.push(abs);
            }
        }
        // Inline paths: `crate::a::b`, `super::a`, `child::item`.
        let mut inline = Vec::new();
        let mut starts: Vec<&str> = vec!["crate::", "super::"];
        let children: Vec<String> = file.children.iter().map(|c| format!("{c}::")).collect();
        starts.extend(children.iter().map(String::as_str));
        for start in starts {
            let mut from = 0;
            while let Some(at) = code[from..].find(start) {
                let pos = from + at;
                let before = code[..pos].chars().last().unwrap_or(' ');
                from = pos + start.len();
                if before.is_alphanumeric() || before == '_' || before == ':' {
                    continue;
                }
                let end = code[pos..]
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                    .map_or(code.len(), |e| pos + e);
                // `crate::{...}`/`super::{...}` are `use` trees, read above.
                let path = split_path(&code[pos..end]);
                if path.len() < 2 || code[pos..end].ends_with("::") {
                    continue;
                }
                if let Some(abs) = absolute(&path, file) {
                    inline.push(abs);
                }
            }
        }
        named.extend(inline);
        let f = files.get_mut(&key).unwrap();
        f.reexports = reexports;
        f.paths = named;
    }
    files
        .retain(|m, _| !test_only.iter().any(|t| m.starts_with(t)) && m.first().map(String::as_str) != Some("testing"));
    files
}

/// The file graph: an edge from each file to every file defining something it names.
fn graph(files: &BTreeMap<Vec<String>, File>) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    files
        .iter()
        .map(|(m, f)| {
            let targets = f
                .paths
                .iter()
                .filter_map(|p| resolve(p, files, 0))
                .filter(|t| t != m && files.contains_key(t))
                .collect();
            (m.clone(), targets)
        })
        .collect()
}

/// Every cycle's files (strongly connected components with more than one file).
fn cycles(g: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<String>> {
    let reach = |from: &Vec<String>| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(n) = todo.pop() {
            for t in g.get(&n).into_iter().flatten() {
                if seen.insert(t.clone()) {
                    todo.push(t.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<_, _> = g.keys().map(|k| (k.clone(), reach(k))).collect();
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut done = BTreeSet::new();
    for k in g.keys() {
        if done.contains(k) || !reachable[k].contains(k) {
            continue;
        }
        let component: Vec<Vec<String>> = g
            .keys()
            .filter(|o| reachable[k].contains(*o) && reachable[*o].contains(k))
            .cloned()
            .collect();
        done.extend(component.iter().cloned());
        out.push(component.iter().map(|m| m.join("::")).collect());
    }
    out
}

/// `src/`, or the tree `LAYERING_SRC` names (to check another revision's).
fn source_root() -> PathBuf {
    std::env::var_os("LAYERING_SRC").map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), PathBuf::from)
}

#[test]
fn no_import_circles_between_the_files_of_src() {
    let root = source_root();
    let files = load(&root);
    let g = graph(&files);
    assert!(g.len() > 50, "the source tree was not read: {} files", g.len());
    let edges: usize = g.values().map(BTreeSet::len).sum();
    assert!(edges > 100, "imports were not resolved: {edges} edges");
    assert_eq!(
        cycles(&g),
        Vec::<Vec<String>>::new(),
        "import circles (files per circle)"
    );
}

#[test]
fn the_checker_sees_a_circle() {
    let m = |s: &str| split_path(s);
    let mut g: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    g.insert(m("a"), [m("b")].into());
    g.insert(m("b"), [m("c")].into());
    g.insert(m("c"), [m("a")].into());
    g.insert(m("d"), [m("a")].into());
    assert_eq!(cycles(&g), vec![vec!["a".to_string(), "b".into(), "c".into()]]);
}

#[test]
fn leaves_import_no_feature_and_features_no_upper_layer() {
    let root = source_root();
    let files = load(&root);
    let g = graph(&files);
    let layer = |m: &[String]| match m.first().map(String::as_str) {
        Some("http" | "compile" | "exchange" | "log_limit") => 0,
        Some("cors" | "hardening" | "security_headers") => 1,
        // ARCHITECTURE.md: config/ imports features and leaves, never the engine.
        Some("config") => 2,
        Some("engine") => 3,
        Some("host" | "host_native") => 4,
        _ => 5,
    };
    let mut upward = Vec::new();
    for (from, targets) in &g {
        for to in targets {
            let (lf, lt) = (layer(from), layer(to));
            // Within a layer, features stay apart except where hardening asks the
            // route's CORS policy whether it vouches for an origin.
            let across_features =
                lf == 1 && lt == 1 && from[0] != to[0] && !(from[0] == "hardening" && to[0] == "cors");
            if lt > lf || across_features {
                upward.push(format!("{} -> {}", from.join("::"), to.join("::")));
            }
        }
    }
    assert_eq!(upward, Vec::<String>::new(), "imports against the layering");
}

/// What the reader keeps of a source: code paths, also next to a URL in a string or after a
/// test-only item that is not a block; never test-only code, comments or string contents.
#[test]
fn the_reader_keeps_code_and_drops_tests_comments_and_strings() {
    let cases: &[(&str, &str, &[&str], &[&str])] = &[
        (
            "a string holding // does not hide the rest of its line",
            "pub fn f() -> usize {\n    g(\"https://example.com\", crate::engine::on_request)\n}\n",
            &["crate::engine::on_request"],
            &[],
        ),
        (
            "a test-only item without a block ends at its semicolon",
            "#[cfg(test)]\nconst SAMPLES: &[&str] = &[\n    \"Origin\",\n];\n\npub fn f() -> crate::engine::ExchangeState {\n    todo()\n}\n",
            &["crate::engine::ExchangeState"],
            &["SAMPLES"],
        ),
        (
            "a brace in a test-only item's string does not swallow what follows",
            "#[cfg(test)]\nfn sample() -> &'static str {\n    \"{\"\n}\n\npub fn f() -> crate::engine::ExchangeState {\n    todo()\n}\n",
            &["crate::engine::ExchangeState"],
            &["sample"],
        ),
        (
            "comments and string contents are not code",
            "/* crate::engine::a */\n// crate::engine::b\npub const X: &str = \"crate::engine::c\";\npub const C: char = '\"';\npub fn f<'a>(x: &'a str) -> &'a str { x }\n",
            &["pub fn f<'a>"],
            &["crate::engine"],
        ),
        (
            "a test-only child module",
            "#[cfg(test)]\nmod tests;\n\npub fn f() {}\n",
            &["pub fn f"],
            &["mod tests"],
        ),
    ];
    for (what, source, kept, dropped) in cases {
        let mut test_modules = BTreeSet::new();
        let code = strip_tests(source, &mut test_modules);
        for k in *kept {
            assert!(code.contains(k), "{what}: {k:?} lost from {code:?}");
        }
        for d in *dropped {
            assert!(!code.contains(d), "{what}: {d:?} kept in {code:?}");
        }
    }
    let mut test_modules = BTreeSet::new();
    strip_tests("#[cfg(test)]\nmod tests;\n", &mut test_modules);
    assert_eq!(test_modules, BTreeSet::from(["tests".to_string()]));
}
