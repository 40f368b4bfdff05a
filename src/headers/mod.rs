//! Security response headers (SPEC §3): helmet's set, validated and serialized at load.

pub mod config;
mod policy;

pub use policy::HeaderPolicy;
