//! The controller's state machine (pure): one call per control round turns telemetry into decisions and the
//! effects to carry out (southbound writes). The safety gate lives here: the mode (observe / advise / auto), the
//! per-round budget (enforced by the decision step), approval of pending plans, and rollback of a change whose
//! observed outcome is worse than the state before it.

use fathom_ingest::IngestSnapshot;
use fathom_southbound::{Plan, PlanEntry, SouthboundError, TableSpec};

use super::config::{Config, Mode};
use super::decide::DecideConfig;
use super::decision::{Decision, HotspotRecord, Log, OutcomeRecord, State};
use super::forecast::Model as ForecastModel;
use super::model::Model;
use super::round;

/// What the async shell must do after a round.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Write this plan, then report with [`Controller::applied`].
    Apply { decision: u64, plan: Plan },
}

/// An applied decision whose outcome is not judged yet, with what to restore on rollback.
#[derive(Debug, Clone)]
struct Watch {
    decision: u64,
    applied_round: u64,
    previous: Vec<PlanEntry>,
}

/// The controller.
#[derive(Debug)]
pub struct Controller {
    cfg: Config,
    pub model: Model,
    forecaster: ForecastModel,
    pub mode: Mode,
    pub epoch: u64,
    pub log: Log,
    next_id: u64,
    /// Pending decision (advise mode) and its plan; approved when `approved_by` is set.
    pending: Option<(u64, Vec<PlanEntry>)>,
    watching: Vec<Watch>,
    /// The last round's forecasts (for the operator view).
    pub last_forecasts: round::Forecasts,
    /// Observed max utilization of recent rounds (newest last): outcomes are judged on the peak over a window
    /// as long as the horizon, so a periodic burst is compared with a burst, not with a quiet phase.
    recent_max: std::collections::VecDeque<f64>,
}

impl Controller {
    /// Uses a static topology (from `topology.file`) as the fallback, or as the only source when
    /// `topology.source = "file"`.
    pub fn with_topology(mut self, fabric: fathom_topology::Fabric) -> Self {
        let lldp = self.cfg.topology.source != "file";
        self.model = std::mem::take(&mut self.model).with_static_topology(fabric, lldp);
        self
    }

    pub fn new(cfg: Config, epoch: u64) -> Self {
        Controller {
            forecaster: ForecastModel::by_name(&cfg.control.forecaster),
            mode: cfg.control.mode,
            log: Log::new(cfg.audit.path.clone()),
            cfg,
            model: Model::new(),
            epoch,
            next_id: 1,
            pending: None,
            watching: Vec::new(),
            last_forecasts: round::Forecasts::default(),
            recent_max: std::collections::VecDeque::new(),
        }
    }

    fn horizon_rounds(&self) -> usize {
        (self.cfg.control.horizon_ms / self.cfg.control.interval_ms).max(1) as usize
    }

    fn envelope_rounds(&self) -> usize {
        (self.cfg.control.envelope_ms / self.cfg.control.interval_ms) as usize
    }

    /// Max utilization over usable switch-to-switch links observed this round.
    pub fn observed_max(&self) -> f64 {
        let switches = &self.model.switches; // sorted
        let is_switch = |p: &str| switches.binary_search_by(|s| s.as_str().cmp(p)).is_ok();
        self.model
            .links
            .iter()
            .filter(|(n, l)| l.peer.split(':').next().is_some_and(is_switch) && self.model.usable(n))
            .map(|(_, l)| l.utilization)
            .fold(0.0, f64::max)
    }

    fn decide_cfg(&self) -> DecideConfig {
        let c = &self.cfg.control;
        DecideConfig {
            hotspot_threshold: c.hotspot_threshold,
            min_improvement: c.min_improvement,
            max_traffic_moved: c.max_traffic_moved,
            max_moves: 4096,
        }
    }

    /// One control round at wall time `now_ms`.
    pub fn round(&mut self, snap: &IngestSnapshot, now_ms: i64) -> Vec<Effect> {
        self.model.observe(snap);
        let window = self.horizon_rounds().max(self.cfg.control.judge_after_rounds as usize);
        self.recent_max.push_back(self.observed_max());
        while self.recent_max.len() > window {
            self.recent_max.pop_front();
        }
        let mut effects = Vec::new();
        effects.extend(self.judge());
        if let Some(e) = self.take_approved() {
            effects.push(e);
        }
        let fc = round::forecast(&self.model, &self.forecaster, self.horizon_rounds(), self.envelope_rounds());
        let envelope = self.envelope_rounds().max(self.horizon_rounds());
        let draft = round::draft(&self.model, &fc, &self.decide_cfg(), envelope, self.cfg.control.interval_ms);
        self.last_forecasts = fc;
        if draft.entries.is_empty() {
            return effects;
        }
        let id = self.next_id;
        self.next_id += 1;
        let state = match self.mode {
            Mode::Observe => State::Observed,
            Mode::Advise => State::Pending,
            Mode::Auto => State::Applying,
        };
        let lead = draft.changes.iter().map(|c| c.lead_time_ms).fold(f64::INFINITY, f64::min);
        let lead = if lead.is_finite() { lead } else { 0.0 };
        let d = Decision {
            id,
            at_ms: now_ms,
            round: self.model.round,
            state,
            mode: self.mode,
            approved_by: (self.mode == Mode::Auto).then(|| "auto".to_string()),
            epoch: self.epoch,
            forecaster: self.cfg.control.forecaster.clone(),
            explanation: draft.proposal.reason.clone(),
            predicted_max_before: draft.proposal.max_before,
            predicted_max_after: draft.proposal.max_after,
            observed_max_before: self.windowed_max(),
            moved_share: draft.proposal.moved_share,
            hotspots: draft
                .hotspots
                .iter()
                .map(|h| HotspotRecord { link: h.0.clone(), utilization: h.1, forecast: h.2 })
                .collect(),
            changes: draft.changes.clone(),
            outcomes: Vec::new(),
            lead_time_ms: lead,
            error: None,
        };
        self.log.record(d);
        match self.mode {
            Mode::Observe => {}
            Mode::Advise => {
                if let Some((old, _)) = self.pending.replace((id, draft.entries)) {
                    self.set_state(old, State::Expired, None);
                }
            }
            Mode::Auto => effects.push(self.effect(id, draft.entries)),
        }
        effects
    }

    fn effect(&mut self, id: u64, entries: Vec<PlanEntry>) -> Effect {
        Effect::Apply { decision: id, plan: Plan { id, token: self.epoch, entries } }
    }

    fn set_state(&mut self, id: u64, state: State, error: Option<String>) {
        if let Some(mut d) = self.log.get(id).cloned() {
            d.state = state;
            d.error = error;
            self.log.record(d);
        }
    }

    fn take_approved(&mut self) -> Option<Effect> {
        let (id, _) = self.pending.as_ref()?;
        let approved = self.log.get(*id).is_some_and(|d| d.approved_by.is_some());
        if !approved {
            return None;
        }
        let (id, entries) = self.pending.take()?;
        self.set_state(id, State::Applying, None);
        Some(self.effect(id, entries))
    }

    /// The southbound's answer for a decision's plan.
    pub fn applied(&mut self, decision: u64, result: Result<u64, SouthboundError>, previous: Vec<PlanEntry>) {
        match result {
            Ok(_) => {
                let rollback = self.log.get(decision).is_some_and(|d| d.state == State::RolledBack);
                if !rollback {
                    self.set_state(decision, State::Applied, None);
                    self.watching.push(Watch { decision, applied_round: self.model.round, previous });
                }
            }
            Err(
                e @ (SouthboundError::Rejected { .. }
                | SouthboundError::Fenced { .. }
                | SouthboundError::InvalidPlan { .. }),
            ) => {
                self.set_state(decision, State::Rejected, Some(e.to_string()));
            }
            Err(e) => self.set_state(decision, State::Failed, Some(e.to_string())),
        }
    }

    /// Peak of the observed max utilization over the judging window.
    pub fn windowed_max(&self) -> f64 {
        self.recent_max.iter().copied().fold(0.0, f64::max)
    }

    /// Judges applied decisions; returns rollback writes for those that made things worse.
    fn judge(&mut self) -> Vec<Effect> {
        let now_round = self.model.round;
        let observed = self.windowed_max();
        let after = self.cfg.control.judge_after_rounds as u64;
        let tol = self.cfg.control.rollback_tolerance;
        let mut effects = Vec::new();
        let mut keep = Vec::new();
        for w in std::mem::take(&mut self.watching) {
            let rounds = now_round.saturating_sub(w.applied_round);
            let Some(mut d) = self.log.get(w.decision).cloned() else { continue };
            if rounds == 1 || rounds == after {
                // Worse: the fabric is congested after the change and more than before it.
                let thr = self.cfg.control.hotspot_threshold;
                let worse = rounds == after && observed > d.observed_max_before + tol && observed > thr;
                d.outcomes.push(OutcomeRecord {
                    after_rounds: rounds as u32,
                    observed_max_utilization: observed,
                    predicted_max_utilization: d.predicted_max_after,
                    rolled_back: worse,
                });
                if worse && !w.previous.is_empty() {
                    d.state = State::RolledBack;
                    self.log.record(d);
                    effects.push(Effect::Apply {
                        decision: w.decision,
                        plan: Plan { id: w.decision, token: self.epoch, entries: w.previous.clone() },
                    });
                    continue;
                }
                self.log.record(d);
            }
            if rounds < after {
                keep.push(w);
            }
        }
        self.watching = keep;
        effects
    }

    /// Approves the pending plan `id`; it is written in the next round.
    pub fn approve(&mut self, id: u64, who: &str) -> Result<Decision, String> {
        match &self.pending {
            Some((p, _)) if *p == id => {}
            _ => {
                return Err(match self.log.get(id) {
                    Some(d) => format!(
                        "plan {id} is {}, not pending; list pending plans with `fathomctl plans`",
                        d.state.as_str()
                    ),
                    None => format!("no plan {id}; list pending plans with `fathomctl plans`"),
                })
            }
        }
        let mut d = self.log.get(id).cloned().ok_or_else(|| format!("no plan {id}"))?;
        d.approved_by = Some(if who.is_empty() { "operator".into() } else { who.to_string() });
        self.log.record(d.clone());
        Ok(d)
    }

    pub fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
        if mode != Mode::Advise {
            if let Some((id, _)) = self.pending.take() {
                self.set_state(id, State::Expired, None);
            }
        }
    }

    pub fn pending_plans(&self) -> Vec<Decision> {
        self.pending.as_ref().and_then(|(id, _)| self.log.get(*id).cloned()).into_iter().collect()
    }

    /// The tables a plan's entries replace (for rollback), from the model's slot telemetry.
    pub fn current_tables(&self, plan: &Plan) -> Vec<PlanEntry> {
        plan.entries
            .iter()
            .filter_map(|e| {
                let pre = e.prefix.to_string();
                let slots: Vec<String> = self
                    .model
                    .slots
                    .range((e.device.clone(), pre.clone(), 0)..=(e.device.clone(), pre, u32::MAX))
                    .map(|(_, s)| s.next_hop.clone())
                    .collect();
                (!slots.is_empty()).then(|| PlanEntry {
                    device: e.device.clone(),
                    prefix: e.prefix,
                    spec: TableSpec::Slots(slots),
                })
            })
            .collect()
    }
}
