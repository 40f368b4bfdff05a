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

/// The source without comments and without `#[cfg(test)]` items; `None` names the
/// test-only child modules (`#[cfg(test)] mod x;`).
fn strip_tests(source: &str, test_modules: &mut BTreeSet<String>) -> String {
    let lines: Vec<&str> = source
        .lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect();
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() == "#[cfg(test)]" {
            let next = lines.get(i + 1).map(|l| l.trim()).unwrap_or_default();
            if next.ends_with(';') {
                if let Some(name) = next.strip_prefix("mod ").or_else(|| next.strip_prefix("pub mod ")) {
                    test_modules.insert(name.trim_end_matches(';').to_string());
                }
                i += 2;
                continue;
            }
            // An item with a body: skip to its closing brace.
            let mut depth = 0i32;
            let mut opened = false;
            i += 1;
            while i < lines.len() {
                for c in lines[i].chars() {
                    match c {
                        '{' => {
                            depth += 1;
                            opened = true;
                        }
                        '}' => depth -= 1,
                        _ => {}
                    }
                }
                i += 1;
                if opened && depth <= 0 {
                    break;
                }
            }
            continue;
        }
        out.push_str(lines[i]);
        out.push('\n');
        i += 1;
    }
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
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = load(&root);
    let g = graph(&files);
    let layer = |m: &[String]| match m.first().map(String::as_str) {
        Some("http" | "compile" | "exchange" | "log_limit") => 0,
        Some("cors" | "hardening" | "security_headers") => 1,
        Some("config" | "engine") => 2,
        Some("host") => 3,
        _ => 4,
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
