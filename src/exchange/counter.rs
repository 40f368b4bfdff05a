//! The counters edge-shield keeps per route policy, and the set a request bumps.

/// Counters kept per route policy (Envoy shows them as
/// `wasmcustom.edge_shield.<policy>.<counter>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Counter {
    Requests,
    PreflightAllowed,
    PreflightRejected,
    ActualAllowed,
    ActualBlocked,
    NoOrigin,
    HttpsRedirected,
    CsrfBlocked,
    WebsocketBlocked,
}

impl Counter {
    pub const ALL: [Counter; 9] = [
        Counter::Requests,
        Counter::PreflightAllowed,
        Counter::PreflightRejected,
        Counter::ActualAllowed,
        Counter::ActualBlocked,
        Counter::NoOrigin,
        Counter::HttpsRedirected,
        Counter::CsrfBlocked,
        Counter::WebsocketBlocked,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Counter::Requests => "requests",
            Counter::PreflightAllowed => "cors_preflight_allowed",
            Counter::PreflightRejected => "cors_preflight_rejected",
            Counter::ActualAllowed => "cors_actual_allowed",
            Counter::ActualBlocked => "cors_actual_blocked",
            Counter::NoOrigin => "cors_no_origin",
            Counter::HttpsRedirected => "https_redirected",
            Counter::CsrfBlocked => "csrf_blocked",
            Counter::WebsocketBlocked => "websocket_blocked",
        }
    }

    /// The full metric name: `edge_shield.<plugin>.<policy>.<counter>`. The plugin
    /// name (Envoy's filter config `name`, sanitized) keeps apart the counters of several
    /// filter instances sharing one VM (one instance per policy, switched per route).
    pub fn metric_name(self, plugin: &str, policy: &str) -> String {
        format!("edge_shield.{}.{policy}.{}", metric_segment(plugin), self.name())
    }
}

/// A metric name segment: characters other than `A-Za-z0-9_-` become `_` (a `.` would
/// split the name in Envoy's stats tree, e.g. Istio's `<namespace>.<name>` plugin names).
pub fn metric_segment(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "edge_shield".to_string()
    } else {
        s
    }
}

/// A small set of counters to bump, without allocating.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters(u32);

impl Counters {
    pub fn add(&mut self, c: Counter) {
        self.0 |= 1 << (c as u8);
    }
    pub fn contains(&self, c: Counter) -> bool {
        self.0 & (1 << (c as u8)) != 0
    }
    pub fn iter(self) -> impl Iterator<Item = Counter> {
        Counter::ALL.into_iter().filter(move |c| self.contains(*c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_set() {
        let mut c = Counters::default();
        c.add(Counter::Requests);
        c.add(Counter::WebsocketBlocked);
        c.add(Counter::Requests);
        assert_eq!(
            c.iter().collect::<Vec<_>>(),
            vec![Counter::Requests, Counter::WebsocketBlocked]
        );
        assert_eq!(
            Counter::PreflightAllowed.metric_name("edge-shield", "default"),
            "edge_shield.edge-shield.default.cors_preflight_allowed"
        );
        assert_eq!(
            Counter::Requests.metric_name("istio-system.edge shield", "rule0"),
            "edge_shield.istio-system_edge_shield.rule0.requests"
        );
        assert_eq!(metric_segment(""), "edge_shield");
    }
}
