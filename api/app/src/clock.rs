//! The one clock: every "now" of a use case or a job comes from the context's clock,
//! so that tests can move time (a metric goes stale, an action falls overdue) without
//! waiting for it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, SubsecRound, Utc};

/// The system's time, shifted by an offset a test may move.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_seconds: Arc<AtomicI64>,
}

impl Clock {
    /// The system's time.
    pub fn system() -> Self {
        Self::default()
    }

    /// Now, at the precision both databases keep (microseconds), so that what a write
    /// returns equals what a later read returns.
    pub fn now(&self) -> DateTime<Utc> {
        let offset = chrono::Duration::seconds(self.offset_seconds.load(Ordering::Relaxed));
        (Utc::now() + offset).trunc_subsecs(6)
    }

    /// Moves this clock (and every copy of it) forward by `by`: a test's time travel.
    pub fn advance(&self, by: chrono::Duration) {
        self.offset_seconds
            .fetch_add(by.num_seconds(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::Clock;

    #[test]
    fn a_clock_moved_forward_is_moved_for_every_copy() {
        let clock = Clock::system();
        let copy = clock.clone();
        let before = copy.now();
        clock.advance(chrono::Duration::days(40));
        assert!(copy.now() - before >= chrono::Duration::days(40));
        assert_eq!(copy.now().timestamp_subsec_nanos() % 1000, 0);
    }
}
