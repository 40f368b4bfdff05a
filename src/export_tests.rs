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

/// Which exports call each SDK trait method (proxy-wasm 0.2.5's dispatcher): a method
/// implemented in src/host/mod.rs needs all of its exports kept.
const HOOKS: [(&str, &[&str]); 24] = [
    ("on_vm_start", &["proxy_on_vm_start"]),
    ("on_configure", &["proxy_on_configure"]),
    ("on_tick", &["proxy_on_tick"]),
    ("on_queue_ready", &["proxy_on_queue_ready"]),
    ("on_done", &["proxy_on_done"]),
    ("on_log", &["proxy_on_log"]),
    ("on_foreign_function", &["proxy_on_foreign_function"]),
    ("on_http_call_response", &["proxy_on_http_call_response"]),
    (
        "on_grpc_call_response",
        &["proxy_on_grpc_receive", "proxy_on_grpc_close"],
    ),
    (
        "on_grpc_stream_initial_metadata",
        &["proxy_on_grpc_receive_initial_metadata"],
    ),
    ("on_grpc_stream_message", &["proxy_on_grpc_receive"]),
    (
        "on_grpc_stream_trailing_metadata",
        &["proxy_on_grpc_receive_trailing_metadata"],
    ),
    ("on_grpc_stream_close", &["proxy_on_grpc_close"]),
    ("on_new_connection", &["proxy_on_new_connection"]),
    ("on_downstream_data", &["proxy_on_downstream_data"]),
    ("on_downstream_close", &["proxy_on_downstream_connection_close"]),
    ("on_upstream_data", &["proxy_on_upstream_data"]),
    ("on_upstream_close", &["proxy_on_upstream_connection_close"]),
    ("on_http_request_headers", &["proxy_on_request_headers"]),
    ("on_http_request_body", &["proxy_on_request_body"]),
    ("on_http_request_trailers", &["proxy_on_request_trailers"]),
    ("on_http_response_headers", &["proxy_on_response_headers"]),
    ("on_http_response_body", &["proxy_on_response_body"]),
    ("on_http_response_trailers", &["proxy_on_response_trailers"]),
];

/// The exports the SDK trait methods `src/host/mod.rs` implements need (`fn on_*` inside
/// an `impl ... Context for`); a method the table does not know fails the test.
fn implemented() -> BTreeSet<String> {
    let text = std::fs::read_to_string(format!("{ROOT}/src/host/mod.rs")).unwrap();
    let mut exports = BTreeSet::new();
    let mut in_sdk_impl = false;
    for line in text.lines() {
        let code = line.trim_start();
        if code.starts_with("impl ") || code.starts_with("impl<") {
            in_sdk_impl = code.contains("Context for");
        } else if line.starts_with('}') {
            in_sdk_impl = false;
        } else if let Some(rest) = code.strip_prefix("fn on_").filter(|_| in_sdk_impl) {
            let method = format!("on_{}", rest.split(['(', '<']).next().unwrap());
            let (_, needs) = HOOKS
                .iter()
                .find(|(m, _)| *m == method)
                .unwrap_or_else(|| panic!("{method}: which export calls it? add it to HOOKS"));
            exports.extend(needs.iter().map(|e| e.to_string()));
        }
    }
    exports
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
