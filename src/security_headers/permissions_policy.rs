//! Permissions-Policy: feature → allowlist, as a structured-field dictionary
//! (`camera=()`, `geolocation=(self "https://maps.example")`, `fullscreen=*`).

use super::{suggest, value};
use crate::compile::ConfigError;
use crate::compile::OrderedMap;
use crate::compile::{index, join};

/// OWASP Secure Headers Project's recommended value (`ci/headers_add.json`), sent for `true`.
pub const OWASP: [(&str, &[&str]); 29] = [
    ("accelerometer", &[]),
    ("autoplay", &[]),
    ("camera", &[]),
    ("cross-origin-isolated", &[]),
    ("display-capture", &[]),
    ("encrypted-media", &[]),
    ("fullscreen", &[]),
    ("geolocation", &[]),
    ("gyroscope", &[]),
    ("keyboard-map", &[]),
    ("magnetometer", &[]),
    ("microphone", &[]),
    ("midi", &[]),
    ("payment", &[]),
    ("picture-in-picture", &[]),
    ("publickey-credentials-get", &[]),
    ("screen-wake-lock", &[]),
    ("sync-xhr", &["self"]),
    ("usb", &[]),
    ("web-share", &[]),
    ("xr-spatial-tracking", &[]),
    ("clipboard-read", &[]),
    ("clipboard-write", &[]),
    ("gamepad", &[]),
    ("hid", &[]),
    ("idle-detection", &[]),
    ("interest-cohort", &[]),
    ("serial", &[]),
    ("unload", &[]),
];

/// Policy-controlled features (W3C registry and Chromium's list). A misspelt feature
/// stays allowed without a word from the browser, so names outside this list are
/// refused; client hints (`ch-*`) are accepted by prefix.
pub const FEATURES: [&str; 78] = [
    "accelerometer",
    "all-screens-capture",
    "ambient-light-sensor",
    "attribution-reporting",
    "autofill",
    "autoplay",
    "bluetooth",
    "browsing-topics",
    "camera",
    "captured-surface-control",
    "clipboard-read",
    "clipboard-write",
    "compute-pressure",
    "controlled-frame",
    "cross-origin-isolated",
    "deferred-fetch",
    "deferred-fetch-minimal",
    "digital-credentials-create",
    "digital-credentials-get",
    "direct-sockets",
    "display-capture",
    "document-domain",
    "encrypted-media",
    "execution-while-not-rendered",
    "execution-while-out-of-viewport",
    "focus-without-user-activation",
    "fullscreen",
    "gamepad",
    "geolocation",
    "gyroscope",
    "hid",
    "identity-credentials-get",
    "idle-detection",
    "interest-cohort",
    "join-ad-interest-group",
    "keyboard-map",
    "language-detector",
    "language-model",
    "local-fonts",
    "local-network-access",
    "magnetometer",
    "media-playback-while-not-visible",
    "microphone",
    "midi",
    "navigation-override",
    "on-device-speech-recognition",
    "otp-credentials",
    "payment",
    "picture-in-picture",
    "private-aggregation",
    "private-state-token-issuance",
    "private-state-token-redemption",
    "publickey-credentials-create",
    "publickey-credentials-get",
    "rewriter",
    "run-ad-auction",
    "screen-wake-lock",
    "serial",
    "shared-storage",
    "shared-storage-select-url",
    "smart-card",
    "speaker-selection",
    "storage-access",
    "summarizer",
    "sync-script",
    "sync-xhr",
    "translator",
    "unload",
    "usb",
    "vertical-scroll",
    "web-app-installation",
    "web-printing",
    "web-share",
    "window-management",
    "writer",
    "xr-spatial-tracking",
    "gamepad-unrestricted",
    "usb-unrestricted",
];

/// OWASP's value.
pub fn owasp() -> String {
    let members: Vec<String> = OWASP.iter().map(|(f, allow)| member(f, allow)).collect();
    members.join(", ")
}

pub fn parse(path: &str, map: &OrderedMap<Vec<String>>) -> Result<String, ConfigError> {
    if map.is_empty() {
        return Err(ConfigError::new(
            path,
            "{}",
            "no features; map each to its allowlist, as in {\"camera\": [], \"geolocation\": [\"self\"]}, or set true for OWASP's list",
        ));
    }
    let mut members = Vec::new();
    for (feature, allowlist) in map.iter() {
        check_feature(path, feature)?;
        let at = join(path, feature);
        let mut items: Vec<String> = Vec::new();
        for (i, item) in allowlist.iter().enumerate() {
            let p = index(&at, i);
            value::list_item(&p, item)?;
            let item = allow_item(&p, item)?;
            value::no_repeat(&p, &items, &item)?;
            items.push(item);
        }
        if items.len() > 1 && items.iter().any(|s| s == "*") {
            return Err(ConfigError::new(
                at,
                serde_json::to_string(allowlist).unwrap_or_default(),
                "\"*\" allows every origin and must be the only entry",
            ));
        }
        members.push(member(feature, &items));
    }
    let header = members.join(", ");
    value::field_value(path, &header)?;
    Ok(header)
}

/// `feature=()`, `feature=*` or `feature=(self "https://a.example")`.
fn member<S: AsRef<str>>(feature: &str, allow: &[S]) -> String {
    match allow {
        [only] if only.as_ref() == "*" => format!("{feature}=*"),
        _ => format!(
            "{feature}=({})",
            allow.iter().map(|s| s.as_ref()).collect::<Vec<_>>().join(" ")
        ),
    }
}

fn check_feature(path: &str, feature: &str) -> Result<(), ConfigError> {
    let ch_hint = feature.strip_prefix("ch-").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    });
    if FEATURES.contains(&feature) || ch_hint {
        return Ok(());
    }
    Err(ConfigError::at_str(
        path,
        feature,
        format!(
            "not a Permissions-Policy feature (a misspelt feature stays allowed){}",
            suggest::hint(feature, FEATURES)
        ),
    ))
}

/// One allowlist entry, as serialized: `self`, `*` or a quoted origin.
fn allow_item(path: &str, item: &str) -> Result<String, ConfigError> {
    let fail = |msg: &str| Err(ConfigError::at_str(path, item, msg));
    match item {
        "self" | "*" => return Ok(item.to_string()),
        "'self'" | "\"self\"" => return fail("in Permissions-Policy self is written without quotes: \"self\""),
        "none" | "'none'" => return fail("an empty allowlist [] allows the feature nowhere; write []"),
        "src" | "'src'" => return fail("src applies only to an iframe's allow attribute, not to the header"),
        _ => {}
    }
    if is_origin(item) {
        Ok(format!("\"{}\"", item.to_ascii_lowercase()))
    } else {
        fail("an allowlist entry is \"self\", \"*\" or an origin such as \"https://maps.example.com\" (no path, no trailing slash)")
    }
}

/// `http(s)://host[:port]`, where host may start with a `*.` label.
fn is_origin(item: &str) -> bool {
    let Some((scheme, rest)) = item.split_once("://") else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
        return false;
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(':') && !p.contains(']') => (h, Some(p)),
        _ => (rest, None),
    };
    let port_ok = match port {
        None => true,
        Some(p) => !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()),
    };
    let host_ok = if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        !v6.is_empty() && v6.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
    } else {
        let labels = host.strip_prefix("*.").unwrap_or(host);
        !labels.is_empty()
            && labels
                .split('.')
                .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    };
    port_ok && host_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pp(json: &str) -> Result<String, String> {
        let map: OrderedMap<Vec<String>> = serde_json::from_str(json).map_err(|e| e.to_string())?;
        parse("headers.permissions_policy", &map).map_err(|e| e.to_string())
    }

    #[test]
    fn owasp_value_byte_for_byte() {
        // OWASP Secure Headers Project (README.md, "Security headers").
        assert_eq!(
            owasp(),
            "accelerometer=(), autoplay=(), camera=(), cross-origin-isolated=(), display-capture=(), encrypted-media=(), fullscreen=(), geolocation=(), gyroscope=(), keyboard-map=(), magnetometer=(), microphone=(), midi=(), payment=(), picture-in-picture=(), publickey-credentials-get=(), screen-wake-lock=(), sync-xhr=(self), usb=(), web-share=(), xr-spatial-tracking=(), clipboard-read=(), clipboard-write=(), gamepad=(), hid=(), idle-detection=(), interest-cohort=(), serial=(), unload=()"
        );
        for (feature, _) in OWASP {
            assert!(FEATURES.contains(&feature), "{feature}");
        }
    }

    #[test]
    fn serializes_allowlists() {
        let cases = [
            (r#"{"camera": []}"#, "camera=()"),
            (r#"{"geolocation": ["self"]}"#, "geolocation=(self)"),
            (r#"{"fullscreen": ["*"]}"#, "fullscreen=*"),
            (
                r#"{"payment": ["self", "https://Pay.Example.com", "https://*.example.com:8443"], "camera": []}"#,
                "payment=(self \"https://pay.example.com\" \"https://*.example.com:8443\"), camera=()",
            ),
            (
                r#"{"ch-ua-model": ["self", "http://[::1]:8080"]}"#,
                "ch-ua-model=(self \"http://[::1]:8080\")",
            ),
        ];
        for (json, want) in cases {
            assert_eq!(pp(json).unwrap(), want, "{json}");
        }
    }

    #[test]
    fn refusals() {
        let cases = [
            ("{}", "edge-shield: headers.permissions_policy: {}: no features"),
            (r#"{"camra": []}"#, "edge-shield: headers.permissions_policy: \"camra\": not a Permissions-Policy feature (a misspelt feature stays allowed); did you mean \"camera\"?"),
            (r#"{"Camera": []}"#, "edge-shield: headers.permissions_policy: \"Camera\": not a Permissions-Policy feature"),
            (r#"{"camera": ["'self'"]}"#, "edge-shield: headers.permissions_policy.camera[0]: \"'self'\": in Permissions-Policy self is written without quotes: \"self\""),
            (r#"{"camera": ["none"]}"#, "edge-shield: headers.permissions_policy.camera[0]: \"none\": an empty allowlist [] allows the feature nowhere; write []"),
            (r#"{"camera": ["src"]}"#, "edge-shield: headers.permissions_policy.camera[0]: \"src\": src applies only to an iframe's allow attribute"),
            (r#"{"camera": ["https://a.example/"]}"#, "edge-shield: headers.permissions_policy.camera[0]: \"https://a.example/\": an allowlist entry is \"self\", \"*\" or an origin"),
            (r#"{"camera": ["a.example"]}"#, "edge-shield: headers.permissions_policy.camera[0]: \"a.example\": an allowlist entry is"),
            (r#"{"camera": ["self", "self"]}"#, "edge-shield: headers.permissions_policy.camera[1]: \"self\": listed twice"),
            (r#"{"camera": ["*", "self"]}"#, "edge-shield: headers.permissions_policy.camera: [\"*\",\"self\"]: \"*\" allows every origin and must be the only entry"),
            (r#"{"camera": ["https://a.example\"), x=(*"]}"#, "edge-shield: headers.permissions_policy.camera[0]: \"https://a.example\\\"), x=(*\": ';' and ',' are refused"),
            (r#"{"camera": "self"}"#, "invalid type: string \"self\", expected a sequence"),
        ];
        for (json, want) in cases {
            let got = match pp(json) {
                Ok(v) => format!("accepted: {v}"),
                Err(e) => e,
            };
            assert!(got.starts_with(want), "{json}\n got: {got}\nwant: {want}");
        }
    }
}
