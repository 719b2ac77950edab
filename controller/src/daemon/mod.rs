//! `fathomd`: the live controller (being built: configuration, metrics, the model and the decision step so far).

pub mod config;
pub mod decide;
pub mod forecast;
pub mod metrics;
pub mod model;
pub mod round;
