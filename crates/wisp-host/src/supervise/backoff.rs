//! Restart timing: a service's backoff delay (Wippy's shape), the seeded
//! jitter behind it, and a supervisor's restart-intensity window (OTP's
//! `intensity` within `period`).

use std::collections::VecDeque;
use std::time::Duration;

use crate::registry::RestartPolicy;

/// A small seeded generator (SplitMix64) for jitter: the same seed gives
/// the same delays, so tests and deterministic hosts are exact.
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    pub fn new(seed: u64) -> Self {
        Jitter(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `[-1, 1)`.
    pub fn unit(&mut self) -> f64 {
        // 53 random bits as a fraction in [0, 1).
        let f = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        f * 2.0 - 1.0
    }
}

/// The delay before restart `attempt` (1-based): `initial_delay ×
/// backoff_factor^(attempt−1)`, capped at `max_delay`, then moved by up to
/// ±`jitter` of itself. Never negative; a result that does not fit a
/// `Duration` is `max_delay`.
pub fn backoff_delay(policy: &RestartPolicy, attempt: u32, jitter: &mut Jitter) -> Duration {
    let exp = i32::try_from(attempt.saturating_sub(1)).unwrap_or(i32::MAX);
    // In nanoseconds, rounded at the end: 100ms × 2 is exactly 200ms.
    let max = policy.max_delay.as_nanos() as f64;
    let base = policy.initial_delay.as_nanos() as f64 * policy.backoff_factor.powi(exp);
    let capped = if base.is_finite() { base.min(max) } else { max };
    let j = policy.jitter.clamp(0.0, 1.0);
    let ns = if j > 0.0 {
        capped * (1.0 + j * jitter.unit())
    } else {
        capped
    };
    let ns = ns.max(0.0).round();
    if ns >= u64::MAX as f64 {
        return policy.max_delay;
    }
    Duration::from_nanos(ns as u64)
}

/// The restarts of the last `period`: more than `intensity` of them and
/// the supervisor gives up.
#[derive(Debug, Clone)]
pub(crate) struct Intensity {
    intensity: u32,
    period: Duration,
    times: VecDeque<Duration>,
}

impl Intensity {
    pub(crate) fn new(intensity: u32, period: Duration) -> Self {
        Intensity {
            intensity,
            period,
            times: VecDeque::new(),
        }
    }

    /// Records a restart at `now` (host clock). `Ok(n)`: it may happen,
    /// the n-th within the period; `Err(n)`: n restarts within the period
    /// is more than the intensity allows.
    pub(crate) fn record(&mut self, now: Duration) -> Result<u32, u32> {
        while self
            .times
            .front()
            .is_some_and(|t| now.saturating_sub(*t) >= self.period)
        {
            self.times.pop_front();
        }
        self.times.push_back(now);
        let n = u32::try_from(self.times.len()).unwrap_or(u32::MAX);
        if n > self.intensity {
            // Keep the window bounded by the intensity.
            self.times.pop_front();
            Err(n)
        } else {
            Ok(n)
        }
    }

    pub(crate) fn intensity(&self) -> u32 {
        self.intensity
    }

    pub(crate) fn period(&self) -> Duration {
        self.period
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(initial_ms: u64, max_ms: u64, factor: f64, jitter: f64) -> RestartPolicy {
        RestartPolicy {
            initial_delay: Duration::from_millis(initial_ms),
            max_delay: Duration::from_millis(max_ms),
            backoff_factor: factor,
            jitter,
            max_attempts: 0,
        }
    }

    #[test]
    fn delays_grow_by_the_factor_up_to_the_cap() {
        let p = policy(100, 500, 2.0, 0.0);
        let mut j = Jitter::new(1);
        let got: Vec<u128> = (1..=6)
            .map(|n| backoff_delay(&p, n, &mut j).as_millis())
            .collect();
        assert_eq!(got, [100, 200, 400, 500, 500, 500]);
        // A huge attempt number still gives the cap.
        assert_eq!(
            backoff_delay(&p, u32::MAX, &mut j),
            Duration::from_millis(500)
        );
        let p = policy(1000, 90_000, 1e300, 0.0);
        assert_eq!(backoff_delay(&p, 100, &mut j), Duration::from_secs(90));
    }

    #[test]
    fn jitter_stays_within_bounds_and_follows_the_seed() {
        let p = policy(1000, 1000, 2.0, 0.1);
        let (mut a, mut b) = (Jitter::new(7), Jitter::new(7));
        for n in 1..200 {
            let d = backoff_delay(&p, n, &mut a);
            assert!((900..=1100).contains(&d.as_millis()), "{d:?}");
            assert_eq!(d, backoff_delay(&p, n, &mut b));
        }
        let mut c = Jitter::new(8);
        let differs = (1..20).any(|n| backoff_delay(&p, n, &mut c) != backoff_delay(&p, n, &mut a));
        assert!(differs);
    }

    #[test]
    fn units_cover_both_signs() {
        let mut j = Jitter::new(0);
        let v: Vec<f64> = (0..1000).map(|_| j.unit()).collect();
        assert!(v.iter().all(|x| (-1.0..1.0).contains(x)));
        assert!(v.iter().any(|x| *x < -0.5) && v.iter().any(|x| *x > 0.5));
    }

    #[test]
    fn intensity_counts_restarts_within_the_period() {
        let s = Duration::from_secs;
        let mut w = Intensity::new(3, s(60));
        assert_eq!(w.record(s(0)), Ok(1));
        assert_eq!(w.record(s(1)), Ok(2));
        assert_eq!(w.record(s(2)), Ok(3));
        assert_eq!(w.record(s(3)), Err(4));
        // Old restarts leave the window.
        let mut w = Intensity::new(1, s(5));
        assert_eq!(w.record(s(0)), Ok(1));
        assert_eq!(w.record(s(5)), Ok(1));
        assert_eq!(w.record(s(6)), Err(2));
        // Intensity 0: the first restart is already too many.
        assert_eq!(Intensity::new(0, s(5)).record(s(0)), Err(1));
    }
}
