//! The exchange vocabulary: what the features and the pipeline say to each other and
//! to the host glue. Header edits, local replies, refusals, counters, and what the
//! response phase may know of the request phase. A leaf: it knows no feature.

pub mod counter;
pub mod decision;
pub mod edit;
pub mod outcome;
pub mod refusal;
pub mod reply;
pub mod route;

pub use counter::{metric_segment, Counter, Counters, PluginCounter};
pub use decision::{Decision, Disposition};
pub use edit::{apply, writable, HeaderOp};
pub use outcome::{Blocked, Exchange, Outcome};
pub use refusal::blocked_line;
pub use reply::LocalReply;
pub use route::RouteInfo;
