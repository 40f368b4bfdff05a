//! Observability against a real Envoy: the shipped `stats_tags` turn every counter into
//! `edge_shield_<counter>{edge_shield_plugin, edge_shield_policy}` on `/stats/prometheus`,
//! and every expression of the shipped Grafana dashboard and Prometheus alerts names only
//! metrics and labels that a real Envoy with the filter emits (docs/observability.md).

use crate::deploy::{read, replace_all, start_example_text};
use crate::harness::*;
use regex_lite::Regex;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const EXAMPLE: &str = "envoy/observability/envoy.yaml";
/// The native module's shipped Envoy config: its `stats_config` and runtime are the
/// native counterpart of the example's (docs/observability.md).
const NATIVE_EXAMPLE: &str = "envoy/native.yaml";
const NATIVE_GATEWAY: &str = "envoy/native-gateway.yaml";
const DASHBOARD: &str = "docs/observability/edge-shield.grafana.json";
const ALERTS: &str = "docs/observability/alerts.yaml";
const ISTIO: &str = "envoy/observability/istio.yaml";
const GATEWAY: &str = "envoy/observability/envoy-gateway.yaml";

/// Labels Prometheus itself adds to every scraped series (not Envoy's to emit).
const SCRAPE_LABELS: [&str; 2] = ["job", "instance"];

fn yaml_docs(rel: &str) -> Vec<Value> {
    use serde::Deserialize;
    serde_norway::Deserializer::from_str(&read(rel))
        .map(|d| Value::deserialize(d).unwrap_or_else(|e| panic!("{rel} is not valid YAML: {e}")))
        .collect()
}

// ---------------------------------------------------------------- scraping

/// One series of `/stats/prometheus`: name, labels, value.
#[derive(Debug, Clone)]
struct Series {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses Prometheus' text exposition format (the subset Envoy writes: no timestamps,
/// label values without escaped quotes, which our label values cannot contain).
fn parse_exposition(text: &str) -> Vec<Series> {
    let line_re = Regex::new(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$").unwrap();
    let label_re = Regex::new(r#"([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)""#).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let c = line_re.captures(l)?;
            let labels = c
                .get(3)
                .map(|m| {
                    label_re
                        .captures_iter(m.as_str())
                        .map(|lc| (lc[1].to_string(), lc[2].to_string()))
                        .collect()
                })
                .unwrap_or_default();
            Some(Series {
                name: c[1].to_string(),
                labels,
                value: c[4].parse().ok()?,
            })
        })
        .collect()
}

fn scrape(envoy: &Envoy) -> Vec<Series> {
    let resp = get("/stats/prometheus").send_to(envoy.admin);
    assert_eq!(resp.status, 200);
    parse_exposition(&resp.text())
}

fn value(series: &[Series], name: &str, policy: &str) -> f64 {
    series
        .iter()
        .find(|s| s.name == name && s.labels.get("edge_shield_policy").map(String::as_str) == Some(policy))
        .unwrap_or_else(|| panic!("no {name}{{edge_shield_policy={policy:?}}} in the scrape"))
        .value
}

/// Our counters: the series whose name starts with `edge_shield_` (Envoy strips the
/// `wasmcustom.` prefix of Wasm-defined metrics in Prometheus output).
fn ours(series: &[Series]) -> Vec<&Series> {
    series.iter().filter(|s| s.name.starts_with("edge_shield_")).collect()
}

// ---------------------------------------------------------------- shipped snippets

/// The `stats_config` of a shipped Envoy config, as a value.
fn stats_config_of(rel: &str) -> Value {
    let doc = &yaml_docs(rel)[0];
    let sc = doc["stats_config"].clone();
    assert!(sc["stats_tags"].is_array(), "{rel} has no stats_config.stats_tags");
    sc
}

/// The `stats_config` shipped for the artifact under test: the Wasm example's, or under
/// the native module the one of its shipped config.
fn example_stats_config() -> Value {
    stats_config_of(if host::native() { NATIVE_EXAMPLE } else { EXAMPLE })
}

/// The bootstrap's top-level keys for metrics: `stats_config`, and for the native module
/// the runtime key of its shipped config that gives the counters the Wasm build's
/// Prometheus names.
fn example_metrics_bootstrap() -> Vec<(&'static str, Value)> {
    let mut keys = vec![("stats_config", example_stats_config())];
    if host::native() {
        let runtime = yaml_docs(NATIVE_EXAMPLE)[0]["layered_runtime"].clone();
        assert!(runtime["layers"].is_array(), "{NATIVE_EXAMPLE} has no layered_runtime");
        keys.push(("layered_runtime", runtime));
    }
    keys
}

/// [`example_metrics_bootstrap`] as top-level YAML lines (JSON flow values are YAML).
fn metrics_bootstrap_yaml() -> String {
    example_metrics_bootstrap()
        .into_iter()
        .map(|(k, v)| format!("{k}: {v}\n"))
        .collect()
}

/// The shipped observability example, for the artifact under test: under the native
/// module with the metrics bootstrap of its shipped config in place of the Wasm one
/// (the filter itself is rewritten by the harness).
fn start_observability_example() -> Envoy {
    let text = read(EXAMPLE);
    if !host::native() {
        return start_example_text(&text);
    }
    // The example's top-level `stats_config:` block, up to the next top-level key.
    let start = text.find("\nstats_config:\n").expect("a top-level stats_config") + 1;
    let end = start + text[start..].find("\n\n").expect("a blank line after stats_config");
    let keys = metrics_bootstrap_yaml();
    start_example_text(&format!("{}{}{}", &text[..start], keys, &text[end + 1..]))
}

/// The JSON access-log format of the shipped example (the `json_format` map).
fn example_access_log() -> Value {
    let doc = &yaml_docs(EXAMPLE)[0];
    let hcm = &doc["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"];
    let log = hcm["access_log"][0].clone();
    assert!(
        log["typed_config"]["log_format"]["json_format"].is_object(),
        "{EXAMPLE}: no JSON access log"
    );
    log
}

/// The test template with the example's stats_config and access log added (as JSON flow
/// values, which are YAML).
fn observed_template() -> String {
    let keys = metrics_bootstrap_yaml();
    let t = replace_all(
        DEFAULT_TEMPLATE,
        "static_resources:",
        &format!("{keys}static_resources:"),
    );
    replace_all(
        &t,
        "          stat_prefix: edge\n",
        &format!(
            "          stat_prefix: edge\n          access_log: [{}]\n",
            example_access_log()
        ),
    )
}

#[test]
fn shipped_stats_tags_give_every_counter_plugin_and_policy_labels() {
    let envoy = start_observability_example();
    // The example's policies (envoy/observability/envoy.yaml): `default` allows
    // https://app.example.com, rule `public` (/public/) allows any origin.
    let refused = preflight("/api/", "https://evil.example.net", "PUT").send(&envoy);
    assert_eq!(refused.status, 403);
    let granted = preflight("/api/", "https://app.example.com", "PUT").send(&envoy);
    assert!(granted.has("access-control-allow-origin"), "{granted:?}");
    assert_eq!(get("/public/").send(&envoy).status, 200);

    let series = scrape(&envoy);
    let ours = ours(&series);
    assert!(!ours.is_empty(), "no edge_shield_* series on /stats/prometheus");
    for s in &ours {
        let keys: Vec<&str> = s.labels.keys().map(String::as_str).collect();
        assert_eq!(s.labels["edge_shield_plugin"], "edge-shield", "{s:?}");
        // Plugin-wide counters (configuration loads) have no policy.
        if s.name.starts_with("edge_shield_config_") {
            assert_eq!(keys, ["edge_shield_plugin"], "{s:?}");
            continue;
        }
        assert_eq!(keys, ["edge_shield_plugin", "edge_shield_policy"], "{s:?}");
        assert!(
            ["default", "public"].contains(&s.labels["edge_shield_policy"].as_str()),
            "{s:?}"
        );
        // The counter name stays in the metric name: nothing of plugin or policy left in it.
        assert!(!s.name.contains("default") && !s.name.contains("public"), "{s:?}");
    }
    assert_eq!(value(&series, "edge_shield_cors_preflight_rejected", "default"), 1.0);
    assert_eq!(value(&series, "edge_shield_cors_preflight_allowed", "default"), 1.0);
    assert_eq!(value(&series, "edge_shield_requests", "default"), 2.0);
    assert_eq!(value(&series, "edge_shield_requests", "public"), 1.0);
    assert_eq!(value(&series, "edge_shield_cors_no_origin", "public"), 1.0);
    // No unlabelled leftovers of the old glued names.
    assert!(
        !series.iter().any(|s| s.name.contains("edge_shield_edge_shield")),
        "unlabelled edge-shield series remain"
    );
}

/// Istio's custom bootstrap and Envoy Gateway's EnvoyProxy carry the same stats_tags and
/// the same access-log fields as the example tested here against Envoy.
#[test]
fn istio_and_envoy_gateway_snippets_match_the_tested_example() {
    let want_stats = stats_config_of(EXAMPLE);
    let want_log = example_access_log()["typed_config"]["log_format"]["json_format"].clone();

    let istio = yaml_docs(ISTIO);
    let bootstrap = istio
        .iter()
        .find_map(|d| d["data"]["custom_bootstrap.json"].as_str())
        .expect("the Istio custom bootstrap ConfigMap");
    let bootstrap: Value = serde_json::from_str(bootstrap).expect("custom_bootstrap.json is JSON");
    assert_eq!(
        bootstrap["stats_config"], want_stats,
        "{ISTIO}: stats_tags differ from {EXAMPLE}"
    );
    let annotations = istio
        .iter()
        .find_map(|d| d["spec"]["template"]["metadata"]["annotations"].as_object())
        .expect("the gateway pod annotations");
    assert_eq!(
        annotations["sidecar.istio.io/bootstrapOverride"],
        "edge-shield-bootstrap"
    );
    let proxy_config: Value = serde_norway::from_str(annotations["proxy.istio.io/config"].as_str().unwrap()).unwrap();
    assert_eq!(
        proxy_config["proxyStatsMatcher"]["inclusionPrefixes"],
        serde_json::json!(["wasmcustom.edge_shield"])
    );
    let labels = istio
        .iter()
        .find_map(|d| {
            d["spec"]["meshConfig"]["extensionProviders"][0]["envoyFileAccessLog"]["logFormat"]["labels"].as_object()
        })
        .expect("the Istio access-log provider");
    assert_eq!(
        &Value::Object(labels.clone()),
        &want_log,
        "{ISTIO}: access-log fields differ"
    );

    let gateway = &yaml_docs(GATEWAY)[0];
    assert_eq!(gateway["spec"]["bootstrap"]["type"], "Merge");
    let merged: Value = serde_norway::from_str(gateway["spec"]["bootstrap"]["value"].as_str().unwrap()).unwrap();
    assert_eq!(
        merged["stats_config"], want_stats,
        "{GATEWAY}: stats_tags differ from {EXAMPLE}"
    );
    let settings = &gateway["spec"]["telemetry"]["accessLog"]["settings"][0];
    assert_eq!(settings["format"]["type"], "JSON");
    assert_eq!(
        settings["format"]["json"], want_log,
        "{GATEWAY}: access-log fields differ"
    );

    // The native module's Envoy Gateway example merges the metrics bootstrap of its
    // shipped Envoy config (tested against Envoy under EDGE_SHIELD_HOST=native).
    let native = &yaml_docs(NATIVE_GATEWAY)[0];
    assert_eq!(native["spec"]["bootstrap"]["type"], "Merge");
    let merged: Value = serde_norway::from_str(native["spec"]["bootstrap"]["value"].as_str().unwrap()).unwrap();
    let shipped = &yaml_docs(NATIVE_EXAMPLE)[0];
    for key in ["stats_config", "layered_runtime"] {
        assert_eq!(
            merged[key], shipped[key],
            "{NATIVE_GATEWAY}: {key} differs from {NATIVE_EXAMPLE}"
        );
    }
}

// ---------------------------------------------------------------- dashboard and alerts

/// What a PromQL expression refers to: metric names, `__name__` regexes, label names.
#[derive(Debug, Default)]
struct Refs {
    metrics: BTreeSet<String>,
    name_regexes: BTreeSet<String>,
    labels: BTreeSet<String>,
}

/// A small PromQL reader, enough for the shipped expressions: label names sit in
/// selectors (`{name op "value"}`), grouping clauses (`by`/`without (...)`) and
/// `label_values(selector, name)`; what is left that looks like one of Envoy's metric
/// names (`edge_shield_*`, `envoy_*`) is a metric.
fn promql_refs(expr: &str) -> Refs {
    let mut refs = Refs::default();
    let selector = Regex::new(r"\{([^}]*)\}").unwrap();
    let matcher = Regex::new(r#"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)""#).unwrap();
    let grouping = Regex::new(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)").unwrap();
    let label_values = Regex::new(r"label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)").unwrap();
    let mut rest = expr.to_string();
    if let Some(c) = label_values.captures(expr) {
        refs.labels.insert(c[2].to_string());
        rest = c[1].to_string();
    }
    for c in selector.captures_iter(&rest.clone()) {
        for m in matcher.captures_iter(&c[1]) {
            if &m[1] == "__name__" {
                refs.name_regexes.insert(m[3].to_string());
            } else {
                refs.labels.insert(m[1].to_string());
            }
        }
    }
    rest = selector.replace_all(&rest, " ").into_owned();
    for c in grouping.captures_iter(&rest.clone()) {
        for l in c[2].split(',').map(str::trim).filter(|l| !l.is_empty()) {
            refs.labels.insert(l.to_string());
        }
    }
    rest = grouping.replace_all(&rest, " ").into_owned();
    let ident = Regex::new(r"\b((edge_shield|envoy)_[a-zA-Z0-9_]*)\b").unwrap();
    for c in ident.captures_iter(&rest) {
        refs.metrics.insert(c[1].to_string());
    }
    refs
}

#[test]
fn promql_reader_finds_metrics_labels_and_name_regexes() {
    let r = promql_refs(
        r#"sum by (edge_shield_policy) (rate(edge_shield_requests{edge_shield_plugin=~"$plugin"}[$__rate_interval])) / sum(rate(edge_shield_csrf_blocked[5m]))"#,
    );
    assert_eq!(
        r.metrics,
        BTreeSet::from(["edge_shield_requests".into(), "edge_shield_csrf_blocked".into()])
    );
    assert_eq!(
        r.labels,
        BTreeSet::from(["edge_shield_policy".into(), "edge_shield_plugin".into()])
    );
    let r = promql_refs(r#"sum by (job, instance) (increase({__name__=~"envoy_wasm_.*_vm_reload"}[15m]))"#);
    assert!(r.metrics.is_empty());
    assert_eq!(r.name_regexes, BTreeSet::from(["envoy_wasm_.*_vm_reload".into()]));
    let r = promql_refs(r#"label_values(edge_shield_requests{edge_shield_plugin=~"$plugin"}, edge_shield_policy)"#);
    assert_eq!(r.metrics, BTreeSet::from(["edge_shield_requests".into()]));
    assert_eq!(
        r.labels,
        BTreeSet::from(["edge_shield_policy".into(), "edge_shield_plugin".into()])
    );
}

/// Every PromQL expression of the dashboard (panel targets, variable queries) and of the
/// alert rules, with where it comes from; plus the labels their texts interpolate
/// (`{{label}}` legends, `$labels.label` annotations), per expression.
fn shipped_expressions() -> Vec<(String, String, BTreeSet<String>)> {
    let mut out = Vec::new();
    let legend = Regex::new(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}").unwrap();
    let dollar = Regex::new(r"\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)").unwrap();
    let dash: Value = serde_json::from_str(&read(DASHBOARD)).expect("the dashboard is JSON");
    fn panels(v: &Value, out: &mut Vec<Value>) {
        for p in v.as_array().into_iter().flatten() {
            out.push(p.clone());
            panels(&p["panels"], out);
        }
    }
    let mut all = Vec::new();
    panels(&dash["panels"], &mut all);
    for p in &all {
        for t in p["targets"].as_array().into_iter().flatten() {
            let expr = t["expr"]
                .as_str()
                .unwrap_or_else(|| panic!("panel {} target without expr", p["title"]));
            let interpolated = t["legendFormat"]
                .as_str()
                .map(|l| legend.captures_iter(l).map(|c| c[1].to_string()).collect())
                .unwrap_or_default();
            out.push((
                format!("dashboard panel {}", p["title"]),
                expr.to_string(),
                interpolated,
            ));
        }
    }
    for v in dash["templating"]["list"].as_array().into_iter().flatten() {
        if v["type"] == "query" {
            let q = v["query"]["query"].as_str().expect("variable query");
            out.push((
                format!("dashboard variable {}", v["name"]),
                q.to_string(),
                BTreeSet::new(),
            ));
        }
    }
    for doc in yaml_docs(ALERTS) {
        for g in doc["groups"].as_array().into_iter().flatten() {
            for r in g["rules"].as_array().into_iter().flatten() {
                let expr = r["expr"].as_str().expect("rule expr");
                let texts: String = r["annotations"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter_map(|(_, v)| v.as_str())
                    .collect();
                let interpolated = dollar.captures_iter(&texts).map(|c| c[1].to_string()).collect();
                out.push((format!("alert {}", r["alert"]), expr.to_string(), interpolated));
            }
        }
    }
    assert!(out.len() >= 10, "only {} expressions found", out.len());
    out
}

/// A plugin configuration that turns on every feature with a counter, in two policies.
const EVERY_FEATURE: &str = r#"{
  "cors": { "allowed_origins": ["https://app.example.com"] },
  "https_redirect": { "exempt_paths": ["/plain/"] },
  "csrf": true,
  "websocket": true,
  "rules": [ { "name": "public", "match": { "path_prefix": "/public/" }, "cors": { "allowed_origins": ["*"] } } ]
}"#;

#[test]
fn dashboard_and_alerts_name_only_metrics_and_labels_envoy_emits() {
    let envoy = Envoy::start_with(&observed_template(), EVERY_FEATURE);
    // Some traffic, so the scrape is of a filter that has decided something.
    let _ = preflight("/plain/", "https://evil.example.net", "PUT").send(&envoy);
    let _ = get("/public/").send(&envoy);
    let series = scrape(&envoy);
    let mut labels_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for s in &series {
        labels_of
            .entry(&s.name)
            .or_default()
            .extend(s.labels.keys().map(String::as_str));
    }
    let mut errors = Vec::new();
    for (origin, expr, interpolated) in shipped_expressions() {
        let refs = promql_refs(&expr);
        if refs.metrics.is_empty() && refs.name_regexes.is_empty() {
            errors.push(format!("{origin}: names no metric: {expr}"));
        }
        let mut available: BTreeSet<&str> = SCRAPE_LABELS.into_iter().collect();
        for m in &refs.metrics {
            match labels_of.get(m.as_str()) {
                Some(l) => available.extend(l),
                None => errors.push(format!("{origin}: metric {m} is not on /stats/prometheus")),
            }
        }
        for re in &refs.name_regexes {
            let anchored = Regex::new(&format!("^(?:{re})$")).unwrap();
            let matching: Vec<&&str> = labels_of.keys().filter(|n| anchored.is_match(n)).collect();
            if host::native() && re.starts_with("envoy_wasm_") {
                // The Wasm VM health panel and alert: the native module has no VM, so
                // they stay empty (docs/observability.md, "Dashboard and alerts").
                if !matching.is_empty() {
                    errors.push(format!(
                        "{origin}: a Wasm VM metric under the native module: {matching:?}"
                    ));
                }
                continue;
            }
            if matching.is_empty() {
                errors.push(format!(
                    "{origin}: no metric on /stats/prometheus matches __name__=~{re:?}"
                ));
            }
            for n in matching {
                available.extend(&labels_of[*n]);
            }
        }
        for l in refs.labels.iter().chain(&interpolated) {
            if !available.contains(l.as_str()) {
                errors.push(format!("{origin}: label {l} is not on the metrics of: {expr}"));
            }
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

// ---------------------------------------------------------------- access log

/// The JSON access-log lines in Envoy's output, by `request_id`.
fn access_log(envoy: &Envoy) -> BTreeMap<String, Value> {
    envoy
        .log()
        .lines()
        .filter(|l| l.starts_with('{'))
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| Some((v["request_id"].as_str()?.to_string(), v)))
        .collect()
}

/// Waits until the access log has a line for every id (Envoy writes it after the
/// response, and flushes the file on its own schedule).
fn access_log_for(envoy: &Envoy, ids: &[&str]) -> BTreeMap<String, Value> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let log = access_log(envoy);
        if ids.iter().all(|id| log.contains_key(*id)) || std::time::Instant::now() > deadline {
            return log;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

const DECISIONS: &str = r#"{
  "cors": { "allowed_origins": ["https://app.example.com"], "allowed_methods": ["GET", "POST", "PUT"] },
  "csrf": true,
  "rules": [
    { "name": "public", "match": { "path_prefix": "/public/" }, "cors": { "allowed_origins": ["*"] } },
    { "name": "shadow", "match": { "path_prefix": "/shadow/" }, "csrf": { "enforce": false } }
  ]
}"#;

#[test]
fn access_log_shows_each_requests_policy_verdict_and_reason() {
    let envoy = Envoy::start_with(&observed_template(), DECISIONS);
    let evil = "https://evil.example.net";
    let cross_site_post = |path: &str| {
        request("POST", path)
            .origin(evil)
            .header("sec-fetch-site", "cross-site")
            .body(b"x")
    };
    let sent = [
        ("r-preflight-refused", preflight("/api/a", evil, "PUT"), 403),
        (
            "r-preflight-granted",
            preflight("/api/a", "https://app.example.com", "PUT"),
            204,
        ),
        ("r-public", get("/public/a"), 200),
        ("r-origin-withheld", get("/api/b").origin(evil), 200),
        ("r-csrf", cross_site_post("/api/c"), 403),
        ("r-shadow", cross_site_post("/shadow/c"), 200),
    ];
    for (id, req, status) in &sent {
        let req = req.clone().header("x-request-id", id);
        assert_eq!(req.send(&envoy).status, *status, "{req:?}");
    }
    let ids: Vec<&str> = sent.iter().map(|(id, _, _)| *id).collect();
    let log = access_log_for(&envoy, &ids);
    let fields = |id: &str| {
        let line = log
            .get(id)
            .unwrap_or_else(|| panic!("no access-log line for {id}: {log:#?}"));
        (
            line["edge_shield_policy"].as_str().map(str::to_string),
            line["edge_shield_verdict"].as_str().map(str::to_string),
            line["edge_shield_reason"].as_str().map(str::to_string),
        )
    };
    let s = |v: &str| Some(v.to_string());
    // Expected from README's policy semantics: a refused preflight is answered 403,
    // a granted one by the filter itself, a disallowed Origin on a simple request is
    // forwarded without CORS headers (refused all the same), a cross-site POST is a
    // CSRF refusal, and report-only only says it would have refused.
    assert_eq!(
        fields("r-preflight-refused"),
        (s("default"), s("blocked"), s("cors preflight: origin not allowed"))
    );
    assert_eq!(fields("r-preflight-granted"), (s("default"), s("answered"), None));
    assert_eq!(fields("r-public"), (s("public"), s("allowed"), None));
    assert_eq!(
        fields("r-origin-withheld"),
        (s("default"), s("blocked"), s("cors request: origin not allowed"))
    );
    let (policy, verdict, reason) = fields("r-csrf");
    assert_eq!((policy, verdict), (s("default"), s("blocked")));
    assert!(
        reason.as_deref().unwrap_or_default().starts_with("csrf: "),
        "{reason:?}"
    );
    let (policy, verdict, reason) = fields("r-shadow");
    assert_eq!((policy, verdict), (s("shadow"), s("would_block")));
    assert!(
        reason.as_deref().unwrap_or_default().starts_with("csrf: "),
        "{reason:?}"
    );
    assert_eq!(log["r-csrf"]["details"], "edge_shield", "our local reply");

    // The blocked-request lines carry the same request id.
    let text = envoy.log();
    let line = text
        .lines()
        .find(|l| l.contains("edge-shield: blocked cors preflight"))
        .expect("the blocked-request line");
    assert!(
        line.ends_with("policy=default request_id=\"r-preflight-refused\""),
        "{line}"
    );
    assert!(text.contains("request_id=\"r-shadow\""), "{text}");

    // The report-only share is counted apart.
    let series = scrape(&envoy);
    assert_eq!(value(&series, "edge_shield_csrf_blocked", "shadow"), 1.0);
    assert_eq!(value(&series, "edge_shield_csrf_would_block", "shadow"), 1.0);
    assert_eq!(value(&series, "edge_shield_csrf_would_block", "default"), 0.0);
    assert_eq!(value(&series, "edge_shield_csrf_blocked", "default"), 1.0);
}

/// `"record_decision": false`: no filter state, so the access log's fields are empty
/// (Envoy's JSON access log writes `null` for a value it does not have), while the
/// request is decided and counted as before.
#[test]
fn no_decision_record_when_turned_off() {
    let policy = DECISIONS.replacen('{', r#"{"record_decision": false,"#, 1);
    let envoy = Envoy::start_with(&observed_template(), &policy);
    let evil = "https://evil.example.net";
    let sent = [
        ("q-preflight-refused", preflight("/api/a", evil, "PUT"), 403),
        ("q-public", get("/public/a"), 200),
    ];
    for (id, req, status) in &sent {
        let req = req.clone().header("x-request-id", id);
        assert_eq!(req.send(&envoy).status, *status, "{req:?}");
    }
    let log = access_log_for(&envoy, &["q-preflight-refused", "q-public"]);
    for id in ["q-preflight-refused", "q-public"] {
        let line = &log[id];
        for field in ["edge_shield_policy", "edge_shield_verdict", "edge_shield_reason"] {
            assert!(line[field].is_null(), "{id}: {field} = {}", line[field]);
        }
    }
    assert_eq!(envoy.counter("default", "cors_preflight_rejected"), 1);
    assert_eq!(envoy.counter("public", "requests"), 1);
}

// ---------------------------------------------------------------- debug traces

#[test]
fn debug_traces_say_which_policy_and_why_for_each_header_only_when_asked() {
    let envoy = Envoy::start(
        r#"{ "cors": { "allowed_origins": ["https://app.example.com"] },
             "rules": [ { "name": "assets", "match": { "path_prefix": "/assets/" }, "cors": false } ] }"#,
    );
    let json = |path: &str| {
        get(path)
            .upstream_header("content-type", "application/json")
            .upstream_header("x-powered-by", "Express")
    };
    assert_eq!(json("/assets/before").send(&envoy).status, 200);
    // Off by default (Envoy's `wasm` / `dynamic_modules` logger at info): not one trace line.
    assert!(
        !envoy.log().contains("edge-shield: GET /assets/before"),
        "{}",
        envoy.log()
    );

    let path = format!("/logging?{}=debug", host::log_component());
    let r = request("POST", &path).send_to(envoy.admin);
    assert_eq!(r.status, 200, "{}", r.text());
    // The Wasm filter re-reads the host's level every second (the native module on
    // each request).
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert_eq!(json("/assets/app.js").send(&envoy).status, 200);
    assert_eq!(
        get("/page")
            .upstream_header("content-type", "text/html")
            .send(&envoy)
            .status,
        200
    );
    let log = envoy.log();
    for want in [
        "edge-shield: GET /assets/app.js: policy assets: rules[0] matches on path_prefix \"/assets/\"; verdict allowed; counters [\"requests\"]",
        "edge-shield: response header content-security-policy: skipped: HTML-only, and the response is not HTML (policy assets)",
        "edge-shield: response header strict-transport-security: skipped: HTTPS-only, and the request came over plain HTTP (policy assets)",
        "edge-shield: response header x-powered-by: removed: listed in `remove` (a fingerprint) (policy assets)",
        "edge-shield: GET /page: policy default: none of the 1 rules matches; verdict allowed",
        "edge-shield: response header content-security-policy: added: the upstream did not send it (policy default)",
    ] {
        assert!(log.contains(want), "missing {want:?} in\n{log}");
    }
}

// ---------------------------------------------------------------- load once

#[test]
fn load_time_warnings_and_counts_once_per_configuration_not_per_vm() {
    // A plain-http origin in production mode loads with a warning (README.md).
    let envoy = Launch::new(
        &observed_template(),
        r#"{ "cors": { "allowed_origins": ["http://localhost:3000"] } }"#,
    )
    .concurrency(4)
    .start();
    let _ = get("/").send(&envoy);
    let log = envoy.log();
    if host::native() {
        // Four workers, which the native module's configuration serves from one load
        // on the main thread...
        assert_eq!(envoy.stat("server.concurrency"), Some(4));
    } else {
        // Envoy runs a VM per worker and one on the main thread (and configured one
        // more there, already gone)...
        let vms = envoy.vm_count();
        assert!(vms >= 5, "only {vms} VMs\n{log}");
    }
    // ...yet the warning, the load message and the load counter come once.
    assert_eq!(
        log.matches("edge-shield: warning: cors.allowed_origins[0]").count(),
        1,
        "{log}"
    );
    assert_eq!(log.matches("edge-shield: configuration loaded").count(), 1, "{log}");
    let series = scrape(&envoy);
    let plugin_wide = |name: &str| {
        series
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let loaded = plugin_wide("edge_shield_config_loaded");
    assert_eq!(loaded.value, 1.0);
    assert_eq!(loaded.labels.keys().collect::<Vec<_>>(), ["edge_shield_plugin"]);
    assert_eq!(plugin_wide("edge_shield_config_rejected").value, 0.0);
}

// ---------------------------------------------------------------- configuration updates

/// The test template with its listener moved to `{{DIR}}/lds.yaml`, a file Envoy watches
/// (LDS), so a test can push plugin configurations to a running Envoy as a control plane
/// does.
fn lds_bootstrap() -> String {
    let mut doc: Value = serde_norway::from_str(&render(DEFAULT_TEMPLATE, "{}", 9)).unwrap();
    doc["static_resources"].as_object_mut().unwrap().remove("listeners");
    for (key, value) in example_metrics_bootstrap() {
        doc[key] = value;
    }
    doc["node"] = serde_json::json!({ "id": "edge-shield-test", "cluster": "edge-shield-test" });
    doc["dynamic_resources"] =
        serde_json::json!({ "lds_config": { "path_config_source": { "path": "{{DIR}}/lds.yaml" } } });
    doc.to_string()
}

/// The LDS file: the test template's listener with this plugin configuration.
fn lds(plugin_json: &str) -> String {
    let doc: Value = serde_norway::from_str(&render(DEFAULT_TEMPLATE, plugin_json, 9)).unwrap();
    let mut listener = doc["static_resources"]["listeners"][0].clone();
    listener["@type"] = "type.googleapis.com/envoy.config.listener.v3.Listener".into();
    serde_json::json!({ "resources": [listener] }).to_string()
}

/// Waits until an Envoy stat reaches `want` (LDS updates are applied asynchronously).
fn wait_for_stat(envoy: &Envoy, name: &str, want: u64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while envoy.stat(name) != Some(want) {
        assert!(
            std::time::Instant::now() < deadline,
            "{name} is {:?}, not {want}\n{}",
            envoy.stat(name),
            envoy.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn configuration_updates_are_counted_loaded_and_rejected() {
    let first = r#"{ "cors": { "allowed_origins": ["https://app.example.com"] } }"#;
    let envoy = Launch::new(&lds_bootstrap(), "").file("lds.yaml", &lds(first)).start();
    let file = envoy.dir().join("lds.yaml");

    // A refused update: Envoy keeps the previous listener, the filter counts the refusal.
    write_atomically(
        &file,
        &lds(r#"{ "cors": { "allowed_origins": ["https://app.example.com/"] } }"#),
    );
    wait_for_stat(&envoy, "listener_manager.lds.update_rejected", 1);
    // A new valid configuration: loaded (and announced) once more.
    write_atomically(
        &file,
        &lds(r#"{ "cors": { "allowed_origins": ["https://www.example.com"] } }"#),
    );
    wait_for_stat(&envoy, "listener_manager.lds.update_success", 2);

    let series = scrape(&envoy);
    let count = |name: &str| {
        series
            .iter()
            .find(|s| s.name == name && s.labels.get("edge_shield_plugin").map(String::as_str) == Some("edge-shield"))
            .unwrap_or_else(|| panic!("no {name}"))
            .value
    };
    assert_eq!(count("edge_shield_config_rejected"), 1.0);
    assert_eq!(count("edge_shield_config_loaded"), 2.0);
    let log = envoy.log();
    assert_eq!(log.matches("edge-shield: configuration loaded").count(), 2, "{log}");
    assert_eq!(log.matches("edge-shield: cors.allowed_origins[0]").count(), 1, "{log}");
}
