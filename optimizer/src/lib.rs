//! Fathom's TE optimizer (pure, synchronous, deterministic).
//!
//! - [`Instance`]: links (capacity, utilization cap, usable or failed/drained) and candidate paths per demand
//!   (given tunnels, [`fabric::Candidates::KShortest`] or the ECMP DAG of a fabric).
//! - [`fluid::solve`]: minimize the max over demand [`Scenario`]s and links of scaled utilization. Hedging is
//!   expressed through the scenario set (e.g. recent matrices plus the forecast upper quantile, each scaled by
//!   1/its own optimum so the objective is the worst-case ratio to optimal). Gauss-Seidel path shifting on a
//!   log-sum-exp smoothing with rising sharpness; within 0.01% of the exact LP on the random test instances.
//! - [`lp::solve_lp`]: the exact optimum with `microlp`, for tests and benchmarks.
//! - [`plan::plan`]: damping (max share moved per round), hysteresis (no change unless it relieves a forecast
//!   hotspot or improves the objective by a threshold), quantization ([`quantize`]), and per-change explanations.
//! - [`slots::assign_slots`]: slot-level mode (LPT greedy + bottleneck local search).

pub mod error;
pub mod fabric;
pub mod fluid;
pub mod instance;
pub mod lp;
pub mod plan;
pub mod quantize;
pub mod slots;

pub use error::{OptError, Result};
pub use fabric::{fabric_instance, Candidates};
pub use fluid::{solve, FluidConfig, FluidSolution};
pub use instance::{Instance, LinkSpec, Scenario, Splits};
pub use lp::{solve_lp, LpSolution};
pub use plan::{plan, Change, Hotspot, Plan, PlanConfig};
pub use quantize::{percent_weights, quantize_splits, slot_counts, Quantization};
pub use slots::{assign_slots, SlotAssignment, SlotGroup, SlotProblem};
