//! A writer that holds plans in memory and programs nothing: what `observe` mode and tests use. It enforces the
//! same fencing and all-or-nothing rules as a device, so code paths behave the same.

use std::collections::BTreeMap;
use std::sync::Mutex;

use fathom_topology::{quantize, Prefix, DEFAULT_SLOTS};

use crate::error::{Result, SouthboundError};
use crate::plan::{Installed, InstalledTable, Plan, TableSpec};
use crate::{ApplyReport, BoxFuture, Southbound};

#[derive(Debug, Default)]
struct State {
    tables: BTreeMap<(String, Prefix), Vec<String>>,
    highest_token: u64,
    applied: Vec<Plan>,
}

/// In-memory writer.
#[derive(Debug, Default)]
pub struct DryRunWriter {
    // Why a lock: `Southbound` takes `&self` (writers are shared by the control loop and the API's read-back);
    // every access is a short critical section with no await inside.
    state: Mutex<State>,
}

impl DryRunWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every plan accepted so far, in order.
    pub fn applied(&self) -> Vec<Plan> {
        self.state.lock().expect("dry-run state lock poisoned").applied.clone()
    }

    /// Simulates another actor changing a table behind the controller's back (for divergence tests).
    pub fn tamper(&self, device: &str, prefix: Prefix, slots: Vec<String>) {
        self.state.lock().expect("dry-run state lock poisoned").tables.insert((device.to_string(), prefix), slots);
    }
}

fn slots_of(spec: &TableSpec) -> Vec<String> {
    match spec {
        TableSpec::Slots(s) => s.clone(),
        TableSpec::Weights(w) => {
            let counts = quantize(&w.iter().map(|x| x.1).collect::<Vec<_>>(), DEFAULT_SLOTS).unwrap_or_default();
            w.iter().zip(counts).flat_map(|((name, _), c)| std::iter::repeat_n(name.clone(), c)).collect()
        }
    }
}

impl Southbound for DryRunWriter {
    fn name(&self) -> &'static str {
        "dry-run"
    }

    fn apply<'a>(&'a self, plan: &'a Plan) -> BoxFuture<'a, Result<ApplyReport>> {
        Box::pin(async move {
            plan.validate()?;
            let mut st = self.state.lock().expect("dry-run state lock poisoned");
            if plan.token < st.highest_token {
                return Err(SouthboundError::Fenced { token: plan.token, highest: st.highest_token });
            }
            let mut changed = 0u64;
            for e in &plan.entries {
                let new = slots_of(&e.spec);
                let old = st.tables.insert((e.device.clone(), e.prefix), new.clone()).unwrap_or_default();
                changed += new.iter().enumerate().filter(|(i, s)| old.get(*i) != Some(s)).count() as u64;
            }
            st.highest_token = plan.token;
            st.applied.push(plan.clone());
            Ok(ApplyReport { changed_slots: changed })
        })
    }

    fn installed<'a>(&'a self, devices: Option<&'a [String]>) -> BoxFuture<'a, Result<Installed>> {
        Box::pin(async move {
            let st = self.state.lock().expect("dry-run state lock poisoned");
            let tables = st
                .tables
                .iter()
                .filter(|((d, _), _)| devices.is_none_or(|ds| ds.contains(d)))
                .map(|((d, p), s)| InstalledTable {
                    device: d.clone(),
                    prefix: *p,
                    slots: s.clone(),
                    default_ecmp: false,
                })
                .collect();
            Ok(Installed { tables, highest_token: st.highest_token })
        })
    }
}
