//! edge-shield's command-line tool, natively on the filter's own core: finds the
//! configurations in policy files and manifests, checks them with the filter's loader,
//! and explains decisions (docs/cli.md). The binary is `src/main.rs`.

pub mod explain;
pub mod find;
pub mod yaml;

/// The JSON Schema of the configuration, kept in the repository (schema/).
pub const SCHEMA: &str = include_str!("../../schema/edge-shield.schema.json");

/// The report lines of one file, and whether it had an error. Lines are
/// `FILE: LOCATION: <what the filter would log>`.
pub fn check_text(file: &str, text: &str) -> (Vec<String>, bool) {
    let found = match find::find(text) {
        Ok(f) => f,
        Err(e) => return (vec![format!("{file}: {e}")], true),
    };
    if found.is_empty() {
        return (
            vec![format!(
                "{file}: no edge-shield configuration found (a Wasm filter is recognised by `edge-shield` or \
                 `edge_shield` in its code file name or URL, plugin name, root_id or vm_id; see docs/cli.md)"
            )],
            true,
        );
    }
    let mut lines = Vec::new();
    let mut failed = false;
    let mut loaded = Vec::new();
    for f in &found {
        let at = format!("{file}: {}", f.location);
        for n in &f.notes {
            lines.push(format!("{at}: edge-shield: warning: {n}"));
        }
        match f.bytes.as_deref().map(edge_shield::config::load) {
            Err(e) => {
                failed = true;
                lines.push(format!("{at}: {e}"));
            }
            Ok(Err(e)) => {
                failed = true;
                lines.push(format!("{at}: {e}"));
            }
            Ok(Ok(config)) => {
                for w in &config.warnings {
                    lines.push(format!("{at}: edge-shield: warning: {w}"));
                }
                let names: Vec<&str> = config.policies().map(|p| p.name.as_str()).collect();
                lines.push(format!("{at}: ok: policies {}", names.join(", ")));
                loaded.push(config);
            }
        }
    }
    // A route naming a policy no configuration defines would get the top-level policy
    // (and an error log per request, within the budget): refuse it here.
    // A configuration with `read_route_metadata: false` never reads the names: they
    // cannot reach it, so only the others are looked up (docs/configuration-yaml.md).
    loaded.retain(|c| c.read_route_metadata);
    if !loaded.is_empty() {
        for r in find::route_metadata(text) {
            let (name, from) = match (&r.route_policy, &r.virtual_host_policy) {
                (Some(n), _) => (n, "route metadata"),
                (None, Some(n)) => (n, "virtual host metadata"),
                (None, None) => continue,
            };
            if !loaded.iter().any(|c| c.named(name.as_bytes()).is_some()) {
                failed = true;
                lines.push(format!(
                    "{file}: {}: edge-shield: {from} names the policy {name:?}, which no edge-shield configuration \
                     in this file defines (the filter would apply the top-level policy and count unknown_policy)",
                    r.location
                ));
            }
        }
    }
    (lines, failed)
}
