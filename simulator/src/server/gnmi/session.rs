//! The state of one subscription stream, without IO: which subscriptions are due, what to send for a snapshot
//! (all leaves, or only changes and deletions for ON_CHANGE / suppress_redundant), and when to wake next.
//!
//! A round is built first and committed only once sent: when the subscriber's queue is full the caller drops the
//! round, and the next one diffs against what was really sent, so changes coalesce instead of being lost.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use fathom_proto::gnmi;
use tokio::time::Instant;

use crate::telemetry::{SwitchTelemetry, TelemetrySnapshot};

use super::encode::{self, Batch};
use super::leaves::{self, Leaf};
use super::path::leaf_key;
use super::plan::{Plan, Sub, Trigger};

/// Leaves last sent, per target, per leaf key.
type Sent = HashMap<String, HashMap<String, Leaf>>;

#[derive(Debug)]
pub struct Session {
    plan: Plan,
    states: Vec<SubState>,
    /// How often ON_CHANGE subscriptions look for changes.
    on_change_period: Duration,
}

#[derive(Debug)]
struct SubState {
    next_due: Instant,
    last_beat: Instant,
    sent: Sent,
}

/// What one wake-up produces.
#[derive(Debug)]
pub struct Round {
    pub notifications: Vec<gnmi::Notification>,
    /// (subscription, full resend) for every subscription that was due.
    due: Vec<(usize, bool)>,
    commits: Vec<(usize, String, HashMap<String, Leaf>)>,
}

/// Updates and deletes of one (target, origin), by leaf key: overlapping subscriptions send a leaf once.
type Group = (BTreeMap<String, gnmi::Update>, BTreeMap<String, gnmi::Path>);

/// Notifications grouped by (target, origin).
#[derive(Default)]
struct Groups(BTreeMap<(String, String), Group>);

impl Session {
    pub fn new(plan: Plan, now: Instant, on_change_period: Duration) -> Session {
        let states = plan.subs.iter().map(|_| SubState { next_due: now, last_beat: now, sent: Sent::new() }).collect();
        Session { plan, states, on_change_period }
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The first full data set (nothing when `updates_only`); it is committed at once.
    pub fn initial(&mut self, snap: &TelemetrySnapshot, now: Instant) -> Vec<gnmi::Notification> {
        let due: Vec<_> = (0..self.plan.subs.len()).map(|i| (i, true)).collect();
        let mut round = self.build(snap, due);
        if self.plan.updates_only {
            round.notifications.clear();
        }
        let notifications = std::mem::take(&mut round.notifications);
        self.finish(round, true, now);
        notifications
    }

    /// When the next subscription falls due.
    pub fn next_wake(&self) -> Instant {
        self.states.iter().map(|s| s.next_due).min().unwrap_or_else(|| Instant::now() + self.on_change_period)
    }

    /// The round for the subscriptions due at `now`.
    pub fn round(&self, snap: &TelemetrySnapshot, now: Instant) -> Round {
        let due = self
            .states
            .iter()
            .zip(&self.plan.subs)
            .enumerate()
            .filter(|(_, (st, _))| st.next_due <= now)
            .map(|(i, (st, sub))| (i, sub.heartbeat.is_some_and(|h| now >= st.last_beat + h)))
            .collect();
        self.build(snap, due)
    }

    /// Schedules the due subscriptions; records what was sent when `sent`.
    pub fn finish(&mut self, round: Round, sent: bool, now: Instant) {
        for &(i, full) in &round.due {
            let period = self.period(&self.plan.subs[i]);
            let st = &mut self.states[i];
            st.next_due += period;
            if st.next_due <= now {
                st.next_due = now + period;
            }
            if sent && full {
                st.last_beat = now;
            }
        }
        if sent {
            for (i, target, leaves) in round.commits {
                self.states[i].sent.insert(target, leaves);
            }
        }
    }

    fn period(&self, sub: &Sub) -> Duration {
        match sub.trigger {
            Trigger::Sample { interval, .. } => interval,
            Trigger::OnChange => self.on_change_period,
        }
    }

    fn build(&self, snap: &TelemetrySnapshot, due: Vec<(usize, bool)>) -> Round {
        let mut groups = Groups::default();
        let mut commits = Vec::new();
        for sw in self.plan.targets.select(snap) {
            for &(i, full) in &due {
                if let Some(commit) = self.collect(sw, i, full, &mut groups) {
                    commits.push((i, sw.name.clone(), commit));
                }
            }
        }
        let notifications = groups.into_notifications(snap.timestamp_ns);
        Round { notifications, due, commits }
    }

    /// Adds the leaves of subscription `i` on `sw` to `groups`; returns what to remember when it tracks changes.
    fn collect(
        &self,
        sw: &SwitchTelemetry,
        i: usize,
        full: bool,
        groups: &mut Groups,
    ) -> Option<HashMap<String, Leaf>> {
        let sub = &self.plan.subs[i];
        let leaves = leaves::collect(sw, &sub.pattern).into_iter().filter(|l| sub.class.is_none_or(|c| l.class == c));
        let (updates, deletes) = groups.entry(&sw.name, &sub.pattern.origin_str);
        let enc = self.plan.encoding;
        if !tracks_changes(sub) {
            for l in leaves {
                updates.insert(leaf_key(&l.path), encode::update(&l, enc));
            }
            return None;
        }
        let current: HashMap<String, Leaf> = leaves.map(|l| (leaf_key(&l.path), l)).collect();
        let previous = self.states[i].sent.get(&sw.name);
        for (k, l) in &current {
            if full || previous.and_then(|p| p.get(k)).is_none_or(|old| old.value != l.value) {
                updates.insert(k.clone(), encode::update(l, enc));
            }
        }
        for (k, old) in previous.into_iter().flatten().filter(|(k, _)| !current.contains_key(*k)) {
            deletes.insert(k.clone(), encode::path(&old.path));
        }
        Some(current)
    }
}

fn tracks_changes(sub: &Sub) -> bool {
    matches!(sub.trigger, Trigger::OnChange | Trigger::Sample { suppress_redundant: true, .. })
}

impl Groups {
    fn entry(
        &mut self,
        target: &str,
        origin: &str,
    ) -> (&mut BTreeMap<String, gnmi::Update>, &mut BTreeMap<String, gnmi::Path>) {
        let (u, d) = self.0.entry((target.to_string(), origin.to_string())).or_default();
        (u, d)
    }

    fn into_notifications(self, timestamp: i64) -> Vec<gnmi::Notification> {
        let mut out = Vec::new();
        for ((target, origin), (updates, deletes)) in self.0 {
            if updates.is_empty() && deletes.is_empty() {
                continue;
            }
            let batch = Batch { updates: updates.into_values().collect(), deletes: deletes.into_values().collect() };
            out.extend(encode::notifications(&target, &origin, timestamp, batch));
        }
        out
    }
}
