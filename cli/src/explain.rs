//! `edge-shield explain`: one request through the same core the filter runs — which
//! policy applies and why, the decision and its reason, and the exact local reply or
//! response header edits (docs/cli.md).

use edge_shield::config::policy::{Config, MetadataNames, RoutePolicy, Why};
use edge_shield::config::route_match::{HostMatch, RuleMatch};
use edge_shield::engine;
use edge_shield::exchange::{blocked_line, Counter, HeaderOp, RouteInfo};
use edge_shield::http::{Header, Headers};
use serde_json::{json, Value};

/// The request (and upstream response) to explain.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    pub path: String,
    pub authority: String,
    pub scheme: String,
    pub route_name: Option<String>,
    /// The policy names in the route's and the virtual host's metadata.
    pub route_policy: Option<String>,
    pub virtual_host_policy: Option<String>,
    /// Extra request header lines, in order (repeats kept).
    pub headers: Vec<Header>,
    /// The upstream's response when the request is forwarded.
    pub status: u16,
    pub response_headers: Vec<Header>,
}

/// The explanation, as the JSON `--json` prints; the text form is rendered from it.
pub fn explain(config: &Config, ex: &Exchange) -> Value {
    let mut request: Vec<Header> = vec![
        (":authority".into(), ex.authority.clone().into_bytes()),
        (":path".into(), ex.path.clone().into_bytes()),
        (":method".into(), ex.method.clone().into_bytes()),
        (":scheme".into(), ex.scheme.clone().into_bytes()),
    ];
    // Envoy's connection manager sets x-forwarded-proto before any filter runs.
    if !ex.headers.iter().any(|(n, _)| n == "x-forwarded-proto") {
        request.push(("x-forwarded-proto".into(), ex.scheme.clone().into_bytes()));
    }
    request.extend(ex.headers.iter().cloned());
    let req = Headers::new(&request);
    let route = RouteInfo {
        route_name: ex.route_name.as_deref(),
        authority: ex.authority.as_bytes(),
        path: ex.path.as_bytes(),
    };
    // With `read_route_metadata: false` the filter never reads the names.
    let names = match config.read_route_metadata {
        true => MetadataNames {
            route: ex.route_policy.as_deref().map(str::as_bytes),
            virtual_host: ex.virtual_host_policy.as_deref().map(str::as_bytes),
        },
        false => MetadataNames::default(),
    };
    let (policy, unknown_name, why) = choose(config, names, &route);
    let mut outcome = engine::on_request(policy, req);
    // As `engine::request_step` counts it in the filter.
    if unknown_name {
        outcome.counters.add(Counter::UnknownPolicy);
    }
    let counters: Vec<&str> = outcome
        .counters
        .iter()
        .filter(|c| *c != Counter::Requests)
        .map(Counter::name)
        .collect();
    let blocked = outcome.blocked.as_ref().map(|b| {
        json!({"kind": b.kind, "reason": b.reason, "report_only": b.report_only,
               "log": blocked_line(b, req, &route, &policy.name)})
    });
    let (action, mut response): (&str, Vec<Header>) = match &outcome.reply {
        Some(reply) => (
            "local_reply",
            std::iter::once((":status".to_string(), reply.status.to_string().into_bytes()))
                .chain(reply.headers.iter().map(|(n, v)| (n.to_string(), v.to_vec())))
                .collect(),
        ),
        None => (
            "forward",
            std::iter::once((":status".to_string(), ex.status.to_string().into_bytes()))
                .chain(ex.response_headers.iter().cloned())
                .collect(),
        ),
    };
    let ops = engine::on_response(policy, &outcome.state, Headers::new(&response));
    let edits: Vec<Value> = ops.iter().map(op_json).collect();
    apply(&ops, &mut response);
    let status = response
        .iter()
        .find(|(n, _)| n == ":status")
        .map(|(_, v)| String::from_utf8_lossy(v).parse::<u16>().unwrap_or(0))
        .unwrap_or(0);
    let headers: Vec<Value> = response
        .iter()
        .filter(|(n, _)| n != ":status")
        .map(|(n, v)| json!([n, String::from_utf8_lossy(v)]))
        .collect();
    let mut out = json!({
        "policy": {"name": policy.name, "why": why},
        "decision": {"action": action, "blocked": blocked, "counters": counters},
        "response_edits": edits,
        "response": {"status": status, "headers": headers},
    });
    if let Some(reply) = &outcome.reply {
        out["reply"] = json!({"status": reply.status, "body": String::from_utf8_lossy(&reply.body)});
    }
    out
}

/// The policy of a request, chosen as the filter chooses it, and why: whether a name in
/// the metadata is undefined, and in words.
fn choose<'c>(config: &'c Config, names: MetadataNames, route: &RouteInfo) -> (&'c RoutePolicy, bool, String) {
    let (policy, why) = config.choose(names, route);
    let name = |n: Option<&[u8]>| String::from_utf8_lossy(n.unwrap_or_default()).into_owned();
    let text = match why {
        Why::Named(from) => format!(
            "the {} names it (filter_metadata.edge-shield.policy: {:?})",
            from.describe(),
            name(names.route.or(names.virtual_host))
        ),
        Why::UnknownName(from) => format!(
            "the {} names the policy {:?}, which the configuration does not define: the top-level policy \
             applies, the filter logs an error and counts unknown_policy",
            from.describe(),
            name(names.route.or(names.virtual_host))
        ),
        Why::Rule(i) => match config.rules.get(i).and_then(|r| r.matcher.as_ref()) {
            Some(m) => format!(
                "rules[{i}] (\"{}\") is the first rule whose match holds: {}",
                policy.name,
                describe(m)
            ),
            None => format!("rules[{i}]"),
        },
        Why::TopLevel if config.rules.is_empty() => {
            "the configuration has no rules: the top-level policy applies".to_string()
        }
        Why::TopLevel => format!(
            "no route metadata names a policy and none of the {} rules matches: the top-level policy applies",
            config.rules.len()
        ),
    };
    (policy, matches!(why, Why::UnknownName(_)), text)
}

fn describe(m: &RuleMatch) -> String {
    let mut parts = Vec::new();
    if let Some(r) = &m.route_name {
        parts.push(format!("route_name is {r:?}"));
    }
    if let Some(r) = &m.route_name_prefix {
        parts.push(format!("route_name starts with {r:?}"));
    }
    match &m.host {
        Some(HostMatch::Exact(h)) => parts.push(format!("host is {h:?}")),
        Some(HostMatch::Subdomains(s)) => parts.push(format!("host is a subdomain of {:?}", &s[1..])),
        None => {}
    }
    if let Some(p) = &m.path_prefix {
        parts.push(format!("path starts with {p:?}"));
    }
    parts.join(", ")
}

fn op_json(op: &HeaderOp) -> Value {
    match op {
        HeaderOp::Set(n, v) => json!({"op": "set", "name": n, "value": String::from_utf8_lossy(v)}),
        HeaderOp::Add(n, v) => json!({"op": "add", "name": n, "value": String::from_utf8_lossy(v)}),
        HeaderOp::Remove(n) => json!({"op": "remove", "name": n}),
    }
}

/// Applies header edits as Envoy does: set replaces every line of the name by one (in
/// the first one's place), add appends, remove removes every line.
fn apply(ops: &[HeaderOp], headers: &mut Vec<Header>) {
    for op in ops {
        match op {
            HeaderOp::Set(n, v) => match headers.iter().position(|(h, _)| h.eq_ignore_ascii_case(n)) {
                Some(first) => {
                    headers[first].1 = v.to_vec();
                    let mut i = 0;
                    headers.retain(|(h, _)| {
                        i += 1;
                        i - 1 == first || !h.eq_ignore_ascii_case(n)
                    });
                }
                None => headers.push((n.to_string(), v.to_vec())),
            },
            HeaderOp::Add(n, v) => headers.push((n.to_string(), v.to_vec())),
            HeaderOp::Remove(n) => headers.retain(|(h, _)| !h.eq_ignore_ascii_case(n)),
        }
    }
}

/// The explanation for people.
pub fn render(e: &Value) -> String {
    let mut out = String::new();
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    out.push_str(&format!(
        "policy: {}\n  why: {}\n",
        s(&e["policy"]["name"]),
        s(&e["policy"]["why"])
    ));
    let decision = &e["decision"];
    match s(&decision["action"]).as_str() {
        "local_reply" => out.push_str(&format!(
            "decision: answered by edge-shield with {} (the request does not reach the upstream)\n",
            e["reply"]["status"]
        )),
        _ => out.push_str("decision: forwarded to the upstream\n"),
    }
    if let Some(b) = decision["blocked"].as_object() {
        let verb = if b["report_only"].as_bool() == Some(true) {
            "would block (report-only)"
        } else {
            "blocked"
        };
        out.push_str(&format!("  reason: {verb} {}: {}\n", s(&b["kind"]), s(&b["reason"])));
        out.push_str(&format!("  log: {}\n", s(&b["log"])));
    }
    if let Some(c) = decision["counters"].as_array().filter(|c| !c.is_empty()) {
        let names: Vec<String> = c.iter().map(s).collect();
        out.push_str(&format!("  counters: {}\n", names.join(", ")));
    }
    if let Some(edits) = e["response_edits"].as_array() {
        out.push_str(if edits.is_empty() {
            "response edits: none\n"
        } else {
            "response edits:\n"
        });
        for op in edits {
            match s(&op["op"]).as_str() {
                "remove" => out.push_str(&format!("  remove {}\n", s(&op["name"]))),
                verb => out.push_str(&format!("  {verb} {}: {}\n", s(&op["name"]), s(&op["value"]))),
            }
        }
    }
    out.push_str(&format!("response: {}\n", e["response"]["status"]));
    for h in e["response"]["headers"].as_array().into_iter().flatten() {
        out.push_str(&format!("  {}: {}\n", s(&h[0]), s(&h[1])));
    }
    if let Some(body) = e["reply"]["body"].as_str().filter(|b| !b.is_empty()) {
        out.push_str(&format!("  body: {body:?}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: &str) -> Config {
        edge_shield::config::load(json.as_bytes()).unwrap()
    }

    fn exchange(method: &str, path: &str, headers: &[(&str, &str)]) -> Exchange {
        Exchange {
            method: method.into(),
            path: path.into(),
            authority: "api.example.com".into(),
            scheme: "https".into(),
            route_name: None,
            route_policy: None,
            virtual_host_policy: None,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
                .collect(),
            status: 200,
            response_headers: Vec::new(),
        }
    }

    /// Expectations from the Fetch standard: an allowed preflight is answered with the
    /// allowed origin echoed and `Vary: Origin`; a disallowed one gets no CORS headers.
    #[test]
    fn preflight_and_rule_choice() {
        let c = config(
            r#"{"cors": {"allowed_origins": ["https://app.example.com"], "allowed_methods": ["GET", "PUT"]},
                "rules": [{"name": "public", "match": {"path_prefix": "/public/"}, "cors": {"allowed_origins": ["*"]}}]}"#,
        );
        let e = explain(
            &c,
            &exchange(
                "OPTIONS",
                "/api/items",
                &[
                    ("origin", "https://app.example.com"),
                    ("access-control-request-method", "PUT"),
                ],
            ),
        );
        assert_eq!(e["policy"]["name"], "default");
        assert_eq!(e["decision"]["action"], "local_reply");
        assert!(e["response"]["status"] == 204, "{e}");
        let headers = e["response"]["headers"].as_array().unwrap();
        assert!(
            headers.contains(&json!(["access-control-allow-origin", "https://app.example.com"])),
            "{e}"
        );

        let e = explain(
            &c,
            &exchange("GET", "/public/x", &[("origin", "https://other.example")]),
        );
        assert_eq!(e["policy"]["name"], "public");
        assert!(e["policy"]["why"]
            .as_str()
            .unwrap()
            .contains("path starts with \"/public/\""));
        assert_eq!(e["decision"]["action"], "forward");
        let headers = e["response"]["headers"].as_array().unwrap();
        assert!(headers.contains(&json!(["access-control-allow-origin", "*"])), "{e}");

        let e = explain(
            &c,
            &exchange(
                "OPTIONS",
                "/api/items",
                &[
                    ("origin", "https://evil.example"),
                    ("access-control-request-method", "PUT"),
                ],
            ),
        );
        assert_eq!(e["decision"]["blocked"]["kind"], "cors preflight");
        let text = render(&e);
        assert!(text.contains("reason: blocked cors preflight"), "{text}");
    }

    /// Review finding (review3): a route naming an undefined policy makes the filter
    /// count `unknown_policy` (`engine::request_step`); explain listed the counters the
    /// filter bumps without it (docs/cli.md, "decision").
    #[test]
    fn an_undefined_name_is_counted() {
        let c = config(r#"{"rules": [{"name": "admin", "headers": false}]}"#);
        let mut ex = exchange("GET", "/x", &[]);
        ex.route_policy = Some("admni".into());
        let e = explain(&c, &ex);
        assert_eq!(e["policy"]["name"], "default", "{e}");
        assert!(
            e["decision"]["counters"]
                .as_array()
                .unwrap()
                .contains(&json!("unknown_policy")),
            "{e}"
        );
    }

    #[test]
    fn set_replaces_every_line_in_the_first_ones_place() {
        let mut h: Vec<Header> = vec![
            ("a".into(), b"1".to_vec()),
            ("x".into(), b"old".to_vec()),
            ("x".into(), b"older".to_vec()),
        ];
        apply(
            &[
                HeaderOp::Set("x".into(), b"new"[..].into()),
                HeaderOp::Remove("a".into()),
            ],
            &mut h,
        );
        assert_eq!(h, vec![("x".to_string(), b"new".to_vec())]);
    }
}
