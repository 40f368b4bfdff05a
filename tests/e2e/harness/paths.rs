//! Where things are: the repository, the Envoy binary, the built `.wasm`, scratch
//! directories, and the repository's files as text.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn envoy_bin() -> PathBuf {
    match std::env::var_os("ENVOY") {
        Some(p) => PathBuf::from(p),
        None => repo().join(".venv/bin/envoy"),
    }
}

pub fn wasm_path() -> PathBuf {
    let p = match std::env::var_os("EDGE_SHIELD_WASM") {
        Some(p) => PathBuf::from(p),
        None => repo().join("target/wasm32-wasip1/release/edge_shield.wasm"),
    };
    assert!(
        p.exists(),
        "{} is missing: run `make build` (or `make test`) first",
        p.display()
    );
    p
}

/// A fresh, empty directory of its own under the system temp dir.
pub fn scratch_dir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "edge-shield-e2e-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// A file of the repository as text, by its path relative to the repository root.
pub fn read_repo(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Every `.yaml`/`.yml` file under `dir`, recursively, sorted.
pub fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .flatten()
        {
            let p = entry.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

/// A port nobody listens on right now (for a config's extra listener).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Writes `text` to `path` atomically (a temp file renamed into place), the way a
/// config management tool must update a file Envoy watches (`path_config_source`).
pub fn write_atomically(path: &Path, text: &str) {
    // An xDS resource pushed mid-test names the Wasm filter; under the native switch
    // it is pushed as the native module, like every rendered config.
    let text = if super::host::native() {
        super::host::to_native(text)
    } else {
        text.to_string()
    };
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap_or_else(|e| panic!("{}: {e}", tmp.display()));
    std::fs::rename(&tmp, path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}
