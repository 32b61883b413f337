//! proto
pub mod bounds;
pub mod error;
mod fields;
pub mod id;
pub mod imports;
mod kinds;
pub mod limits;
pub mod model;
mod paths;
pub mod units;
pub(crate) mod yaml;
