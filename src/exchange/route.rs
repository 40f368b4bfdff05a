//! What selects a route policy, read once per request.

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
