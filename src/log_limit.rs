//! A per-VM budget of log lines per second, so a flood of blocked requests cannot
//! fill the proxy's log (README.md, "Observability").

use std::cell::RefCell;

/// Limited log lines per second and worker (blocked requests, unknown policy names).
pub const LINES_PER_SECOND: u32 = 10;

thread_local! {
    /// One budget per worker thread (one Wasm VM, or one Envoy worker for the native
    /// module), shared by every filter instance on it, so several instances cannot
    /// multiply it.
    static LIMITER: RefCell<LogLimiter> = RefCell::new(LogLimiter::new(LINES_PER_SECOND));
}

/// Logs a line within this worker's budget; the line is built (and `now`, the host's
/// clock in seconds, read) only when the level is enabled and the line admitted.
pub fn log_limited(level: log::Level, now: impl FnOnce() -> u64, line: impl FnOnce() -> String) {
    if !log::log_enabled!(level) {
        return;
    }
    let now = now();
    let admitted = LIMITER.with(|l| l.try_borrow_mut().map(|mut l| l.admit(now)));
    if let Ok(Admit::Log { suppressed }) = admitted {
        let line = line();
        if suppressed > 0 {
            log::log!(level, "{line} ({suppressed} similar lines suppressed)");
        } else {
            log::log!(level, "{line}");
        }
    }
}

#[derive(Debug, Clone)]
pub struct LogLimiter {
    per_second: u32,
    window: u64,
    used: u32,
    suppressed: u64,
}

/// What to do with one log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// Log it; `suppressed` lines were dropped since the last admitted one.
    Log {
        suppressed: u64,
    },
    Drop,
}

impl LogLimiter {
    pub fn new(per_second: u32) -> Self {
        LogLimiter {
            per_second,
            window: 0,
            used: 0,
            suppressed: 0,
        }
    }

    /// `now_secs`: seconds since any fixed epoch (the host clock).
    pub fn admit(&mut self, now_secs: u64) -> Admit {
        if now_secs != self.window {
            self.window = now_secs;
            self.used = 0;
        }
        if self.used < self.per_second {
            self.used += 1;
            let suppressed = std::mem::take(&mut self.suppressed);
            Admit::Log { suppressed }
        } else {
            self.suppressed = self.suppressed.saturating_add(1);
            Admit::Drop
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_per_second_and_suppressed_count() {
        let mut l = LogLimiter::new(2);
        assert_eq!(l.admit(10), Admit::Log { suppressed: 0 });
        assert_eq!(l.admit(10), Admit::Log { suppressed: 0 });
        assert_eq!(l.admit(10), Admit::Drop);
        assert_eq!(l.admit(10), Admit::Drop);
        assert_eq!(l.admit(11), Admit::Log { suppressed: 2 });
        assert_eq!(l.admit(11), Admit::Log { suppressed: 0 });
    }
}
