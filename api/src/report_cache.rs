//! Reports computed once per change. A rendered report (its bytes, gzip-compressed
//! when it is text) is kept under the change counters it was computed at, the
//! request's choices (filters, format, language, time zone) and the minute, so that
//! many readers of the same report share one computation until something in its
//! program changes:
//!
//! - **Exact**: the counters are bumped in the same transaction as every change
//!   ([`cxpm_app::reports::revisions`]); a request reads them first, so a write is in
//!   the very next report, and replicas agree by reading the same rows.
//! - **Time**: what depends on the clock alone (a metric gone stale, days since an
//!   update) moves at most `fresh_for` late: the key holds the time bucket.
//! - **One computation**: readers that miss together wait for the first one's
//!   computation (single flight) instead of each computing.
//! - **Bounded**: at most `computations` reports are computed at once, whatever the
//!   concurrency; the bytes kept are at most `budget` (least recently used first
//!   out), and a report larger than a quarter of it is served but not kept.
//! - **Streamed**: JSON is serialised straight into the compressor, so the text of a
//!   large report never exists whole in memory; a client that does not take gzip
//!   gets the kept bytes inflated as they are sent.
//!
//! One stored form per report: gzip, which every HTTP client takes, where brotli or
//! zstd would save ~15 % more at the price of one copy per encoding.

use std::collections::HashMap;
use std::future::Future;
use std::io::Write;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use cxpm_app::reports::Revisions;
use flate2::Compression;
use flate2::write::GzEncoder;
use poem::Body;
use poem::http::{HeaderName, HeaderValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use tokio::sync::{OnceCell, Semaphore};

use crate::error::{ApiError, ApiResult};

/// What a report answer is kept under.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub program_id: String,
    pub revisions: Revisions,
    /// The time bucket: `now / fresh_for`.
    pub bucket: i64,
    /// The report and every choice its bytes depend on, written out.
    pub variant: String,
}

impl Key {
    /// Whether `newer` makes this key stale: the same program at a later counter or
    /// bucket, none of them earlier.
    fn superseded_by(&self, newer: &Key) -> bool {
        let at = |k: &Key| (k.revisions.program, k.revisions.organisation, k.bucket);
        let (old, new) = (at(self), at(newer));
        self.program_id == newer.program_id
            && old != new
            && old.0 <= new.0
            && old.1 <= new.1
            && old.2 <= new.2
    }
}

/// A rendered report answer.
#[derive(Debug)]
pub struct Rendered {
    pub content_type: &'static str,
    /// `Content-Language`, `Content-Disposition`.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
    /// Whether `body` is gzip.
    pub gzip: bool,
}

impl Rendered {
    /// The body for a client: as kept when it takes gzip (or the body is not
    /// compressed), else inflated as it is sent.
    pub fn body_for(&self, takes_gzip: bool) -> (Body, bool) {
        if !self.gzip || takes_gzip {
            return (Body::from_bytes(self.body.clone()), self.gzip);
        }
        let reader = tokio::io::BufReader::new(std::io::Cursor::new(self.body.clone()));
        (
            Body::from_async_read(async_compression::tokio::bufread::GzipDecoder::new(reader)),
            false,
        )
    }
}

/// Writes a text answer compressed as it is produced.
pub struct Writer(GzEncoder<Vec<u8>>);

impl Writer {
    pub fn new() -> Self {
        // Level 5: within a few percent of gzip's default size at about half the
        // time, for a computation every reader waits on.
        Self(GzEncoder::new(Vec::new(), Compression::new(5)))
    }

    pub fn finish(self) -> ApiResult<Bytes> {
        self.0
            .finish()
            .map(Bytes::from)
            .map_err(|e| ApiError::internal(&e))
    }
}

impl Default for Writer {
    fn default() -> Self {
        Self::new()
    }
}

impl Write for Writer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// What the cache counts, for `/metrics`.
#[derive(Debug, Clone, Default)]
pub struct ReportCounters {
    /// Report answers computed.
    pub computed: Counter,
    /// Report answers given without computing: kept, or shared with a reader
    /// computing the same.
    pub shared: Counter,
    /// Bytes kept.
    pub bytes: Gauge,
}

/// The kept reports and the gate on computing them.
pub struct ReportCache {
    counters: ReportCounters,
    budget: usize,
    fresh_for: i64,
    computing: Semaphore,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    slots: HashMap<Key, Slot>,
    bytes: usize,
    tick: u64,
}

struct Slot {
    cell: Arc<OnceCell<Arc<Rendered>>>,
    used: u64,
    /// The bytes it counts for once filled and kept; 0 before.
    kept: usize,
}

impl ReportCache {
    /// Keeps at most `budget` bytes (0: keeps nothing, every request computes),
    /// computes at most `computations` reports at once, and lets what depends on the
    /// clock alone be at most `fresh_for_seconds` late.
    pub fn new(
        budget: usize,
        computations: usize,
        fresh_for_seconds: u32,
        counters: ReportCounters,
    ) -> Self {
        Self {
            counters,
            budget,
            fresh_for: i64::from(fresh_for_seconds.max(1)),
            computing: Semaphore::new(computations.max(1)),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The time bucket of `now`.
    pub fn bucket(&self, now: chrono::DateTime<chrono::Utc>) -> i64 {
        now.timestamp().div_euclid(self.fresh_for)
    }

    /// Waits for a turn to compute a report: for pages that render one without
    /// keeping it.
    pub async fn turn(&self) -> ApiResult<tokio::sync::SemaphorePermit<'_>> {
        self.computing
            .acquire()
            .await
            .map_err(|e| ApiError::internal(&e))
    }

    /// The answer kept under `key`, or `compute`'s, computed once for every reader
    /// asking meanwhile, in turn with other computations.
    pub async fn get<F, Fut>(&self, key: Key, compute: F) -> ApiResult<Arc<Rendered>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ApiResult<Rendered>>,
    {
        if self.budget == 0 {
            let _turn = self.turn().await?;
            self.counters.computed.inc();
            return compute().await.map(Arc::new);
        }
        let cell = {
            let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            inner.tick += 1;
            let tick = inner.tick;
            let slot = inner.slots.entry(key.clone()).or_insert_with(|| Slot {
                cell: Arc::new(OnceCell::new()),
                used: tick,
                kept: 0,
            });
            slot.used = tick;
            slot.cell.clone()
        };
        let mut computed = false;
        let answer = cell
            .get_or_try_init(|| async {
                let _turn = self.turn().await?;
                computed = true;
                compute().await.map(Arc::new)
            })
            .await
            .cloned();
        if computed {
            self.counters.computed.inc();
        } else if answer.is_ok() {
            self.counters.shared.inc();
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let ours = inner
            .slots
            .get(&key)
            .is_some_and(|s| Arc::ptr_eq(&s.cell, &cell));
        match &answer {
            Ok(rendered) if ours => self.keep(&mut inner, &key, rendered.body.len()),
            // A failure is not kept: the next reader computes again.
            Err(_) if ours && cell.get().is_none() => {
                inner.slots.remove(&key);
            }
            _ => {}
        }
        answer
    }

    /// Counts the filled slot `key` in, drops what it supersedes, and evicts the
    /// least recently used until the bytes fit.
    fn keep(&self, inner: &mut Inner, key: &Key, len: usize) {
        let Some(slot) = inner.slots.get(key) else {
            return;
        };
        if slot.kept > 0 {
            return;
        }
        if len > self.budget / 4 {
            inner.slots.remove(key);
            return;
        }
        // Earlier counters or buckets of the same program are never asked again.
        let superseded: Vec<Key> = inner
            .slots
            .iter()
            .filter(|(k, s)| s.kept > 0 && k.superseded_by(key))
            .map(|(k, _)| k.clone())
            .collect();
        for k in superseded {
            if let Some(s) = inner.slots.remove(&k) {
                inner.bytes -= s.kept;
            }
        }
        if let Some(slot) = inner.slots.get_mut(key) {
            slot.kept = len.max(1);
            inner.bytes += len.max(1);
        }
        while inner.bytes > self.budget {
            let oldest = inner
                .slots
                .iter()
                .filter(|(k, s)| s.kept > 0 && *k != key)
                .min_by_key(|(_, s)| s.used)
                .map(|(k, _)| k.clone());
            let Some(oldest) = oldest else { break };
            if let Some(s) = inner.slots.remove(&oldest) {
                inner.bytes -= s.kept;
            }
        }
        self.counters
            .bytes
            .set(i64::try_from(inner.bytes).unwrap_or(i64::MAX));
    }

    /// The bytes kept and the reports they hold.
    pub fn usage(&self) -> (usize, usize) {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let kept = inner.slots.values().filter(|s| s.kept > 0).count();
        (inner.bytes, kept)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn key(program: &str, revision: i64, variant: &str) -> Key {
        Key {
            program_id: program.to_owned(),
            revisions: Revisions {
                program: revision,
                organisation: 0,
            },
            bucket: 0,
            variant: variant.to_owned(),
        }
    }

    fn rendered(len: usize) -> Rendered {
        Rendered {
            content_type: "application/json",
            headers: Vec::new(),
            body: Bytes::from(vec![b'x'; len]),
            gzip: false,
        }
    }

    #[tokio::test]
    async fn readers_that_miss_together_share_one_computation() {
        let cache = Arc::new(ReportCache::new(1 << 20, 2, 60, ReportCounters::default()));
        let runs = Arc::new(AtomicUsize::new(0));
        let readers: Vec<_> = (0..16)
            .map(|_| {
                let (cache, runs) = (cache.clone(), runs.clone());
                tokio::spawn(async move {
                    cache
                        .get(key("p", 1, "gaps"), || async {
                            runs.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                            Ok(rendered(10))
                        })
                        .await
                        .unwrap()
                        .body
                        .len()
                })
            })
            .collect();
        for r in readers {
            assert_eq!(r.await.unwrap(), 10);
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(cache.usage(), (10, 1));
        assert_eq!(cache.counters.computed.get(), 1);
        assert_eq!(cache.counters.shared.get(), 15);
    }

    #[tokio::test]
    async fn a_new_revision_computes_again_and_drops_the_old() {
        let cache = ReportCache::new(1 << 20, 2, 60, ReportCounters::default());
        cache
            .get(key("p", 1, "gaps"), || async { Ok(rendered(10)) })
            .await
            .unwrap();
        cache
            .get(key("q", 1, "gaps"), || async { Ok(rendered(20)) })
            .await
            .unwrap();
        let again = cache
            .get(key("p", 2, "gaps"), || async { Ok(rendered(30)) })
            .await
            .unwrap();
        assert_eq!(again.body.len(), 30);
        assert_eq!(cache.usage(), (50, 2));
    }

    #[tokio::test]
    async fn the_bytes_kept_stay_within_the_budget() {
        let cache = ReportCache::new(100, 2, 60, ReportCounters::default());
        for i in 0..10 {
            cache
                .get(key("p", 1, &format!("v{i}")), || async { Ok(rendered(20)) })
                .await
                .unwrap();
        }
        assert_eq!(cache.usage(), (100, 5));
        // Larger than a quarter of the budget: served, not kept.
        let big = cache
            .get(key("p", 1, "big"), || async { Ok(rendered(60)) })
            .await
            .unwrap();
        assert_eq!(big.body.len(), 60);
        assert_eq!(cache.usage(), (100, 5));
    }

    #[tokio::test]
    async fn a_failure_is_not_kept() {
        let cache = ReportCache::new(1 << 20, 2, 60, ReportCounters::default());
        let failed = cache
            .get(key("p", 1, "gaps"), || async {
                Err::<Rendered, _>(ApiError::internal(&"boom"))
            })
            .await;
        assert!(failed.is_err());
        assert_eq!(cache.usage(), (0, 0));
        let ok = cache
            .get(key("p", 1, "gaps"), || async { Ok(rendered(5)) })
            .await
            .unwrap();
        assert_eq!(ok.body.len(), 5);
    }

    #[tokio::test]
    async fn a_client_without_gzip_gets_the_text() {
        let mut w = Writer::new();
        w.write_all(b"{\"lines\":[]}").unwrap();
        let r = Rendered {
            content_type: "application/json",
            headers: Vec::new(),
            body: w.finish().unwrap(),
            gzip: true,
        };
        let (body, gzip) = r.body_for(false);
        assert!(!gzip);
        assert_eq!(body.into_string().await.unwrap(), "{\"lines\":[]}");
        let (_, gzip) = r.body_for(true);
        assert!(gzip);
    }
}
