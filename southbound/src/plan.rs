//! What the controller asks the fabric to hold, and what the fabric reports holding.

use std::collections::BTreeMap;

use fathom_topology::{quantize, Prefix};
use serde::Serialize;

use crate::error::{Result, SouthboundError};

/// How a device's table for one prefix should look.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TableSpec {
    /// The exact egress interface of every hash slot.
    Slots(Vec<String>),
    /// A weight per egress interface; the device quantizes it into its table size.
    Weights(Vec<(String, f64)>),
}

/// One device table to program: a switch's, or a host's (host-based path selection).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanEntry {
    pub device: String,
    pub prefix: Prefix,
    pub spec: TableSpec,
}

/// A batch of table changes, applied all-or-nothing, fenced by the writer's leadership epoch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// Identifies the plan in logs and the decision record.
    pub id: u64,
    /// The leader's epoch. Devices refuse plans older than one they accepted. Never 0.
    pub token: u64,
    pub entries: Vec<PlanEntry>,
}

impl Plan {
    /// Checks what can be checked without the device: a token, entries, finite non-negative weights, no duplicate
    /// (device, prefix), no duplicate interface in one weight list.
    pub fn validate(&self) -> Result<()> {
        let bad = |reason: String| Err(SouthboundError::InvalidPlan { reason });
        if self.token == 0 {
            return bad("fencing token 0: a controller must write with its leadership epoch".into());
        }
        if self.entries.is_empty() {
            return bad("no entries".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, e) in self.entries.iter().enumerate() {
            if e.device.is_empty() {
                return bad(format!("entry {i}: empty device name"));
            }
            if !seen.insert((e.device.as_str(), e.prefix)) {
                return bad(format!("entry {i}: {} {} appears twice", e.device, e.prefix));
            }
            match &e.spec {
                TableSpec::Slots(s) if s.is_empty() => return bad(format!("entry {i}: empty slot list")),
                TableSpec::Weights(w) => {
                    if w.iter().any(|(_, x)| !(x.is_finite() && *x >= 0.0)) || w.iter().all(|(_, x)| *x == 0.0) {
                        return bad(format!("entry {i}: weights must be finite, non-negative and not all zero"));
                    }
                    let mut names: Vec<&str> = w.iter().map(|(n, _)| n.as_str()).collect();
                    names.sort_unstable();
                    if names.windows(2).any(|p| p[0] == p[1]) {
                        return bad(format!("entry {i}: an interface appears twice"));
                    }
                }
                TableSpec::Slots(_) => {}
            }
        }
        Ok(())
    }
}

/// A table as the device holds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstalledTable {
    pub device: String,
    pub prefix: Prefix,
    pub slots: Vec<String>,
    /// The device's default fill (never programmed).
    pub default_ecmp: bool,
}

impl InstalledTable {
    /// Slots per egress interface.
    pub fn counts(&self) -> BTreeMap<&str, usize> {
        let mut m = BTreeMap::new();
        for s in &self.slots {
            *m.entry(s.as_str()).or_insert(0) += 1;
        }
        m
    }
}

/// What a device reports holding.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Installed {
    pub tables: Vec<InstalledTable>,
    /// Highest fencing token the device accepted (0: none).
    pub highest_token: u64,
}

impl Installed {
    pub fn get(&self, device: &str, prefix: &Prefix) -> Option<&InstalledTable> {
        self.tables.iter().find(|t| t.device == device && t.prefix == *prefix)
    }
}

/// A table that does not hold what the plan asked for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Divergence {
    pub device: String,
    pub prefix: Prefix,
    /// What the plan asked for, as slots per interface.
    pub expected: BTreeMap<String, usize>,
    /// What the device holds, as slots per interface (empty when the table is missing).
    pub actual: BTreeMap<String, usize>,
}

/// Compares a plan entry with what is installed: slot lists exactly, weights by their quantization into the
/// installed table's size (the device may place slots differently, but the counts must match).
pub fn diverges(entry: &PlanEntry, installed: Option<&InstalledTable>) -> Option<Divergence> {
    let actual: BTreeMap<String, usize> =
        installed.map(|t| t.counts().into_iter().map(|(k, v)| (k.to_string(), v)).collect()).unwrap_or_default();
    let mk = |expected: BTreeMap<String, usize>| Divergence {
        device: entry.device.clone(),
        prefix: entry.prefix,
        expected,
        actual: actual.clone(),
    };
    let counts_of = |slots: &[String]| {
        let mut m = BTreeMap::new();
        for s in slots {
            *m.entry(s.clone()).or_insert(0) += 1;
        }
        m
    };
    match (&entry.spec, installed) {
        (TableSpec::Slots(s), Some(t)) if *s == t.slots && !t.default_ecmp => None,
        (TableSpec::Slots(s), _) => Some(mk(counts_of(s))),
        (TableSpec::Weights(w), t) => {
            let n = t.map_or(fathom_topology::DEFAULT_SLOTS, |t| t.slots.len());
            let counts = quantize(&w.iter().map(|x| x.1).collect::<Vec<_>>(), n).ok()?;
            let expected: BTreeMap<String, usize> =
                w.iter().map(|x| x.0.clone()).zip(counts).filter(|(_, c)| *c > 0).collect();
            match t {
                Some(t) if !t.default_ecmp && expected == actual => None,
                _ => Some(mk(expected)),
            }
        }
    }
}
