//! Fathom's controller library: what `fathomctl` (and later `fathomd`) run. The replay logic lives here so the
//! binaries stay thin.

pub mod daemon;
pub mod error;
pub mod te;

pub use error::{ControllerError, Result};
