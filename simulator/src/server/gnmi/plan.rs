//! A `SubscriptionList` checked and turned into a [`Plan`]: which targets, which patterns, when to send. Every
//! refusal happens here, before the response stream opens, so clients get a plain gRPC status.

use std::time::Duration;

use fathom_proto::gnmi::{self, subscription_list::Mode};
use tonic::Status;

use crate::telemetry::{SwitchTelemetry, TelemetrySnapshot};

use super::encode::Encoding;
use super::leaves::Class;
use super::path::Pattern;

/// The switches a request addresses through `prefix.target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Targets {
    /// `*`: every switch; each notification names its own.
    All,
    One(String),
}

impl Targets {
    pub fn parse(prefix: Option<&gnmi::Path>, snap: &TelemetrySnapshot) -> Result<Targets, Status> {
        let target = prefix.map(|p| p.target.as_str()).unwrap_or("");
        match target {
            "" => Err(Status::invalid_argument(
                "prefix.target is empty: set it to a switch name (or `*` for every switch)",
            )),
            "*" => Ok(Targets::All),
            name => match snap.switch(name) {
                None => Err(Status::not_found(format!("target '{name}' is not a switch of this fabric"))),
                Some(sw) if !sw.up => Err(Status::unavailable(format!("target '{name}' is down"))),
                Some(_) => Ok(Targets::One(name.to_string())),
            },
        }
    }

    /// The addressed switches that are up now (a switch that is down answers nothing, like an unreachable one).
    pub fn select<'s>(&'s self, snap: &'s TelemetrySnapshot) -> impl Iterator<Item = &'s SwitchTelemetry> + 's {
        snap.switches.iter().filter(move |s| {
            s.up && match self {
                Targets::All => true,
                Targets::One(n) => *n == s.name,
            }
        })
    }
}

/// When a subscription sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// Every `interval`; with `suppress_redundant` only leaves whose value changed.
    Sample { interval: Duration, suppress_redundant: bool },
    /// The initial value, then changes (checked every minimum sample interval).
    OnChange,
}

/// One effective subscription (TARGET_DEFINED becomes two: counters sampled, state on change).
#[derive(Debug, Clone)]
pub struct Sub {
    pub pattern: Pattern,
    /// Only leaves of this class, when set.
    pub class: Option<Class>,
    pub trigger: Trigger,
    /// Resend everything this often even when unchanged.
    pub heartbeat: Option<Duration>,
}

/// How a subscription list runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListMode {
    Stream,
    Once,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub targets: Targets,
    pub mode: ListMode,
    pub encoding: Encoding,
    pub updates_only: bool,
    pub subs: Vec<Sub>,
}

/// Validates `list` against the fabric in `snap` and the target's fastest interval `min_interval`.
pub fn plan(list: &gnmi::SubscriptionList, snap: &TelemetrySnapshot, min_interval: Duration) -> Result<Plan, Status> {
    let mode = match Mode::try_from(list.mode) {
        Ok(Mode::Stream) => ListMode::Stream,
        Ok(Mode::Once) => ListMode::Once,
        Ok(Mode::Poll) => {
            return Err(Status::unimplemented(
                "POLL subscriptions are not supported: use STREAM (SAMPLE or ON_CHANGE) or ONCE",
            ))
        }
        Err(_) => return Err(Status::invalid_argument(format!("subscription mode {} is unknown", list.mode))),
    };
    let encoding = Encoding::from_wire(list.encoding)?;
    let targets = Targets::parse(list.prefix.as_ref(), snap)?;
    if list.subscription.is_empty() {
        return Err(Status::invalid_argument("the subscription list is empty"));
    }
    let mut subs = Vec::new();
    for (i, s) in list.subscription.iter().enumerate() {
        let pattern = Pattern::new(list.prefix.as_ref(), s.path.as_ref())?;
        match mode {
            ListMode::Once => {
                let trigger = Trigger::Sample { interval: min_interval, suppress_redundant: false };
                subs.push(Sub { pattern, class: None, trigger, heartbeat: None });
            }
            ListMode::Stream => subs.extend(stream_subs(i, s, pattern, min_interval)?),
        }
    }
    Ok(Plan { targets, mode, encoding, updates_only: list.updates_only, subs })
}

fn stream_subs(i: usize, s: &gnmi::Subscription, pattern: Pattern, min: Duration) -> Result<Vec<Sub>, Status> {
    let every = interval(i, "sample_interval", s.sample_interval, min)?.unwrap_or(min);
    let heartbeat = interval(i, "heartbeat_interval", s.heartbeat_interval, min)?;
    let sample = Trigger::Sample { interval: every, suppress_redundant: s.suppress_redundant };
    let sub = |class, trigger| Sub { pattern: pattern.clone(), class, trigger, heartbeat };
    match gnmi::SubscriptionMode::try_from(s.mode) {
        Ok(gnmi::SubscriptionMode::Sample) => Ok(vec![sub(None, sample)]),
        Ok(gnmi::SubscriptionMode::OnChange) => Ok(vec![sub(None, Trigger::OnChange)]),
        Ok(gnmi::SubscriptionMode::TargetDefined) => {
            Ok(vec![sub(Some(Class::Counter), sample), sub(Some(Class::State), Trigger::OnChange)])
        }
        Err(_) => Err(Status::invalid_argument(format!("subscription[{i}]: mode {} is unknown", s.mode))),
    }
}

/// `None` for 0 (target's choice); an error naming the minimum when below it.
fn interval(i: usize, field: &str, ns: u64, min: Duration) -> Result<Option<Duration>, Status> {
    let d = Duration::from_nanos(ns);
    match ns {
        0 => Ok(None),
        _ if d < min => Err(Status::invalid_argument(format!(
            "subscription[{i}]: {field} {ns} ns ({d:?}) is below the minimum of {} ns ({min:?})",
            min.as_nanos()
        ))),
        _ => Ok(Some(d)),
    }
}
