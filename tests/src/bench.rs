//! What the benchmarks share: timing a call many times and reading its percentiles.

use std::future::Future;
use std::time::{Duration, Instant};

/// The `p` percentile (0–1) of `samples`, which it sorts.
pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i.min(samples.len() - 1)]
}

/// A duration as milliseconds with one decimal.
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The median and the 95th percentile of a timed call.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub p50: Duration,
    pub p95: Duration,
}

/// Runs `run` three times to warm up, then `iterations` times, timing each.
pub async fn time<F, Fut>(iterations: usize, mut run: F) -> Timing
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    for _ in 0..3 {
        run().await;
    }
    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        run().await;
        samples.push(started.elapsed());
    }
    Timing {
        p50: percentile(&mut samples, 0.5),
        p95: percentile(&mut samples, 0.95),
    }
}

/// Samples per measurement: `BENCH_ITERATIONS`, else `default`.
pub fn iterations(default: usize) -> usize {
    std::env::var("BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A whole-number setting of a benchmark: the variable `name`, else `default`.
pub fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A process's peak resident set so far, in MiB, from `/proc` (Linux); NaN when it
/// cannot be read, so that no memory goal is met by accident.
pub fn peak_rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}
