//! What readers (the operator API) see: an immutable snapshot published after every round, and the commands
//! they may send to the task that owns the controller.

use std::sync::Arc;

use tokio::sync::oneshot;

use super::brain::Controller;
use super::config::Mode;
use super::decision::Decision;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceRow {
    pub name: String,
    /// The gNMI endpoint (address) serving it.
    pub endpoint: String,
    pub updates: u64,
    pub reconnects: u64,
    pub stale: bool,
    pub age_ms: u64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinkRow {
    pub name: String,
    pub peer: String,
    pub capacity_bps: f64,
    pub utilization: f64,
    pub forecast: f64,
    pub forecast_upper: f64,
    pub risk: f64,
    pub stale: bool,
    pub drained: bool,
    pub up: bool,
    pub ecn_marks_per_s: f64,
    pub pfc_pauses_per_s: f64,
    pub drops_per_s: f64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DemandRow {
    pub source: String,
    pub prefix: String,
    pub bps: f64,
    /// Point forecast and planning peak (0 for demands with no traffic in their history).
    pub forecast_bps: f64,
    pub forecast_upper_bps: f64,
}

/// A switch and its role in the fabric graph in use.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SwitchRow {
    pub name: String,
    /// `leaf`, `spine`, `super-spine`, or empty when the graph does not know it.
    pub role: String,
}

/// One round's snapshot.
#[derive(Debug, Clone, Default)]
pub struct View {
    pub replica: String,
    pub leader: bool,
    pub epoch: u64,
    pub mode: Mode,
    pub started_ms: i64,
    pub now_ms: i64,
    pub rounds: u64,
    pub sources: Vec<SourceRow>,
    pub links: Vec<LinkRow>,
    pub demands: Vec<DemandRow>,
    pub switches: Vec<SwitchRow>,
    /// Where the fabric graph comes from: `lldp`, `file` or `none`.
    pub topology_source: String,
    pub pending: Vec<Decision>,
    /// Newest first, bounded.
    pub decisions: Vec<Decision>,
    pub hotspot_threshold: f64,
}

impl View {
    /// Builds the snapshot from the controller (after its round).
    pub fn of(
        c: &Controller,
        replica: &str,
        started_ms: i64,
        now_ms: i64,
        sources: Vec<SourceRow>,
        threshold: f64,
    ) -> Arc<View> {
        let links = c
            .model
            .links
            .iter()
            .map(|(name, l)| {
                let o = c.last_forecasts.links.get(name).copied().unwrap_or_default();
                let risk =
                    if l.stale { 0.0 } else { ((o.hedged - threshold * 0.8) / (threshold * 0.2)).clamp(0.0, 1.0) };
                LinkRow {
                    name: name.clone(),
                    peer: l.peer.clone(),
                    capacity_bps: l.capacity_bps,
                    utilization: l.utilization,
                    forecast: o.point,
                    forecast_upper: o.hedged,
                    risk,
                    stale: l.stale,
                    drained: l.drained,
                    up: l.up,
                    ecn_marks_per_s: l.ecn_marks_per_s,
                    pfc_pauses_per_s: l.pfc_pauses_per_s,
                    drops_per_s: l.drops_per_s,
                }
            })
            .collect();
        // Demands that carry traffic (a large fabric has a demand per switch and prefix, most of them idle).
        let demands = c
            .model
            .demands
            .iter()
            .filter(|(_, d)| d.bps > 0.0 || !d.history.is_empty())
            .map(|((sw, p), d)| {
                let o = c.last_forecasts.demands.get(&(sw.clone(), p.clone())).copied().unwrap_or_default();
                DemandRow {
                    source: sw.clone(),
                    prefix: p.clone(),
                    bps: d.bps,
                    forecast_bps: o.point,
                    forecast_upper_bps: o.hedged,
                }
            })
            .collect();
        let role = |name: &str| {
            c.model
                .fabric
                .as_ref()
                .and_then(|f| f.find(name).ok().and_then(|n| f.node(n).role()))
                .map(|r| r.to_string())
                .unwrap_or_default()
        };
        let switches = c.model.switches.iter().map(|s| SwitchRow { name: s.clone(), role: role(s) }).collect();
        Arc::new(View {
            replica: replica.to_string(),
            leader: true,
            epoch: c.epoch,
            mode: c.mode,
            started_ms,
            now_ms,
            rounds: c.model.round,
            sources,
            links,
            demands,
            switches,
            topology_source: c.model.topology_source.to_string(),
            pending: c.pending_plans(),
            decisions: c.log.recent(1000),
            hotspot_threshold: threshold,
        })
    }
}

/// Requests to the task that owns the controller.
#[derive(Debug)]
pub enum Command {
    Approve { plan: u64, approver: String, reply: oneshot::Sender<Result<Decision, String>> },
    SetMode { mode: Mode, reply: oneshot::Sender<()> },
    Drain { target: String, undrain: bool, reply: oneshot::Sender<Result<usize, String>> },
}
