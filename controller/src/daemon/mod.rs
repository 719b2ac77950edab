//! `fathomd`: the live controller (being built: configuration, metrics, the model and the decision step so far).

pub mod api;
pub mod brain;
#[cfg(test)]
mod brain_tests;
pub mod config;
pub mod decide;
pub mod decision;
pub mod demo;
pub mod forecast;
pub mod lldp;
pub mod metrics;
pub mod model;
pub mod offline;
pub mod round;
pub mod run;
#[cfg(test)]
mod testing;
pub mod view;
