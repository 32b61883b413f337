//! The few float primitives `core` lacks (`floor`, `ceil`, `trunc`, `sqrt`,
//! round-half-to-even), in one place so no other file needs a cfg.
//!
//! With the `std` feature these are the inherent `f32`/`f64` methods (which
//! lower to single instructions where the target has them); without it they
//! are the `libm` crate's implementations. Both are exact (these operations
//! have a single correctly rounded result), so the choice never changes a
//! result. NaN inputs are handled by the callers in `float`, which quiet them
//! as the spec requires; these functions are only called on non-NaN values.

#[cfg(feature = "std")]
mod imp {
    #[inline]
    pub(crate) fn floor_f32(x: f32) -> f32 {
        x.floor()
    }
    #[inline]
    pub(crate) fn ceil_f32(x: f32) -> f32 {
        x.ceil()
    }
    #[inline]
    pub(crate) fn trunc_f32(x: f32) -> f32 {
        x.trunc()
    }
    #[inline]
    pub(crate) fn sqrt_f32(x: f32) -> f32 {
        x.sqrt()
    }
    #[inline]
    pub(crate) fn round_even_f32(x: f32) -> f32 {
        x.round_ties_even()
    }
    #[inline]
    pub(crate) fn floor_f64(x: f64) -> f64 {
        x.floor()
    }
    #[inline]
    pub(crate) fn ceil_f64(x: f64) -> f64 {
        x.ceil()
    }
    #[inline]
    pub(crate) fn trunc_f64(x: f64) -> f64 {
        x.trunc()
    }
    #[inline]
    pub(crate) fn sqrt_f64(x: f64) -> f64 {
        x.sqrt()
    }
    #[inline]
    pub(crate) fn round_even_f64(x: f64) -> f64 {
        x.round_ties_even()
    }
}

#[cfg(not(feature = "std"))]
mod imp {
    pub(crate) use libm::{
        ceil as ceil_f64, ceilf as ceil_f32, floor as floor_f64, floorf as floor_f32,
        roundeven as round_even_f64, roundevenf as round_even_f32, sqrt as sqrt_f64,
        sqrtf as sqrt_f32, trunc as trunc_f64, truncf as trunc_f32,
    };
}

pub(crate) use imp::*;
