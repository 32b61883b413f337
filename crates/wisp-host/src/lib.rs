//! The wisp process host.
pub mod registry;
