//! Reconnect policy: exponential backoff with jitter, a cap and an attempt limit.
//!
//! Pure (no I/O, no clock): the connection loop asks [`Backoff::next_delay`] what to do after
//! a failure and sleeps itself. Deterministic for a given seed, so tests can pin the jitter.

use std::time::Duration;

/// How reconnects are spaced. Defaults follow zkde's documented rule, which Gatewatch applies
/// to every gateway: from 1 s, doubling, capped near 30 s, at most 10 attempts.
#[derive(Debug, Clone, PartialEq)]
pub struct BackoffPolicy {
    /// Delay before the first retry.
    pub initial: Duration,
    /// Upper bound of any delay.
    pub max: Duration,
    /// Growth factor per attempt (2.0 = doubling).
    pub multiplier: f64,
    /// Failed attempts in a row before giving up; 0 means never give up.
    pub max_attempts: u32,
    /// Fraction (0.0–1.0) by which each delay is randomly shortened, so many clients
    /// dropped at once don't reconnect in lockstep. Delays stay within `[d·(1−jitter), d]`.
    pub jitter: f64,
}

impl Default for BackoffPolicy {
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(30),
            multiplier: 2.0,
            max_attempts: 10,
            jitter: 0.2,
        }
    }
}

/// The state of one connection's reconnect schedule.
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: BackoffPolicy,
    attempt: u32,
    rng: SplitMix64,
}

impl Backoff {
    /// A schedule following `policy`, jitter drawn from a generator seeded with `seed`.
    pub fn new(policy: BackoffPolicy, seed: u64) -> Self {
        Self {
            policy,
            attempt: 0,
            rng: SplitMix64(seed),
        }
    }

    /// Failed attempts since the last success.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The policy.
    pub fn policy(&self) -> &BackoffPolicy {
        &self.policy
    }

    /// Record a failure and return how long to wait before the next try, or `None` when the
    /// attempt limit is reached (give up).
    pub fn next_delay(&mut self) -> Option<Duration> {
        if self.policy.max_attempts != 0 && self.attempt >= self.policy.max_attempts {
            return None;
        }
        self.attempt += 1;
        let exp = self.attempt.saturating_sub(1).min(64) as i32;
        let base = self.policy.initial.as_secs_f64() * self.policy.multiplier.max(1.0).powi(exp);
        let capped = base.min(self.policy.max.as_secs_f64());
        let jitter = self.policy.jitter.clamp(0.0, 1.0);
        let factor = 1.0 - jitter * self.rng.next_f64();
        // `capped` is finite and ≥ 0 (min with max), so this can't panic.
        Some(Duration::from_secs_f64((capped * factor).max(0.0)))
    }

    /// A connection succeeded: the next failure starts again from `initial`.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// A tiny deterministic generator (SplitMix64): enough for jitter, no dependency.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A seed that differs between connections and runs (for production use).
pub(crate) fn random_seed(salt: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write(salt.as_bytes());
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_jitter() -> BackoffPolicy {
        BackoffPolicy {
            jitter: 0.0,
            ..BackoffPolicy::default()
        }
    }

    #[test]
    fn doubles_from_one_second_caps_at_thirty_and_gives_up_after_ten() {
        let mut b = Backoff::new(no_jitter(), 1);
        let delays: Vec<u64> = std::iter::from_fn(|| b.next_delay())
            .map(|d| d.as_secs())
            .collect();
        assert_eq!(delays, vec![1, 2, 4, 8, 16, 30, 30, 30, 30, 30]);
        assert_eq!(b.attempt(), 10);
        assert_eq!(b.next_delay(), None, "stays given up");
    }

    #[test]
    fn reset_starts_over() {
        let mut b = Backoff::new(no_jitter(), 1);
        for _ in 0..4 {
            b.next_delay();
        }
        b.reset();
        assert_eq!(b.attempt(), 0);
        assert_eq!(b.next_delay(), Some(Duration::from_secs(1)));
    }

    #[test]
    fn jitter_stays_in_bounds_and_is_deterministic_per_seed() {
        let policy = BackoffPolicy {
            max_attempts: 0,
            ..BackoffPolicy::default()
        };
        let mut a = Backoff::new(policy.clone(), 42);
        let mut b = Backoff::new(policy.clone(), 42);
        let mut c = Backoff::new(policy, 43);
        let mut differs = false;
        for n in 1..=40u32 {
            let (da, db, dc) = (a.next_delay(), b.next_delay(), c.next_delay());
            assert_eq!(da, db, "same seed, same schedule");
            let da = da.expect("unlimited attempts").as_secs_f64();
            let full = (2f64.powi(n as i32 - 1)).min(30.0);
            assert!(
                da <= full + 1e-9 && da >= full * 0.8 - 1e-9,
                "attempt {n}: {da}"
            );
            differs |= dc.map(|d| d.as_secs_f64()) != Some(da);
        }
        assert!(differs, "another seed gives another jitter");
    }

    #[test]
    fn unlimited_attempts_never_give_up() {
        let mut b = Backoff::new(
            BackoffPolicy {
                max_attempts: 0,
                ..no_jitter()
            },
            7,
        );
        for _ in 0..1000 {
            assert!(b.next_delay().is_some());
        }
    }

    /// The schedule driven by tokio's clock: under paused time the sleeps add up exactly to
    /// the documented 1+2+4+8+16+30×5 = 181 s before giving up.
    #[tokio::test(start_paused = true)]
    async fn schedule_under_paused_time() {
        let start = tokio::time::Instant::now();
        let mut b = Backoff::new(no_jitter(), 9);
        let mut tries = 0;
        while let Some(d) = b.next_delay() {
            tokio::time::sleep(d).await;
            tries += 1;
        }
        assert_eq!(tries, 10);
        assert_eq!(start.elapsed(), Duration::from_secs(181));
    }
}
