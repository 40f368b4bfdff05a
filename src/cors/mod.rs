//! CORS (SPEC §1.2, §2): origin matching, preflight answers and response headers.

pub mod config;
mod policy;

pub use policy::CorsPolicy;
