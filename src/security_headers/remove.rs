//! `remove`: response headers that reveal the software behind the edge (fingerprinting).

use super::{reserved, suggest, value};
use crate::compile::index;
use crate::compile::ConfigError;
use crate::compile::{OneOrMany, Setting};

/// The default: what the platforms behind an edge most often announce.
pub const DEFAULT: [&str; 4] = ["server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version"];

/// The preset name that stands for [`OWASP`].
pub const PRESET: &str = "owasp";

/// OWASP Secure Headers Project's `ci/headers_remove.json`, lower-cased. It includes
/// Envoy's own `x-envoy-*` response headers.
pub const OWASP: [&str; 87] = [
    "$wsep",
    "host-header",
    "k-proxy-request",
    "liferay-portal",
    "oraclecommercecloud-version",
    "pega-host",
    "powered-by",
    "product",
    "server",
    "sourcemap",
    "x-aspnet-version",
    "x-aspnetmvc-version",
    "x-atmosphere-error",
    "x-atmosphere-first-request",
    "x-atmosphere-tracking-id",
    "x-b3-parentspanid",
    "x-b3-sampled",
    "x-b3-spanid",
    "x-b3-traceid",
    "x-beserver",
    "x-backside-transport",
    "x-cf-powered-by",
    "x-cms",
    "x-calculatedbetarget",
    "x-cocoon-version",
    "x-content-encoded-by",
    "x-datadog-origin",
    "x-datadog-parent-id",
    "x-datadog-sampling-priority",
    "x-datadog-tags",
    "x-datadog-trace-id",
    "x-diaginfo",
    "x-envoy-attempt-count",
    "x-envoy-external-address",
    "x-envoy-internal",
    "x-envoy-original-dst-host",
    "x-envoy-upstream-service-time",
    "x-feserver",
    "x-framework",
    "x-generated-by",
    "x-generator",
    "x-gitlab-meta",
    "x-jitsi-release",
    "x-joomla-version",
    "x-kong-admin-latency",
    "x-kong-client-latency",
    "x-kong-proxy-latency",
    "x-kong-request-id",
    "x-kong-response-latency",
    "x-kong-third-party-latency",
    "x-kong-total-latency",
    "x-kong-upstream-latency",
    "x-kong-upstream-status",
    "x-kubernetes-pf-flowschema-ui",
    "x-kubernetes-pf-prioritylevel-uid",
    "x-litespeed-cache",
    "x-litespeed-purge",
    "x-litespeed-tag",
    "x-litespeed-vary",
    "x-litespeed-cache-control",
    "x-mod-pagespeed",
    "x-nextjs-cache",
    "x-nextjs-matched-path",
    "x-nextjs-page",
    "x-nextjs-redirect",
    "x-owa-version",
    "x-old-content-length",
    "x-oneagent-js-injection",
    "x-page-speed",
    "x-php-version",
    "x-powered-by",
    "x-powered-by-plesk",
    "x-powered-cms",
    "x-redirect-by",
    "x-server-powered-by",
    "x-sourcefiles",
    "x-sourcemap",
    "x-turbo-charged-by",
    "x-tyk-trace-id",
    "x-umbraco-version",
    "x-varnish-backend",
    "x-varnish-server",
    "x-woodpecker-version",
    "x-dtagentid",
    "x-dthealthcheck",
    "x-dtinjectedservlet",
    "x-ruxit-js-agent",
];

/// The names to remove, lower-case, sorted and without repeats (so that the response
/// path can binary-search them).
pub fn parse(path: &str, setting: &Setting<OneOrMany>) -> Result<Vec<String>, ConfigError> {
    let mut out: Vec<String> = match setting {
        Setting::Off => Vec::new(),
        Setting::On => DEFAULT.map(String::from).to_vec(),
        Setting::Custom(OneOrMany::One(s)) if s == PRESET => OWASP.map(String::from).to_vec(),
        Setting::Custom(OneOrMany::One(s)) => {
            return Err(ConfigError::at_str(
                path,
                s,
                format!(
                    "remove takes \"{PRESET}\" or a list of header names, as in [\"server\", \"x-powered-by\"]{}",
                    suggest::hint(s, [PRESET])
                ),
            ))
        }
        Setting::Custom(OneOrMany::Many(list)) => names(path, list)?,
    };
    out.sort();
    out.dedup();
    Ok(out)
}

fn names(path: &str, list: &[String]) -> Result<Vec<String>, ConfigError> {
    let mut out = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (i, raw) in list.iter().enumerate() {
        let p = index(path, i);
        if raw == PRESET {
            out.extend(OWASP.map(String::from));
            continue;
        }
        let name = value::header_name(&p, raw)?;
        if let Some(why) = reserved::reserved(&name) {
            return Err(ConfigError::at_str(p, raw, format!("{why}; take it out of remove")));
        }
        if seen.contains(&name) {
            return Err(ConfigError::at_str(
                p,
                raw,
                "listed twice (header names are case-insensitive); remove the repetition",
            ));
        }
        seen.push(name.clone());
        out.push(name);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remove(json: &str) -> Result<Vec<String>, String> {
        let s: Setting<OneOrMany> = serde_json::from_str(json).map_err(|e| e.to_string())?;
        parse("headers.remove", &s).map_err(|e| e.to_string())
    }

    #[test]
    fn lists() {
        assert_eq!(
            remove("true").unwrap(),
            ["server", "x-aspnet-version", "x-aspnetmvc-version", "x-powered-by"]
        );
        assert!(remove("false").unwrap().is_empty());
        assert!(remove("[]").unwrap().is_empty());
        let owasp = remove(r#""owasp""#).unwrap();
        assert_eq!(owasp.len(), 87);
        for name in [
            "server",
            "x-powered-by",
            "x-aspnet-version",
            "x-aspnetmvc-version",
            "x-envoy-upstream-service-time",
            "$wsep",
            "x-dtagentid",
        ] {
            assert!(owasp.binary_search(&name.to_string()).is_ok(), "{name}");
        }
        assert_eq!(owasp.iter().filter(|n| n.starts_with("x-envoy-")).count(), 5);
        let mixed = remove(r#"["X-Internal-Id", "owasp", "server"]"#).unwrap();
        assert_eq!(mixed.len(), 88);
        assert!(mixed.binary_search(&"x-internal-id".to_string()).is_ok());
    }

    #[test]
    fn refusals() {
        let cases = [
            (r#""owsap""#, "edge-shield: headers.remove: \"owsap\": remove takes \"owasp\" or a list of header names, as in [\"server\", \"x-powered-by\"]; did you mean \"owasp\"?"),
            (r#""server""#, "edge-shield: headers.remove: \"server\": remove takes \"owasp\" or a list of header names"),
            (r#"["server", "Server"]"#, "edge-shield: headers.remove[1]: \"Server\": listed twice (header names are case-insensitive); remove the repetition"),
            (r#"["content-length"]"#, "edge-shield: headers.remove[0]: \"content-length\": a connection or framing header belongs to the proxy"),
            (r#"["vary"]"#, "edge-shield: headers.remove[0]: \"vary\": CORS headers and Vary are managed by the cors settings; take it out of remove"),
            (r#"["x-powered-by", "Set-Cookie"]"#, "edge-shield: headers.remove[1]: \"Set-Cookie\": cookies are the application's: its Set-Cookie lines must reach the browser as they are, each apart; the cookies settings harden them; take it out of remove"),
            (r#"["content-type"]"#, "edge-shield: headers.remove[0]: \"content-type\": the content type is the application's"),
            (r#"["access-control-allow-origin"]"#, "edge-shield: headers.remove[0]: \"access-control-allow-origin\": CORS headers and Vary are managed by the cors settings"),
            (r#"["x powered"]"#, "edge-shield: headers.remove[0]: \"x powered\": not a valid header name"),
            (r#"[":status"]"#, "edge-shield: headers.remove[0]: \":status\": pseudo-headers"),
        ];
        for (json, want) in cases {
            let got = remove(json).unwrap_err();
            assert!(got.starts_with(want), "{json}\n got: {got}\nwant: {want}");
        }
    }
}
