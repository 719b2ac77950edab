//! Workload entries of a scenario file (`[[workload]]` tables, selected by `kind`), with documented defaults.

use fathom_topology::{Fabric, NodeId};
use serde::{Deserialize, Serialize};

use super::background::{Background, BackgroundParams};
use super::collective::{Collective, CollectiveParams, Pattern};
use super::incast::{Incast, IncastParams};
use super::inference::{Inference, InferenceParams};
use super::pipeline::{Pipeline, PipelineParams};
use super::placement::{ring_order, HostPool, Placement};
use super::{ms, Workload};
use crate::engine::state::Class;
use crate::error::{Result, SimError};
use crate::rng::Rng;

fn d_true() -> bool {
    true
}

/// One `[[workload]]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum WorkloadSpec {
    /// Data-parallel training: ring all-reduce of `gradient_gb` after `compute_ms` of compute, every iteration.
    Training {
        #[serde(default)]
        name: Option<String>,
        #[serde(default = "d_hosts")]
        hosts: usize,
        #[serde(default)]
        placement: Placement,
        /// Job hosts per leaf for fragmented placement (0: half a leaf).
        #[serde(default)]
        hosts_per_leaf: usize,
        /// Ring order across leaves (true) or leaf by leaf (false).
        #[serde(default = "d_true")]
        interleaved: bool,
        #[serde(default = "d_grad")]
        gradient_gb: f64,
        #[serde(default = "d_compute")]
        compute_ms: f64,
        #[serde(default = "d_qps")]
        qps: usize,
        #[serde(default)]
        iterations: Option<u64>,
        #[serde(default)]
        start_ms: f64,
    },
    /// Mixture-of-experts: all-to-all of `tokens_mb` per member after `compute_ms`, every iteration.
    Moe {
        #[serde(default)]
        name: Option<String>,
        #[serde(default = "d_hosts")]
        hosts: usize,
        #[serde(default)]
        placement: Placement,
        #[serde(default)]
        hosts_per_leaf: usize,
        #[serde(default = "d_tokens")]
        tokens_mb: f64,
        #[serde(default = "d_moe_compute")]
        compute_ms: f64,
        #[serde(default = "d_qps")]
        qps: usize,
        #[serde(default)]
        iterations: Option<u64>,
        #[serde(default)]
        start_ms: f64,
    },
    /// Pipeline parallel: `stages` hosts, `microbatches` activations of `activation_mb` per iteration.
    Pipeline {
        #[serde(default)]
        name: Option<String>,
        #[serde(default = "d_stages")]
        stages: usize,
        #[serde(default)]
        placement: Placement,
        #[serde(default = "d_microbatches")]
        microbatches: u64,
        #[serde(default = "d_act")]
        activation_mb: f64,
        #[serde(default = "d_mb_compute")]
        compute_ms: f64,
        #[serde(default)]
        iterations: Option<u64>,
        #[serde(default)]
        start_ms: f64,
    },
    /// Inference: Poisson requests at `rate_per_s` swinging by `diurnal_amplitude` over `diurnal_period_s`.
    Inference {
        #[serde(default)]
        name: Option<String>,
        #[serde(default = "d_hosts")]
        hosts: usize,
        #[serde(default)]
        placement: Placement,
        #[serde(default = "d_rate")]
        rate_per_s: f64,
        #[serde(default = "d_amp")]
        diurnal_amplitude: f64,
        #[serde(default = "d_period")]
        diurnal_period_s: f64,
        #[serde(default = "d_resp")]
        response_mb: f64,
        #[serde(default)]
        start_ms: f64,
    },
    /// Incast: every `period_ms`, `senders` random hosts send `mb` each to one random host.
    Incast {
        #[serde(default)]
        name: Option<String>,
        #[serde(default = "d_senders")]
        senders: usize,
        #[serde(default = "d_incast_mb")]
        mb: f64,
        #[serde(default = "d_incast_period")]
        period_ms: f64,
        #[serde(default)]
        start_ms: f64,
    },
    /// Gravity-model background: `load` of all NIC capacity over `connections` long-lived flows (rates redrawn
    /// every `change_ms`), plus `arrivals_per_s` short flows of mean `flow_mb`.
    Background {
        #[serde(default)]
        name: Option<String>,
        #[serde(default = "d_load")]
        load: f64,
        #[serde(default = "d_conns")]
        connections: usize,
        #[serde(default = "d_change")]
        change_ms: f64,
        #[serde(default)]
        arrivals_per_s: f64,
        #[serde(default = "d_flow_mb")]
        flow_mb: f64,
        #[serde(default)]
        start_ms: f64,
    },
}

fn d_hosts() -> usize {
    16
}
fn d_grad() -> f64 {
    1.0
}
fn d_compute() -> f64 {
    60.0
}
fn d_qps() -> usize {
    1
}
fn d_tokens() -> f64 {
    256.0
}
fn d_moe_compute() -> f64 {
    20.0
}
fn d_stages() -> usize {
    8
}
fn d_microbatches() -> u64 {
    8
}
fn d_act() -> f64 {
    32.0
}
fn d_mb_compute() -> f64 {
    4.0
}
fn d_rate() -> f64 {
    500.0
}
fn d_amp() -> f64 {
    0.5
}
fn d_period() -> f64 {
    86_400.0
}
fn d_resp() -> f64 {
    4.0
}
fn d_senders() -> usize {
    16
}
fn d_incast_mb() -> f64 {
    4.0
}
fn d_incast_period() -> f64 {
    100.0
}
fn d_load() -> f64 {
    0.1
}
fn d_conns() -> usize {
    256
}
fn d_change() -> f64 {
    1000.0
}
fn d_flow_mb() -> f64 {
    1.0
}

/// Everything building a workload needs.
#[derive(Debug)]
pub struct BuildCx<'a> {
    pub fabric: &'a Fabric,
    pub pool: &'a mut HostPool,
    pub rng: &'a mut Rng,
    pub nic_bps: f64,
    pub index: usize,
}

fn check(ok: bool, name: &str, field: &str, reason: &str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(SimError::Scenario { field: format!("workload '{name}'.{field}"), reason: reason.into() })
    }
}

fn port(rng: &mut Rng) -> u16 {
    49_152 + rng.below(16_000) as u16
}

impl WorkloadSpec {
    pub fn kind(&self) -> &'static str {
        match self {
            WorkloadSpec::Training { .. } => "training",
            WorkloadSpec::Moe { .. } => "moe",
            WorkloadSpec::Pipeline { .. } => "pipeline",
            WorkloadSpec::Inference { .. } => "inference",
            WorkloadSpec::Incast { .. } => "incast",
            WorkloadSpec::Background { .. } => "background",
        }
    }

    /// Validates, places and builds the workload.
    pub fn build(&self, cx: BuildCx) -> Result<Box<dyn Workload>> {
        let nm = |n: &Option<String>| n.clone().unwrap_or_else(|| format!("{}{}", self.kind(), cx.index + 1));
        let nic = cx.nic_bps;
        Ok(match self {
            WorkloadSpec::Training {
                name,
                hosts,
                placement,
                hosts_per_leaf,
                interleaved,
                gradient_gb,
                compute_ms,
                qps,
                iterations,
                start_ms,
            } => {
                let name = nm(name);
                check(*hosts >= 2, &name, "hosts", "a training job needs at least 2 hosts")?;
                check(*gradient_gb > 0.0 && gradient_gb.is_finite(), &name, "gradient_gb", "must be positive")?;
                check(*compute_ms >= 0.0 && compute_ms.is_finite(), &name, "compute_ms", "must be >= 0")?;
                check((1..=64).contains(qps), &name, "qps", "must be 1..=64")?;
                let taken = cx.pool.take(&name, *hosts, *placement, *hosts_per_leaf, cx.rng)?;
                let ring = ring_order(cx.fabric, &taken, *interleaved);
                let rng = &mut *cx.rng;
                Box::new(Collective::new(
                    CollectiveParams {
                        name,
                        pattern: Pattern::Ring,
                        hosts: ring,
                        bytes: gradient_gb * 1e9,
                        compute_ns: ms(*compute_ms),
                        jitter: 0.01,
                        start_ns: ms(*start_ms),
                        iterations: *iterations,
                        qps: *qps,
                        nic_bps: nic,
                        class: Class::Lossless,
                    },
                    || port(rng),
                ))
            }
            WorkloadSpec::Moe {
                name,
                hosts,
                placement,
                hosts_per_leaf,
                tokens_mb,
                compute_ms,
                qps,
                iterations,
                start_ms,
            } => {
                let name = nm(name);
                check(*hosts >= 2, &name, "hosts", "an all-to-all needs at least 2 hosts")?;
                check(*tokens_mb > 0.0 && tokens_mb.is_finite(), &name, "tokens_mb", "must be positive")?;
                check((1..=8).contains(qps), &name, "qps", "must be 1..=8")?;
                let taken = cx.pool.take(&name, *hosts, *placement, *hosts_per_leaf, cx.rng)?;
                let rng = &mut *cx.rng;
                Box::new(Collective::new(
                    CollectiveParams {
                        name,
                        pattern: Pattern::AllToAll,
                        hosts: taken,
                        bytes: tokens_mb * 1e6,
                        compute_ns: ms(*compute_ms),
                        jitter: 0.01,
                        start_ns: ms(*start_ms),
                        iterations: *iterations,
                        qps: *qps,
                        nic_bps: nic,
                        class: Class::Lossless,
                    },
                    || port(rng),
                ))
            }
            WorkloadSpec::Pipeline {
                name,
                stages,
                placement,
                microbatches,
                activation_mb,
                compute_ms,
                iterations,
                start_ms,
            } => {
                let name = nm(name);
                check(*stages >= 2, &name, "stages", "a pipeline needs at least 2 stages")?;
                check(*microbatches >= 1, &name, "microbatches", "must be at least 1")?;
                check(*activation_mb > 0.0, &name, "activation_mb", "must be positive")?;
                let taken = cx.pool.take(&name, *stages, *placement, 0, cx.rng)?;
                let rng = &mut *cx.rng;
                Box::new(Pipeline::new(
                    PipelineParams {
                        name,
                        hosts: taken,
                        microbatches: *microbatches,
                        activation_bytes: activation_mb * 1e6,
                        compute_ns: ms(*compute_ms),
                        start_ns: ms(*start_ms),
                        iterations: *iterations,
                        nic_bps: nic,
                        class: Class::Lossless,
                    },
                    || port(rng),
                ))
            }
            WorkloadSpec::Inference {
                name,
                hosts,
                placement,
                rate_per_s,
                diurnal_amplitude,
                diurnal_period_s,
                response_mb,
                start_ms,
            } => {
                let name = nm(name);
                check(*hosts >= 2, &name, "hosts", "needs at least 2 hosts (clients and servers)")?;
                check(*rate_per_s >= 0.0 && rate_per_s.is_finite(), &name, "rate_per_s", "must be >= 0")?;
                check((0.0..=1.0).contains(diurnal_amplitude), &name, "diurnal_amplitude", "must be within 0..=1")?;
                check(*diurnal_period_s > 0.0, &name, "diurnal_period_s", "must be positive")?;
                check(*response_mb > 0.0, &name, "response_mb", "must be positive")?;
                let taken: Vec<NodeId> = cx.pool.take(&name, *hosts, *placement, 0, cx.rng)?;
                let split = (taken.len() / 4).max(1);
                Box::new(Inference::new(InferenceParams {
                    name,
                    clients: taken[..split].to_vec(),
                    servers: taken[split..].to_vec(),
                    rate_per_s: *rate_per_s,
                    diurnal_amplitude: *diurnal_amplitude,
                    diurnal_period_s: *diurnal_period_s,
                    response_bytes: response_mb * 1e6,
                    sigma: 1.0,
                    start_ns: ms(*start_ms),
                    nic_bps: nic,
                    class: Class::Lossy,
                }))
            }
            WorkloadSpec::Incast { name, senders, mb, period_ms, start_ms } => {
                let name = nm(name);
                check(*senders >= 1, &name, "senders", "must be at least 1")?;
                check(*mb > 0.0, &name, "mb", "must be positive")?;
                check(*period_ms > 0.0, &name, "period_ms", "must be positive")?;
                Box::new(Incast::new(IncastParams {
                    name,
                    hosts: HostPool::all(cx.fabric),
                    senders: *senders,
                    bytes: mb * 1e6,
                    period_ns: ms(*period_ms),
                    start_ns: ms(*start_ms),
                    nic_bps: nic,
                    class: Class::Lossless,
                }))
            }
            WorkloadSpec::Background { name, load, connections, change_ms, arrivals_per_s, flow_mb, start_ms } => {
                let name = nm(name);
                check((0.0..=1.0).contains(load), &name, "load", "must be within 0..=1 (fraction of NIC capacity)")?;
                check(*connections <= 10_000_000, &name, "connections", "at most 10 million")?;
                check(*change_ms >= 0.0, &name, "change_ms", "must be >= 0")?;
                check(*arrivals_per_s >= 0.0, &name, "arrivals_per_s", "must be >= 0")?;
                check(*flow_mb > 0.0, &name, "flow_mb", "must be positive")?;
                Box::new(Background::new(
                    BackgroundParams {
                        name,
                        load: *load,
                        connections: *connections,
                        change_ns: ms(*change_ms),
                        arrivals_per_s: *arrivals_per_s,
                        flow_bytes: flow_mb * 1e6,
                        start_ns: ms(*start_ms),
                        nic_bps: nic,
                        class: Class::Lossy,
                    },
                    cx.fabric,
                    cx.rng,
                ))
            }
        })
    }
}
