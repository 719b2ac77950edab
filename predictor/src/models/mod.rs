//! Forecasting models.

mod ar;
mod ensemble;
mod ewma;
mod holt_winters;
pub mod season;

pub use ar::Ar;
pub use ensemble::Ensemble;
pub use ewma::Ewma;
pub use holt_winters::HoltWinters;
