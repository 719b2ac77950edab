//! The flow-level engine. (skeleton: being implemented)

use fathom_topology::Fabric;

use crate::control::{FaultAction, GroundTruth, SlotTableView, SlotUpdate, TargetInfo};
use crate::error::Result;
use crate::scenario::Scenario;
use crate::summary::Summary;
use crate::telemetry::TelemetrySnapshot;

/// A running simulation: fabric, workloads, flows, queues and counters, advanced by events on a simulated clock.
#[derive(Debug)]
pub struct Simulation {
    fabric: Fabric,
}

impl Simulation {
    pub fn new(scenario: &Scenario) -> Result<Self> {
        let _ = scenario;
        todo!()
    }
    /// Simulated time now, ns since start.
    pub fn now_ns(&self) -> u64 {
        todo!()
    }
    /// Scenario duration, ns.
    pub fn duration_ns(&self) -> u64 {
        todo!()
    }
    /// Processes every event up to `t_ns` and settles queues and counters at `t_ns`.
    pub fn run_until(&mut self, t_ns: u64) {
        let _ = t_ns;
        todo!()
    }
    pub fn fabric(&self) -> &Fabric {
        &self.fabric
    }
    /// Cumulative counters and state of every switch at `now_ns()`.
    pub fn telemetry(&self) -> TelemetrySnapshot {
        todo!()
    }
    pub fn targets(&self) -> Vec<TargetInfo> {
        todo!()
    }
    /// Programmed (or default) tables, filtered by device and prefix when given. Unknown names are errors.
    pub fn slot_tables(&self, device: Option<&str>, prefix: Option<&str>) -> Result<Vec<SlotTableView>> {
        let _ = (device, prefix);
        todo!()
    }
    /// Validates the whole batch, then applies it atomically. Returns the number of slots that changed.
    pub fn apply_slot_updates(&mut self, batch: &[SlotUpdate]) -> Result<usize> {
        let _ = batch;
        todo!()
    }
    pub fn apply_fault(&mut self, action: &FaultAction) -> Result<()> {
        let _ = action;
        todo!()
    }
    pub fn ground_truth(&self, include_flows: bool) -> GroundTruth {
        let _ = include_flows;
        todo!()
    }
    pub fn summary(&self) -> Summary {
        todo!()
    }
}
