//! Decision records: what the controller decided, from what, who approved it, and what happened after. Kept in
//! memory (bounded) and appended to the JSONL audit file as they change.

use serde::Serialize;

use super::config::Mode;

/// One change of a decision: a device's table for a prefix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeRecord {
    pub device: String,
    pub prefix: String,
    pub slots_moved: u32,
    pub traffic_moved: f64,
    /// The forecast hotspot this change relieves, with its predicted utilization before and after.
    pub relieves: String,
    pub predicted_before: f64,
    pub predicted_after: f64,
    /// The relieved link's utilization measured when the change was decided.
    #[serde(default)]
    pub observed_before: f64,
    /// How long before the relieved link was forecast to cross the hotspot threshold the change was made, ms
    /// (0: it was already over it: a reactive change). See [`super::round::lead_rounds`].
    #[serde(default)]
    pub lead_time_ms: f64,
}

/// What was observed some rounds after a change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeRecord {
    pub after_rounds: u32,
    pub observed_max_utilization: f64,
    pub predicted_max_utilization: f64,
    pub rolled_back: bool,
}

/// A hotspot in the decision's inputs: (link, utilization now, hedged forecast).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HotspotRecord {
    pub link: String,
    pub utilization: f64,
    pub forecast: f64,
}

/// States a decision goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Observe mode: computed, never applied.
    Observed,
    /// Advise mode: waiting for approval.
    Pending,
    /// Approved (or auto) and being written.
    Applying,
    Applied,
    /// The device refused it (invalid, or fenced off): nothing changed.
    Rejected,
    /// The write failed in transit; read-back decides what is installed.
    Failed,
    /// Applied, then undone because the observed outcome was worse than before.
    RolledBack,
    /// Superseded before approval.
    Expired,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Observed => "observed",
            State::Pending => "pending",
            State::Applying => "applying",
            State::Applied => "applied",
            State::Rejected => "rejected",
            State::Failed => "failed",
            State::RolledBack => "rolled-back",
            State::Expired => "expired",
        }
    }
}

/// One decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub id: u64,
    pub at_ms: i64,
    pub round: u64,
    pub state: State,
    pub mode: Mode,
    pub approved_by: Option<String>,
    /// Fencing token the plan was (or would be) written with.
    pub epoch: u64,
    pub forecaster: String,
    pub explanation: String,
    pub predicted_max_before: f64,
    pub predicted_max_after: f64,
    pub observed_max_before: f64,
    pub moved_share: f64,
    pub hotspots: Vec<HotspotRecord>,
    pub changes: Vec<ChangeRecord>,
    pub outcomes: Vec<OutcomeRecord>,
    /// The shortest lead time of its changes, ms (0: some change relieved a link already over the threshold).
    pub lead_time_ms: f64,
    /// The error, for rejected or failed decisions.
    pub error: Option<String>,
}

/// Bounded in-memory log plus an optional append-only JSONL audit file.
#[derive(Debug, Default)]
pub struct Log {
    pub items: std::collections::VecDeque<Decision>,
    audit: Option<std::path::PathBuf>,
}

/// Decisions kept in memory.
pub const KEEP: usize = 10_000;

impl Log {
    pub fn new(audit: Option<std::path::PathBuf>) -> Self {
        Log { items: Default::default(), audit }
    }

    /// Adds or replaces (by id) a decision and appends its current form to the audit file.
    pub fn record(&mut self, d: Decision) {
        if let Some(path) = &self.audit {
            use std::io::Write;
            let line = serde_json::to_string(&d).unwrap_or_default();
            let res = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .and_then(|mut f| writeln!(f, "{line}"));
            if let Err(e) = res {
                tracing::error!(path = %path.display(), error = %e, "cannot append to the audit file");
            }
        }
        match self.items.iter_mut().find(|x| x.id == d.id) {
            Some(x) => *x = d,
            None => {
                if self.items.len() == KEEP {
                    self.items.pop_front();
                }
                self.items.push_back(d);
            }
        }
    }

    pub fn get(&self, id: u64) -> Option<&Decision> {
        self.items.iter().find(|d| d.id == id)
    }

    /// Newest first.
    pub fn recent(&self, limit: usize) -> Vec<Decision> {
        self.items.iter().rev().take(if limit == 0 { usize::MAX } else { limit }).cloned().collect()
    }
}
