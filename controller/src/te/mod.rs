//! Traffic engineering offline: dataset formats, replay, summaries.

pub mod format;
pub mod replay;
pub mod run;
pub mod stats;

pub use replay::{splits_json_line, ForecastModel, Replay, ReplayConfig, StepResult};
pub use run::{run_replay, ReplayInputs, ReplayReport};
pub use stats::Summary;
