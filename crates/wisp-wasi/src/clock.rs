//! The clocks a guest reads: the host's real clocks, a deterministic
//! tick counter, or a [`VirtualClock`] the embedder moves.

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::errno::Errno;

/// How `clock_time_get` / `clock_res_get` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClockSource {
    /// The host's clocks: `SystemTime` for realtime, `Instant` (measured
    /// from context creation) for monotonic.
    #[cfg(feature = "std")]
    Real,
    /// Every `clock_time_get` call advances a shared tick counter by one.
    /// Realtime reads `realtime_start_ns + ticks * step_ns`, monotonic reads
    /// `ticks * step_ns`; both report `max(step_ns, 1)` as their resolution.
    Deterministic {
        realtime_start_ns: u64,
        step_ns: u64,
    },
    /// A clock the embedder moves ([`VirtualClock`], shared by many
    /// guests): monotonic reads its time, realtime reads
    /// `realtime_start_ns` plus it; reading does not move it. A guest that
    /// sleeps on it waits until the embedder advances it (under
    /// [`crate::Blocking::Suspend`]), or moves it to its deadline itself
    /// (under [`crate::Blocking::Block`], where nothing else could).
    Virtual {
        clock: VirtualClock,
        realtime_start_ns: u64,
    },
}

/// A shared virtual time in nanoseconds that only moves forward, when the
/// embedder advances it (the process host's deterministic mode).
#[derive(Debug, Clone, Default)]
pub struct VirtualClock(Arc<AtomicU64>);

impl VirtualClock {
    /// A clock at 0.
    pub fn new() -> Self {
        Self::default()
    }
    /// The time now.
    pub fn now_ns(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
    /// Moves the clock to `ns` if that is later than now.
    pub fn advance_to(&self, ns: u64) {
        self.0.fetch_max(ns, Ordering::SeqCst);
    }
}

impl PartialEq for VirtualClock {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
impl Eq for VirtualClock {}

#[derive(Debug)]
pub(crate) enum Clock {
    /// Monotonic time is `offset_ns` plus the time since `start` (the
    /// offset carries a checkpointed guest's time over, so that it never
    /// goes backwards after a restore).
    #[cfg(feature = "std")]
    Real {
        start: std::time::Instant,
        offset_ns: u64,
    },
    Deterministic {
        realtime_start_ns: u64,
        step_ns: u64,
        ticks: u64,
    },
    /// Monotonic time is the shared clock plus `offset_ns` (wrapping; the
    /// offset carries a checkpointed guest's time over).
    Virtual {
        clock: VirtualClock,
        realtime_start_ns: u64,
        offset_ns: u64,
    },
}

impl Clock {
    pub(crate) fn new(source: ClockSource) -> Self {
        match source {
            #[cfg(feature = "std")]
            ClockSource::Real => Clock::Real {
                start: std::time::Instant::now(),
                offset_ns: 0,
            },
            ClockSource::Deterministic {
                realtime_start_ns,
                step_ns,
            } => Clock::Deterministic {
                realtime_start_ns,
                step_ns,
                ticks: 0,
            },
            ClockSource::Virtual {
                clock,
                realtime_start_ns,
            } => Clock::Virtual {
                clock,
                realtime_start_ns,
                offset_ns: 0,
            },
        }
    }

    /// The time of clock `id` (realtime or monotonic, checked by the
    /// caller) without advancing a deterministic clock.
    pub(crate) fn peek(&self, id: u32) -> Result<u64, Errno> {
        match self {
            #[cfg(feature = "std")]
            Clock::Real { start, offset_ns } => {
                let d = if id == CLOCK_REALTIME {
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_err(|_| Errno::Io)?
                } else {
                    start.elapsed()
                };
                let ns = u64::try_from(d.as_nanos()).map_err(|_| Errno::Overflow)?;
                if id == CLOCK_REALTIME {
                    Ok(ns)
                } else {
                    offset_ns.checked_add(ns).ok_or(Errno::Overflow)
                }
            }
            Clock::Deterministic {
                realtime_start_ns,
                step_ns,
                ticks,
            } => {
                let elapsed = ticks.wrapping_mul(*step_ns);
                Ok(if id == CLOCK_REALTIME {
                    realtime_start_ns.wrapping_add(elapsed)
                } else {
                    elapsed
                })
            }
            Clock::Virtual {
                clock,
                realtime_start_ns,
                offset_ns,
            } => {
                let mono = clock.now_ns().wrapping_add(*offset_ns);
                Ok(if id == CLOCK_REALTIME {
                    realtime_start_ns.wrapping_add(mono)
                } else {
                    mono
                })
            }
        }
    }

    /// The time of clock `id`, as `clock_time_get` reads it: a
    /// deterministic clock advances by one step after every read.
    pub(crate) fn now(&mut self, id: u32) -> Result<u64, Errno> {
        let time = self.peek(id)?;
        match self {
            #[cfg(feature = "std")]
            Clock::Real { .. } => {}
            Clock::Virtual { .. } => {}
            Clock::Deterministic { ticks, .. } => *ticks = ticks.wrapping_add(1),
        }
        Ok(time)
    }
}

/// witx `clockid` values.
pub(crate) const CLOCK_REALTIME: u32 = 0;
pub(crate) const CLOCK_MONOTONIC: u32 = 1;
