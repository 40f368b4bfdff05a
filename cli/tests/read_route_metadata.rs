//! `"read_route_metadata": false` in the CLI: the filter then never reads a route's or a
//! virtual host's metadata (docs/configuration-yaml.md: "a name in it is ignored, not an
//! error"; rules and the top level decide alone). `explain` and `check` must say what
//! the filter does with such a configuration.
//!
//! Review finding (review3): both ignored the switch.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use edge_shield_cli::explain::{explain, Exchange};
use edge_shield_cli::{check_text, find};
use std::path::PathBuf;

fn shipped(name: &str) -> String {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(repo.join(name)).unwrap()
}

/// envoy/route-metadata.yaml with the switch off in its policy.
fn metadata_off() -> String {
    let text = shipped("envoy/route-metadata.yaml");
    let off = text.replacen(
        "                  value:\n                    cors:",
        "                  value:\n                    read_route_metadata: false\n                    cors:",
        1,
    );
    assert_ne!(off, text);
    off
}

/// The `admin` route's metadata names the `admin` policy; with metadata off, the filter
/// gives that route the top-level policy (the `admin` rule has no `match`), so explain
/// must not say the route metadata chose `admin`.
#[test]
fn explain_ignores_metadata_when_reading_it_is_off() {
    let text = metadata_off();
    let found = find::find(&text).unwrap();
    let config = edge_shield::config::load(found[0].bytes.as_ref().unwrap()).unwrap();
    assert!(!config.read_route_metadata);
    let meta = find::route_metadata(&text);
    for route in ["admin", "healthz", "api", "web"] {
        let r = meta.iter().find(|m| m.route_name.as_deref() == Some(route));
        let ex = Exchange {
            method: "GET".into(),
            path: "/x".into(),
            authority: "localhost".into(),
            scheme: "https".into(),
            route_name: Some(route.into()),
            route_policy: r.and_then(|r| r.route_policy.clone()),
            virtual_host_policy: r.and_then(|r| r.virtual_host_policy.clone()),
            headers: Vec::new(),
            status: 200,
            response_headers: Vec::new(),
        };
        let e = explain(&config, &ex);
        assert_eq!(e["policy"]["name"], "default", "{route}: {e}");
    }
}

/// A route naming a policy the file does not define is refused by `check` because the
/// filter would count `unknown_policy` and log an error; with metadata off it does
/// neither (tests/e2e/route_metadata.rs, `metadata_is_ignored_when_reading_it_is_off`),
/// so `check` must not fail the file with that claim.
#[test]
fn check_does_not_refuse_names_the_filter_never_reads() {
    let typo = metadata_off().replace("policy: healthz", "policy: helthz");
    let (lines, failed) = check_text("route-metadata.yaml", &typo);
    assert!(!failed, "{lines:?}");
    assert!(!lines.iter().any(|l| l.contains("count unknown_policy")), "{lines:?}");
}
