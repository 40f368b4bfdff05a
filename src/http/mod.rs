//! The HTTP grammar every feature shares, written once: tokens, comma lists, origins,
//! authorities, forwarded-proto, MIME types, request paths, the header view and the
//! Proxy-Wasm header-map wire format. A leaf: it knows no feature.

pub mod authority;
pub mod forwarded;
pub mod header_view;
pub mod list;
pub mod loggable;
pub mod mime;
pub mod origin;
pub mod path;
pub mod token;
pub mod wire;

pub use header_view::Headers;
pub use loggable::loggable;
pub use wire::{Header, Line};
