//! The live runner: one actor owns the [`Simulation`], advances it in real time and publishes telemetry snapshots.
//!
//! Readers (gNMI sessions) never touch the simulation: they borrow the latest `Arc<TelemetrySnapshot>` from a
//! `watch` channel. Control requests are a closed [`Command`] enum sent over a bounded mpsc with a oneshot reply,
//! handled between ticks, so a batch of slot updates or a fault is applied atomically with respect to time.
//!
//! The actor runs on a blocking-pool thread (`spawn_blocking` + `Handle::block_on`) because `run_until` is
//! CPU-bound and must not stall the runtime's workers that serve gRPC.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use crate::control::{FaultAction, GroundTruth, SlotTableView, SlotUpdate, TargetInfo};
use crate::engine::Simulation;
use crate::error::{Result, SimError};
use crate::telemetry::TelemetrySnapshot;

/// Capacity of the command queue; senders wait when it is full.
const COMMAND_QUEUE: usize = 64;
/// A tick advances simulated time by at most this many ticks' worth: an engine slower than real time makes the
/// run fall behind the wall clock instead of trying to catch up ever larger steps.
const MAX_CATCH_UP_TICKS: f64 = 4.0;

/// How the actor paces the simulation.
#[derive(Debug, Clone, Copy)]
pub struct LiveOptions {
    /// Simulated seconds per wall-clock second.
    pub speed: f64,
    /// Wall time between two advances (and snapshot publications).
    pub tick: Duration,
}

/// Everything the actor can be asked; each carries its reply channel.
#[derive(Debug)]
pub enum Command {
    Targets {
        reply: oneshot::Sender<Vec<TargetInfo>>,
    },
    SlotTables {
        device: Option<String>,
        prefix: Option<String>,
        reply: oneshot::Sender<Result<(Vec<SlotTableView>, u64)>>,
    },
    ApplySlotUpdates {
        batch: Vec<SlotUpdate>,
        token: u64,
        reply: oneshot::Sender<Result<usize>>,
    },
    Fault {
        action: FaultAction,
        reply: oneshot::Sender<Result<()>>,
    },
    GroundTruth {
        include_flows: bool,
        reply: oneshot::Sender<GroundTruth>,
    },
    Summary {
        reply: oneshot::Sender<(crate::summary::Summary, Vec<crate::workload::JobReport>)>,
    },
}

/// Cheap, cloneable access to the actor: commands in, snapshots out.
#[derive(Debug, Clone)]
pub struct LiveHandle {
    commands: mpsc::Sender<Command>,
    telemetry: watch::Receiver<Arc<TelemetrySnapshot>>,
}

impl LiveHandle {
    /// A receiver of the latest snapshot (published after every tick and every state-changing command).
    pub fn telemetry(&self) -> watch::Receiver<Arc<TelemetrySnapshot>> {
        self.telemetry.clone()
    }

    pub async fn targets(&self) -> Result<Vec<TargetInfo>> {
        self.request(|reply| Command::Targets { reply }).await
    }

    /// The tables, and the highest fencing token accepted so far.
    pub async fn slot_tables(
        &self,
        device: Option<String>,
        prefix: Option<String>,
    ) -> Result<(Vec<SlotTableView>, u64)> {
        self.request(|reply| Command::SlotTables { device, prefix, reply }).await?
    }

    pub async fn apply_slot_updates(&self, batch: Vec<SlotUpdate>, token: u64) -> Result<usize> {
        self.request(|reply| Command::ApplySlotUpdates { batch, token, reply }).await?
    }

    pub async fn apply_fault(&self, action: FaultAction) -> Result<()> {
        self.request(|reply| Command::Fault { action, reply }).await?
    }

    pub async fn ground_truth(&self, include_flows: bool) -> Result<GroundTruth> {
        self.request(|reply| Command::GroundTruth { include_flows, reply }).await
    }

    /// The run summary so far, with every job's raw report.
    pub async fn summary(&self) -> Result<(crate::summary::Summary, Vec<crate::workload::JobReport>)> {
        self.request(|reply| Command::Summary { reply }).await
    }

    async fn request<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Result<T> {
        let gone = || SimError::server("the simulation task has stopped");
        let (reply, answer) = oneshot::channel();
        self.commands.send(make(reply)).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())
    }
}

/// Starts the actor. It stops when `stop` turns true (or its sender is dropped), or when every handle is gone.
/// The join handle yields an error if the simulation panicked.
pub fn spawn(sim: Simulation, opts: LiveOptions, stop: watch::Receiver<bool>) -> (LiveHandle, JoinHandle<()>) {
    let (snapshots, telemetry) = watch::channel(Arc::new(sim.telemetry()));
    let (commands, inbox) = mpsc::channel(COMMAND_QUEUE);
    let actor = Actor { sim, inbox, snapshots, opts, stop };
    let runtime = tokio::runtime::Handle::current();
    let join = tokio::task::spawn_blocking(move || runtime.block_on(actor.run()));
    (LiveHandle { commands, telemetry }, join)
}

struct Actor {
    sim: Simulation,
    inbox: mpsc::Receiver<Command>,
    snapshots: watch::Sender<Arc<TelemetrySnapshot>>,
    opts: LiveOptions,
    stop: watch::Receiver<bool>,
}

impl Actor {
    async fn run(mut self) {
        let mut ticker = tokio::time::interval(self.opts.tick);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut last = Instant::now();
        let mut stop = self.stop.clone();
        loop {
            tokio::select! {
                biased;
                _ = super::stopped(&mut stop) => break,
                cmd = self.inbox.recv() => match cmd {
                    Some(cmd) => self.handle(cmd),
                    None => break,
                },
                _ = ticker.tick() => self.advance(&mut last),
            }
        }
        tracing::debug!(sim_time_ns = self.sim.now_ns(), "live simulation stopped");
    }

    /// Advances simulated time by the wall time since the last tick times the speed factor, up to the scenario end.
    fn advance(&mut self, last: &mut Instant) {
        let now = Instant::now();
        let step = sim_step_ns(now - *last, self.opts);
        *last = now;
        let (from, end) = (self.sim.now_ns(), self.sim.duration_ns());
        let to = from.saturating_add(step).min(end);
        if to > from {
            self.sim.run_until(to);
            self.publish();
            if to == end {
                tracing::info!(sim_time_ns = end, "simulation reached the end of its scenario; telemetry is frozen");
            }
        }
    }

    fn handle(&mut self, cmd: Command) {
        // A dropped reply receiver means the caller gave up (e.g. the RPC was cancelled): nothing to do.
        match cmd {
            Command::Targets { reply } => drop(reply.send(self.sim.targets())),
            Command::SlotTables { device, prefix, reply } => {
                let token = self.sim.fencing_token();
                drop(reply.send(self.sim.slot_tables(device.as_deref(), prefix.as_deref()).map(|t| (t, token))))
            }
            Command::ApplySlotUpdates { batch, token, reply } => {
                let res = self.sim.apply_slot_updates_fenced(&batch, token);
                if matches!(res, Ok(n) if n > 0) {
                    self.publish();
                }
                drop(reply.send(res));
            }
            Command::Fault { action, reply } => {
                let res = self.sim.apply_fault(&action);
                if res.is_ok() {
                    self.publish();
                }
                drop(reply.send(res));
            }
            Command::GroundTruth { include_flows, reply } => drop(reply.send(self.sim.ground_truth(include_flows))),
            Command::Summary { reply } => drop(reply.send((self.sim.summary(), self.sim.job_reports()))),
        }
    }

    fn publish(&self) {
        self.snapshots.send_replace(Arc::new(self.sim.telemetry()));
    }
}

/// Simulated nanoseconds for `wall` elapsed at `opts.speed`, capped at [`MAX_CATCH_UP_TICKS`] ticks.
fn sim_step_ns(wall: Duration, opts: LiveOptions) -> u64 {
    let cap = opts.tick.as_secs_f64() * MAX_CATCH_UP_TICKS;
    let ns = wall.as_secs_f64().min(cap) * opts.speed * 1e9;
    if ns.is_finite() && ns > 0.0 {
        ns.min(u64::MAX as f64) as u64
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_scales_with_speed_and_is_capped() {
        let opts = LiveOptions { speed: 2.0, tick: Duration::from_millis(20) };
        assert_eq!(sim_step_ns(Duration::from_millis(10), opts), 20_000_000);
        assert_eq!(sim_step_ns(Duration::from_secs(10), opts), 160_000_000);
        assert_eq!(sim_step_ns(Duration::ZERO, opts), 0);
    }
}
