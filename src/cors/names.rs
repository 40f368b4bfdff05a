//! The CORS header names (Fetch §CORS protocol; Private Network Access draft), lower case.

pub const ORIGIN: &str = "origin";
pub const REQUEST_METHOD: &str = "access-control-request-method";
pub const REQUEST_HEADERS: &str = "access-control-request-headers";
pub const REQUEST_PRIVATE_NETWORK: &str = "access-control-request-private-network";

pub const ALLOW_ORIGIN: &str = "access-control-allow-origin";
pub const ALLOW_CREDENTIALS: &str = "access-control-allow-credentials";
pub const ALLOW_METHODS: &str = "access-control-allow-methods";
pub const ALLOW_HEADERS: &str = "access-control-allow-headers";
pub const EXPOSE_HEADERS: &str = "access-control-expose-headers";
pub const MAX_AGE: &str = "access-control-max-age";
pub const ALLOW_PRIVATE_NETWORK: &str = "access-control-allow-private-network";

/// Every CORS response header: on a CORS route the filter owns them all.
pub const RESPONSE_HEADERS: [&str; 7] = [
    ALLOW_ORIGIN,
    ALLOW_CREDENTIALS,
    ALLOW_METHODS,
    ALLOW_HEADERS,
    EXPOSE_HEADERS,
    MAX_AGE,
    ALLOW_PRIVATE_NETWORK,
];
