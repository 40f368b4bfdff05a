//! A per-VM budget of log lines per second, so a flood of blocked requests cannot
//! fill the proxy's log (README.md, "Observability").

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
