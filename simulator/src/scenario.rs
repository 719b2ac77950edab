//! Scenario files (TOML): topology, engine parameters, workloads, timed faults, duration and seed.
//! The format is documented in `simulator/SCENARIOS.md`; unknown keys are rejected and every error names the line
//! or the field.

use std::path::{Path, PathBuf};

use fathom_topology::{Fabric, FatTreeSpec, LeafSpineSpec};
use serde::{Deserialize, Serialize};

use crate::control::Fault;
use crate::engine::queue::QueueParams;
use crate::error::{Result, SimError};
use crate::workload::WorkloadSpec;

/// A parsed, validated scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default = "d_name")]
    pub name: String,
    #[serde(default = "d_seed")]
    pub seed: u64,
    pub duration_s: f64,
    pub topology: TopologySpec,
    #[serde(default)]
    pub fabric: FabricParams,
    #[serde(default, rename = "workload")]
    pub workloads: Vec<WorkloadSpec>,
    #[serde(default, rename = "fault")]
    pub faults: Vec<FaultSpec>,
    /// Directory relative paths are resolved against (the scenario file's).
    #[serde(skip)]
    pub base_dir: PathBuf,
}

fn d_name() -> String {
    "unnamed".into()
}
fn d_seed() -> u64 {
    1
}

/// The fabric to simulate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum TopologySpec {
    /// Two-tier Clos; speeds in bit/s.
    LeafSpine(LeafSpineSpec),
    /// Three-tier k-ary fat tree.
    FatTree(FatTreeSpec),
    /// A topology JSON file (see `fathom_topology::file`).
    File { path: String },
}

/// Engine parameters (all optional).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FabricParams {
    /// Hash slots per ECMP/WCMP group.
    pub slots: usize,
    /// Utilization above which a link counts as congested.
    pub congestion_threshold: f64,
    /// Congestion-control reaction time constant, microseconds.
    pub cc_tau_us: f64,
    pub ecn_kmin_kb: f64,
    pub ecn_kmax_kb: f64,
    pub ecn_pmax: f64,
    pub pfc_xoff_kb: f64,
    pub buffer_kb: f64,
    pub mtu_bytes: f64,
    /// Window of the queue high-water mark (`max-queue-len`), milliseconds.
    pub telemetry_window_ms: f64,
    /// Fraction of capacity at which converged congestion control drains a standing queue.
    pub cc_drain: f64,
    /// Seed of the switches' hash functions (0: derived from the scenario seed).
    pub hash_seed: u64,
}

impl Default for FabricParams {
    fn default() -> Self {
        let q = QueueParams::default();
        FabricParams {
            slots: fathom_topology::DEFAULT_SLOTS,
            congestion_threshold: 0.9,
            cc_tau_us: q.tau_s * 1e6,
            ecn_kmin_kb: q.kmin_bytes / 1e3,
            ecn_kmax_kb: q.kmax_bytes / 1e3,
            ecn_pmax: q.pmax,
            pfc_xoff_kb: q.xoff_bytes / 1e3,
            buffer_kb: q.buffer_bytes / 1e3,
            mtu_bytes: q.pkt_bytes,
            telemetry_window_ms: 100.0,
            cc_drain: q.drain_frac,
            hash_seed: 0,
        }
    }
}

impl FabricParams {
    pub fn queue(&self) -> QueueParams {
        QueueParams {
            tau_s: self.cc_tau_us * 1e-6,
            kmin_bytes: self.ecn_kmin_kb * 1e3,
            kmax_bytes: self.ecn_kmax_kb * 1e3,
            pmax: self.ecn_pmax,
            xoff_bytes: self.pfc_xoff_kb * 1e3,
            buffer_bytes: self.buffer_kb * 1e3,
            pkt_bytes: self.mtu_bytes,
            pause_refresh_s: QueueParams::default().pause_refresh_s,
            drain_frac: self.cc_drain,
        }
    }
}

/// A fault at a time, optionally cleared later.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    pub at_s: f64,
    /// `link-down`, `switch-down` or `drain`.
    pub kind: String,
    /// `switch:interface` for links, `switch` for switches (drain takes either).
    pub target: String,
    #[serde(default)]
    pub until_s: Option<f64>,
}

impl FaultSpec {
    pub fn fault(&self) -> Result<Fault> {
        match self.kind.as_str() {
            "link-down" => Ok(Fault::LinkDown(self.target.clone())),
            "switch-down" => Ok(Fault::SwitchDown(self.target.clone())),
            "drain" => Ok(Fault::Drain(self.target.clone())),
            other => Err(SimError::Scenario {
                field: "fault.kind".into(),
                reason: format!("unknown fault kind '{other}' (expected link-down, switch-down or drain)"),
            }),
        }
    }
}

fn bad(field: &str, reason: impl Into<String>) -> SimError {
    SimError::Scenario { field: field.into(), reason: reason.into() }
}

impl Scenario {
    /// Parses and validates scenario text. Syntax and schema errors name the line and column.
    pub fn from_toml(text: &str) -> Result<Self> {
        let sc: Scenario = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            SimError::Scenario {
                field: line.map(|l| format!("line {l}")).unwrap_or_else(|| "file".into()),
                reason: e.message().to_string(),
            }
        })?;
        sc.validate()?;
        Ok(sc)
    }

    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| SimError::Io { path: path.display().to_string(), source })?;
        let mut sc = Self::from_toml(&text).map_err(|e| match e {
            SimError::Scenario { field, reason } => {
                SimError::Scenario { field: format!("{} {field}", path.display()), reason }
            }
            other => other,
        })?;
        sc.base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(sc)
    }

    fn validate(&self) -> Result<()> {
        if !(self.duration_s > 0.0 && self.duration_s.is_finite() && self.duration_s <= 1e7) {
            return Err(bad("duration_s", "must be a positive number of seconds (at most 1e7)"));
        }
        let p = &self.fabric;
        if !(1..=4096).contains(&p.slots) {
            return Err(bad("fabric.slots", "must be 1..=4096"));
        }
        if !(p.congestion_threshold > 0.0 && p.congestion_threshold <= 1.0) {
            return Err(bad("fabric.congestion_threshold", "must be within (0, 1]"));
        }
        for (k, v) in [
            ("fabric.cc_tau_us", p.cc_tau_us),
            ("fabric.pfc_xoff_kb", p.pfc_xoff_kb),
            ("fabric.buffer_kb", p.buffer_kb),
            ("fabric.mtu_bytes", p.mtu_bytes),
            ("fabric.telemetry_window_ms", p.telemetry_window_ms),
        ] {
            if !(v > 0.0 && v.is_finite()) {
                return Err(bad(k, format!("must be positive, got {v}")));
            }
        }
        if !(p.cc_drain > 0.0 && p.cc_drain < 1.0) {
            return Err(bad("fabric.cc_drain", "must be within (0, 1)"));
        }
        if !(p.ecn_kmin_kb >= 0.0 && p.ecn_kmax_kb > p.ecn_kmin_kb && (0.0..=1.0).contains(&p.ecn_pmax)) {
            return Err(bad("fabric.ecn_*", "need 0 <= ecn_kmin_kb < ecn_kmax_kb and ecn_pmax within 0..=1"));
        }
        for (i, f) in self.faults.iter().enumerate() {
            f.fault().map_err(|e| bad(&format!("fault[{i}].kind"), e.to_string()))?;
            if !(f.at_s >= 0.0 && f.at_s.is_finite()) || f.until_s.is_some_and(|u| !(u > f.at_s)) {
                return Err(bad(&format!("fault[{i}]"), "need at_s >= 0 and until_s > at_s"));
            }
        }
        Ok(())
    }

    /// Builds the fabric the scenario names.
    pub fn build_fabric(&self) -> Result<Fabric> {
        match &self.topology {
            TopologySpec::LeafSpine(s) => Ok(s.build()?),
            TopologySpec::FatTree(s) => Ok(s.build()?),
            TopologySpec::File { path } => {
                let p = self.base_dir.join(path);
                let text = std::fs::read_to_string(&p)
                    .map_err(|source| SimError::Io { path: p.display().to_string(), source })?;
                Ok(fathom_topology::file::from_json(&text)?)
            }
        }
    }

    pub fn duration_ns(&self) -> u64 {
        (self.duration_s * 1e9).round() as u64
    }
}
