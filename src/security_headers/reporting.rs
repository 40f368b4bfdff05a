//! `Reporting-Endpoints` (name → URL) and the endpoint names CSP's `report-to` refers to.

use super::value;
use crate::compile::join;
use crate::compile::ConfigError;
use crate::compile::OrderedMap;

/// An endpoint name: a structured-field key (`Reporting-Endpoints` is a dictionary).
pub fn endpoint_name(path: &str, name: &str) -> Result<(), ConfigError> {
    let mut bytes = name.bytes();
    let first_ok = bytes.next().is_some_and(|b| b.is_ascii_lowercase() || b == b'*');
    if first_ok && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-.*".contains(&b)) {
        Ok(())
    } else {
        Err(ConfigError::at_str(
            path,
            name,
            "an endpoint name is lower-case letters, digits, '_', '-', '.' and '*', starting with a letter, as in \"csp-endpoint\"",
        ))
    }
}

/// The header value, `name="url", ...`, or `None` for an empty map.
pub fn endpoints(path: &str, map: &OrderedMap<String>) -> Result<Option<String>, ConfigError> {
    let mut members = Vec::new();
    for (name, url) in map.iter() {
        endpoint_name(path, name)?;
        let url_path = join(path, name);
        value::list_item(&url_path, url)?;
        report_url(&url_path, url)?;
        members.push(format!("{name}=\"{url}\""));
    }
    Ok((!members.is_empty()).then(|| members.join(", ")))
}

/// Browsers send reports only to potentially trustworthy URLs: https, or http to loopback.
fn report_url(path: &str, url: &str) -> Result<(), ConfigError> {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", ""));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = if authority.starts_with('[') {
        authority.split_inclusive(']').next().unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    let loopback = ["localhost", "127.0.0.1", "[::1]"].contains(&host);
    let ok = match scheme {
        "https" => !host.is_empty(),
        "http" => loopback,
        _ => false,
    };
    let plain = !url.contains(['"', '\\', '\'', '<', '>', '@']);
    if ok && plain {
        Ok(())
    } else {
        Err(ConfigError::at_str(
            path,
            url,
            "a reporting endpoint must be an absolute https:// URL (http:// only for localhost), as in \"https://reports.example.com/csp\"",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> OrderedMap<String> {
        OrderedMap(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn serializes_a_structured_dictionary() {
        assert_eq!(
            endpoints(
                "p",
                &map(&[("csp", "https://r.example/csp"), ("default", "http://localhost:8080/r")])
            )
            .unwrap()
            .as_deref(),
            Some("csp=\"https://r.example/csp\", default=\"http://localhost:8080/r\"")
        );
        assert_eq!(endpoints("p", &map(&[])).unwrap(), None);
        assert!(endpoints("p", &map(&[("a", "http://[::1]:9/r")])).is_ok());
    }

    #[test]
    fn refusals() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("CSP", "https://r.example")], "edge-shield: p: \"CSP\": an endpoint name is lower-case letters"),
            (&[("1x", "https://r.example")], "edge-shield: p: \"1x\": an endpoint name is"),
            (&[("csp", "http://r.example/csp")], "edge-shield: p.csp: \"http://r.example/csp\": a reporting endpoint must be an absolute https:// URL (http:// only for localhost)"),
            (&[("csp", "/csp")], "edge-shield: p.csp: \"/csp\": a reporting endpoint must be"),
            (&[("csp", "https://")], "edge-shield: p.csp: \"https://\": a reporting endpoint must be"),
            (&[("csp", "https://r.example/\"x")], "edge-shield: p.csp: \"https://r.example/\\\"x\": a reporting endpoint must be"),
            (&[("csp", "https://r.example/a,b")], "edge-shield: p.csp: \"https://r.example/a,b\": ';' and ',' are refused"),
            (&[("csp", "https://r.example/\r\n")], "edge-shield: p.csp: \"https://r.example/\\r\\n\": CR and LF are refused"),
        ];
        for (pairs, want) in cases {
            let got = endpoints("p", &map(pairs)).unwrap_err().to_string();
            assert!(got.starts_with(want), "{pairs:?}\n got: {got}\nwant: {want}");
        }
    }
}
