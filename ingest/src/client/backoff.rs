//! Reconnect delays: exponential, capped, jittered by a seeded generator (so tests are deterministic).

use std::time::Duration;

use crate::config::BackoffConfig;

/// The delay before each reconnect attempt.
#[derive(Debug, Clone)]
pub struct Backoff {
    cfg: BackoffConfig,
    attempt: u32,
    rng: u64,
}

impl Backoff {
    pub fn new(cfg: BackoffConfig, seed: u64) -> Self {
        Backoff { cfg, attempt: 0, rng: seed }
    }

    /// The next delay: `initial * multiplier^attempt`, spread by +-jitter, never above `max_ms`.
    pub fn next_delay(&mut self) -> Duration {
        let exp = self.cfg.multiplier.powi(self.attempt.min(64) as i32);
        let base = (self.cfg.initial_ms as f64 * exp).min(self.cfg.max_ms as f64);
        let spread = 1.0 + self.cfg.jitter * (2.0 * self.unit() - 1.0);
        self.attempt = self.attempt.saturating_add(1);
        Duration::from_secs_f64((base * spread).clamp(0.0, self.cfg.max_ms as f64) / 1e3)
    }

    /// Back to the initial delay (after a session that delivered data).
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    /// A uniform number in [0, 1) (SplitMix64).
    fn unit(&mut self) -> f64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as f64 / 2f64.powi(64)
    }
}

/// A stable seed from a stream's identity (so replicas spread their retries differently but reproducibly).
pub fn seed_for(endpoint: &str, target: &str) -> u64 {
    endpoint
        .bytes()
        .chain([0])
        .chain(target.bytes())
        .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(jitter: f64) -> BackoffConfig {
        BackoffConfig { initial_ms: 100, max_ms: 2_000, multiplier: 2.0, jitter, seed: None }
    }

    #[test]
    fn grows_exponentially_to_the_cap_without_jitter() {
        let mut b = Backoff::new(cfg(0.0), 1);
        let ms: Vec<u128> = (0..8).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(ms, vec![100, 200, 400, 800, 1600, 2000, 2000, 2000]);
        b.reset();
        assert_eq!(b.next_delay().as_millis(), 100);
    }

    #[test]
    fn jitter_is_bounded_capped_and_deterministic() {
        let run = |seed| {
            let mut b = Backoff::new(cfg(0.5), seed);
            (0..40).map(|_| b.next_delay()).collect::<Vec<_>>()
        };
        let (a, b) = (run(7), run(7));
        assert_eq!(a, b, "same seed, same delays");
        assert_ne!(a, run(8), "another seed spreads differently");
        for (i, d) in a.iter().enumerate() {
            let base = (100.0 * 2f64.powi(i as i32)).min(2000.0);
            let ms = d.as_secs_f64() * 1e3;
            assert!(ms >= base * 0.5 - 1e-6 && ms <= (base * 1.5).min(2000.0) + 1e-6, "attempt {i}: {ms} ms");
        }
    }
}
