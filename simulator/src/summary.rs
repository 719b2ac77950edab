//! The run summary `fathom-sim run` prints.

use serde::{Deserialize, Serialize};

use crate::engine::Simulation;

/// Results of a run.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub scenario: String,
    pub seed: u64,
    pub simulated_s: f64,
    pub switches: usize,
    pub hosts: usize,
    pub fabric_links: usize,
    pub max_link_utilization: f64,
    pub p99_link_utilization: f64,
    pub mean_link_utilization: f64,
    /// Seconds fabric links spent above the congestion threshold, or with drops or PFC pauses.
    pub congested_link_seconds: f64,
    pub congestion_threshold: f64,
    pub drops_pkts: u64,
    pub pfc_pause_s: f64,
    pub ecn_marked_pkts: u64,
    pub flows_started: u64,
    pub flows_completed: u64,
    pub events: u64,
    pub rate_recomputes: u64,
    pub jobs: Vec<JobSummary>,
}

/// Per-workload figures.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct JobSummary {
    pub name: String,
    pub kind: String,
    pub iterations: usize,
    pub ideal_iteration_ms: Option<f64>,
    pub iteration_p50_ms: Option<f64>,
    pub iteration_p99_ms: Option<f64>,
    /// p50 / ideal and p99 / ideal.
    pub slowdown_p50: Option<f64>,
    pub slowdown_p99: Option<f64>,
    pub completions: usize,
    pub completion_p50_ms: Option<f64>,
    pub completion_p99_ms: Option<f64>,
}

impl Summary {
    /// A fixed-width table for people.
    pub fn table(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(s, "scenario {} (seed {}), {:.3} s simulated", self.scenario, self.seed, self.simulated_s);
        let _ =
            writeln!(s, "fabric: {} switches, {} hosts, {} fabric links", self.switches, self.hosts, self.fabric_links);
        let rows = [
            ("max link utilization", format!("{:.3}", self.max_link_utilization)),
            ("p99 link utilization", format!("{:.3}", self.p99_link_utilization)),
            ("mean link utilization", format!("{:.3}", self.mean_link_utilization)),
            (
                "congested link-seconds",
                format!("{:.3} (>{:.0}% or drops/PFC)", self.congested_link_seconds, self.congestion_threshold * 100.0),
            ),
            ("drops (packets)", self.drops_pkts.to_string()),
            ("PFC pause time (s)", format!("{:.6}", self.pfc_pause_s)),
            ("ECN-marked packets", self.ecn_marked_pkts.to_string()),
            ("flows started / completed", format!("{} / {}", self.flows_started, self.flows_completed)),
            ("engine events / rate recomputes", format!("{} / {}", self.events, self.rate_recomputes)),
        ];
        for (k, v) in rows {
            let _ = writeln!(s, "  {k:<34} {v}");
        }
        if !self.jobs.is_empty() {
            let _ = writeln!(
                s,
                "\n  {:<14} {:<10} {:>6} {:>10} {:>10} {:>10} {:>8} {:>8} {:>11}",
                "job", "kind", "iters", "ideal ms", "p50 ms", "p99 ms", "p50/id", "p99/id", "done p99 ms"
            );
            let f = |x: Option<f64>, p: usize| x.map_or("-".to_string(), |v| format!("{v:.p$}"));
            for j in &self.jobs {
                let _ = writeln!(
                    s,
                    "  {:<14} {:<10} {:>6} {:>10} {:>10} {:>10} {:>8} {:>8} {:>11}",
                    j.name,
                    j.kind,
                    j.iterations,
                    f(j.ideal_iteration_ms, 2),
                    f(j.iteration_p50_ms, 2),
                    f(j.iteration_p99_ms, 2),
                    f(j.slowdown_p50, 3),
                    f(j.slowdown_p99, 3),
                    f(j.completion_p99_ms, 3),
                );
            }
        }
        s
    }
}

impl Simulation {
    /// The summary of the run so far.
    pub fn summary(&self) -> Summary {
        self.build_summary()
    }
}
