//! What selects a route policy, read once per request.

use crate::http::Headers;

/// What a rule can match on, read once per request.
#[derive(Debug, Clone, Copy, Default)]
pub struct RouteInfo<'a> {
    /// Envoy's `xds.route_name` (only read when some rule uses it).
    pub route_name: Option<&'a str>,
    /// `:authority` as received (port and case are handled by the matcher).
    pub authority: &'a [u8],
    /// `:path` as received, query included.
    pub path: &'a [u8],
}

impl<'a> RouteInfo<'a> {
    /// The route facts of a request: its `:authority` and `:path`, and the route name
    /// when the glue fetched it (only when a rule matches on it).
    pub fn of(request: Headers<'a>, route_name: Option<&'a str>) -> Self {
        RouteInfo {
            route_name,
            authority: request.get(":authority").unwrap_or_default(),
            path: request.get(":path").unwrap_or_default(),
        }
    }
}
