//! The .wasm keeps only the exports src/host/exports lists (`make build`; docs/performance.md,
//! "Only the hooks we implement"). Envoy never calls a hook the module does not export, so a
//! hook implemented in src/host/mod.rs but missing from that list would silently never run;
//! and a listed hook nobody implements is an SDK default Envoy enters V8 for in vain.

use std::collections::BTreeSet;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Exports every Proxy-Wasm module needs whatever it implements.
const ABI: [&str; 6] = [
    "memory",
    "_initialize",
    "proxy_abi_version_0_2_1",
    "proxy_on_memory_allocate",
    "proxy_on_context_create",
    "proxy_on_delete",
];

fn kept() -> BTreeSet<String> {
    let text = std::fs::read_to_string(format!("{ROOT}/src/host/exports")).unwrap();
    text.lines()
        .map(|l| l.split('#').next().unwrap().trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// The SDK trait methods `src/host/mod.rs` implements, as the export that calls each:
/// `on_http_request_headers` is `proxy_on_request_headers`, `on_tick` is `proxy_on_tick`.
fn implemented() -> BTreeSet<String> {
    let text = std::fs::read_to_string(format!("{ROOT}/src/host/mod.rs")).unwrap();
    let mut hooks = BTreeSet::new();
    let mut in_sdk_impl = false;
    for line in text.lines() {
        if line.starts_with("impl ") {
            in_sdk_impl = ["Context for", "RootContext for", "HttpContext for"]
                .iter()
                .any(|t| line.contains(t));
        } else if line.starts_with('}') {
            in_sdk_impl = false;
        } else if let Some(rest) = line.trim_start().strip_prefix("fn on_").filter(|_| in_sdk_impl) {
            let name = rest.split('(').next().unwrap();
            let name = name
                .strip_prefix("http_")
                .filter(|n| n.starts_with("request_") || n.starts_with("response_"))
                .unwrap_or(name);
            hooks.insert(format!("proxy_on_{name}"));
        }
    }
    hooks
}

#[test]
fn the_hooks_the_host_implements_are_the_hooks_the_wasm_exports() {
    let hooks = implemented();
    // The reader works: these are hooks the filter cannot do without.
    for must in [
        "proxy_on_configure",
        "proxy_on_request_headers",
        "proxy_on_response_headers",
    ] {
        assert!(hooks.contains(must), "{must} not found among {hooks:?}");
    }
    let mut expected: BTreeSet<String> = ABI.iter().map(|s| s.to_string()).collect();
    expected.extend(hooks);
    assert_eq!(
        kept(),
        expected,
        "src/host/exports must list the ABI's exports and exactly the hooks src/host/mod.rs implements"
    );
}
