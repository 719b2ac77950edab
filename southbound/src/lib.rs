//! `fathom-southbound`: how Fathom's decisions reach the fabric.
//!
//! A [`Southbound`] applies a [`Plan`] all-or-nothing, fenced by the leader's epoch (a device refuses a plan older
//! than one it accepted, so a deposed leader cannot write), reads back what is installed, and reconciles: any
//! divergence between what was planned and what the device holds is reported (an alarm for the operator) and
//! repaired by re-applying the diverging entries.
//!
//! Writers: [`SimulatorWriter`] (the fabric simulator's `fathom.sim.v1.FabricControl` API) and [`DryRunWriter`]
//! (holds plans in memory: for `observe` mode and tests). GoBGP and eBPF writers come with later issues.

mod dryrun;
pub mod error;
pub mod plan;
mod simulator;

use std::future::Future;
use std::pin::Pin;

pub use dryrun::DryRunWriter;
pub use error::{Result, SouthboundError};
pub use plan::{diverges, Divergence, Installed, InstalledTable, Plan, PlanEntry, TableSpec};
pub use simulator::SimulatorWriter;

/// A boxed, sendable future (the trait is used as `dyn Southbound`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The leadership epoch a single replica gives itself until etcd election arrives.
pub const SINGLE_REPLICA_EPOCH: u64 = 1;

/// What one apply changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ApplyReport {
    pub changed_slots: u64,
}

/// Outcome of a reconcile pass.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ReconcileReport {
    /// Entries compared.
    pub checked: usize,
    /// What diverged before repair (each one an alarm).
    pub divergences: Vec<Divergence>,
    /// Whether the diverging entries were re-applied and then read back equal.
    pub repaired: bool,
}

/// A way to program the fabric's WCMP tables.
pub trait Southbound: Send + Sync + std::fmt::Debug {
    /// Short name for logs and errors (`simulator`, `dry-run`).
    fn name(&self) -> &'static str;

    /// Applies the plan all-or-nothing. Fails with [`SouthboundError::Fenced`] when a newer epoch has written.
    fn apply<'a>(&'a self, plan: &'a Plan) -> BoxFuture<'a, Result<ApplyReport>>;

    /// Reads back every table the device holds for `devices` (all devices when `None`).
    fn installed<'a>(&'a self, devices: Option<&'a [String]>) -> BoxFuture<'a, Result<Installed>>;

    /// Compares the plan with what is installed now.
    fn verify<'a>(&'a self, plan: &'a Plan) -> BoxFuture<'a, Result<Vec<Divergence>>> {
        Box::pin(async move {
            let mut devices: Vec<String> = plan.entries.iter().map(|e| e.device.clone()).collect();
            devices.sort();
            devices.dedup();
            let inst = self.installed(Some(&devices)).await?;
            Ok(plan.entries.iter().filter_map(|e| diverges(e, inst.get(&e.device, &e.prefix))).collect())
        })
    }

    /// Level-triggered reconcile: verify, re-apply what diverges (with the plan's token), verify again.
    fn reconcile<'a>(&'a self, plan: &'a Plan) -> BoxFuture<'a, Result<ReconcileReport>> {
        Box::pin(async move {
            let divergences = self.verify(plan).await?;
            let checked = plan.entries.len();
            if divergences.is_empty() {
                return Ok(ReconcileReport { checked, divergences, repaired: false });
            }
            for d in &divergences {
                tracing::warn!(writer = self.name(), device = %d.device, prefix = %d.prefix, expected = ?d.expected,
                    actual = ?d.actual, "installed table diverges from the plan; re-applying");
            }
            let repair = Plan {
                id: plan.id,
                token: plan.token,
                entries: plan
                    .entries
                    .iter()
                    .filter(|e| divergences.iter().any(|d| d.device == e.device && d.prefix == e.prefix))
                    .cloned()
                    .collect(),
            };
            self.apply(&repair).await?;
            let repaired = self.verify(plan).await?.is_empty();
            Ok(ReconcileReport { checked, divergences, repaired })
        })
    }
}
