//! The state of one subscription stream, without IO: which subscriptions are due, what to send for one switch
//! of a snapshot (all leaves, or only changes and deletions for ON_CHANGE / suppress_redundant), and when to wake.
//!
//! A wake-up is handled switch by switch: [`Session::build`] makes the [`Part`] of one target, the caller sends it
//! and [`Session::commit`]s it, or drops it when the subscriber is behind; the next round diffs against what was
//! really sent, so changes coalesce instead of being lost. Only one switch's messages exist at a time.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use fathom_proto::gnmi;
use tokio::time::Instant;

use crate::telemetry::SwitchTelemetry;

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

/// The subscriptions due at one wake-up, each with whether it resends everything (initial set, heartbeat).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due(Vec<(usize, bool)>);

/// What one target gets at one wake-up.
#[derive(Debug)]
pub struct Part {
    pub notifications: Vec<gnmi::Notification>,
    commits: Vec<(usize, String, HashMap<String, Leaf>)>,
}

/// Updates and deletes of one origin, by leaf key: overlapping subscriptions send a leaf once.
type Group = (BTreeMap<String, gnmi::Update>, BTreeMap<String, gnmi::Path>);

impl Session {
    pub fn new(plan: Plan, now: Instant, on_change_period: Duration) -> Session {
        let states = plan.subs.iter().map(|_| SubState { next_due: now, last_beat: now, sent: Sent::new() }).collect();
        Session { plan, states, on_change_period }
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Every subscription, resending everything: the first data set.
    pub fn due_all(&self) -> Due {
        Due((0..self.plan.subs.len()).map(|i| (i, true)).collect())
    }

    /// The subscriptions due at `now`.
    pub fn due_at(&self, now: Instant) -> Due {
        let due = self.states.iter().zip(&self.plan.subs).enumerate().filter(|(_, (st, _))| st.next_due <= now);
        Due(due.map(|(i, (st, sub))| (i, sub.heartbeat.is_some_and(|h| now >= st.last_beat + h))).collect())
    }

    /// When the next subscription falls due.
    pub fn next_wake(&self) -> Instant {
        self.states.iter().map(|s| s.next_due).min().unwrap_or_else(|| Instant::now() + self.on_change_period)
    }

    /// The notifications of target `sw` for the `due` subscriptions, stamped `timestamp`.
    pub fn build(&self, sw: &SwitchTelemetry, due: &Due, timestamp: i64) -> Part {
        let mut groups: BTreeMap<String, Group> = BTreeMap::new();
        let mut commits = Vec::new();
        for &(i, full) in &due.0 {
            let group = groups.entry(self.plan.subs[i].pattern.origin_str.clone()).or_default();
            if let Some(commit) = self.collect(sw, i, full, group) {
                commits.push((i, sw.name.clone(), commit));
            }
        }
        let mut notifications = Vec::new();
        for (origin, (updates, deletes)) in groups {
            if updates.is_empty() && deletes.is_empty() {
                continue;
            }
            let batch = Batch { updates: updates.into_values().collect(), deletes: deletes.into_values().collect() };
            notifications.extend(encode::notifications(&sw.name, &origin, timestamp, batch));
        }
        Part { notifications, commits }
    }

    /// Records a part as sent (what ON_CHANGE and suppress_redundant diff against).
    pub fn commit(&mut self, part: Part) {
        for (i, target, leaves) in part.commits {
            self.states[i].sent.insert(target, leaves);
        }
    }

    /// Schedules the `due` subscriptions after their wake-up; `complete` when every part of it was sent.
    pub fn schedule(&mut self, due: Due, complete: bool, now: Instant) {
        for (i, full) in due.0 {
            let period = self.period(&self.plan.subs[i]);
            let st = &mut self.states[i];
            st.next_due += period;
            if st.next_due <= now {
                st.next_due = now + period;
            }
            if complete && full {
                st.last_beat = now;
            }
        }
    }

    fn period(&self, sub: &Sub) -> Duration {
        match sub.trigger {
            Trigger::Sample { interval, .. } => interval,
            Trigger::OnChange => self.on_change_period,
        }
    }

    /// Adds the leaves of subscription `i` on `sw` to `group`; returns what to remember when it tracks changes.
    fn collect(&self, sw: &SwitchTelemetry, i: usize, full: bool, group: &mut Group) -> Option<HashMap<String, Leaf>> {
        let sub = &self.plan.subs[i];
        let leaves = leaves::collect(sw, &sub.pattern).into_iter().filter(|l| sub.class.is_none_or(|c| l.class == c));
        let (updates, deletes) = group;
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
