//! The product, end to end: `fathom-sim serve` and `fathomd run` as separate processes over gRPC and gNMI, on a
//! scenario used for nothing else. Fathom (auto, ensemble forecasts) runs against static ECMP (the same scenario
//! run offline) and against a reactive controller (the same fathomd, forecast = last observed value), on three
//! training jobs whose collectives overlap in changing combinations.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use fathom_proto::sim::v1 as simpb;
use fathom_proto::v1 as pb;
use fathom_tests::{binary, crate_dir, FathomdProcess, SimProcess};

const SCENARIO: &str = "scenarios/closed-loop.toml";

#[derive(Debug, Clone, Default)]
struct Figures {
    congested: f64,
    /// Per training job: (name, p50 / ideal, p99 / ideal, p99 ms).
    jobs: Vec<(String, f64, f64, f64)>,
}

impl Figures {
    fn jobs_line(&self) -> String {
        self.jobs.iter().map(|j| format!("{} {:.3}/{:.3}", j.0, j.1, j.2)).collect::<Vec<_>>().join(", ")
    }
}

fn ecmp_baseline() -> Result<Figures> {
    let out = std::process::Command::new(binary("fathom-sim")?)
        .args(["run", "--output", "json"])
        .arg(crate_dir().join(SCENARIO))
        .output()?;
    ensure!(out.status.success(), "fathom-sim run failed: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let mut jobs = Vec::new();
    for job in v["jobs"].as_array().context("jobs")? {
        let ideal = job["ideal_iteration_ms"].as_f64().context("ideal")?;
        let p99 = job["iteration_p99_ms"].as_f64().context("p99")?;
        jobs.push((
            job["name"].as_str().unwrap_or_default().to_string(),
            job["iteration_p50_ms"].as_f64().context("p50")? / ideal,
            p99 / ideal,
            p99,
        ));
    }
    Ok(Figures { congested: v["congested_link_seconds"].as_f64().context("congested")?, jobs })
}

struct Loop {
    sim: SimProcess,
    fathomd: FathomdProcess,
}

fn start(forecaster: &str) -> Result<Loop> {
    let sim = SimProcess::start(SCENARIO)?;
    let cfg = format!(
        "[control]\nmode = \"auto\"\ninterval_ms = 500\nforecaster = \"{forecaster}\"\n\
         [telemetry]\nsample_interval_ms = 100\n[[telemetry.endpoint]]\naddress = \"{}\"\n\
         [southbound]\nkind = \"simulator\"\nendpoint = \"http://{}\"\n",
        sim.gnmi, sim.control
    );
    let fathomd = FathomdProcess::start(&cfg)?;
    Ok(Loop { sim, fathomd })
}

async fn finish(l: &Loop, duration_s: f64) -> Result<(Figures, Vec<pb::Decision>)> {
    let mut c = l.sim.control_client().await?;
    let deadline = Instant::now() + Duration::from_secs_f64(duration_s * 3.0 + 30.0);
    let s = loop {
        let s = c.get_summary(simpb::GetSummaryRequest {}).await?.into_inner();
        if s.sim_time_ns as f64 / 1e9 >= duration_s - 1e-9 {
            break s;
        }
        ensure!(Instant::now() < deadline, "the scenario did not finish; fathomd log:\n{}", l.fathomd.log_text());
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let mut jobs = Vec::new();
    for job in &s.jobs {
        let ideal = job.ideal_iteration_ms.context("ideal")?;
        let p99 = job.iteration_p99_ms.context("p99")?;
        jobs.push((job.name.clone(), job.iteration_p50_ms.context("p50")? / ideal, p99 / ideal, p99));
    }
    let figures = Figures { congested: s.congested_link_seconds, jobs };
    let mut op =
        fathom_proto::v1::operator_client::OperatorClient::connect(format!("http://{}", l.fathomd.api)).await?;
    let d = op.list_decisions(pb::ListDecisionsRequest { limit: 0 }).await?.into_inner().decisions;
    Ok((figures, d))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fathom_beats_static_ecmp_and_a_reactive_controller_and_acts_before_links_cross() -> Result<()> {
    let ecmp = ecmp_baseline()?;
    let predictive = start("ensemble")?;
    let reactive = start("last")?;
    let duration = 60.0;
    let (fathom, decisions) = finish(&predictive, duration).await?;
    let (react, _) = finish(&reactive, duration).await?;
    let applied: Vec<&pb::Decision> = decisions.iter().filter(|d| d.state == "applied").collect();
    let changes: Vec<&pb::Change> = applied.iter().flat_map(|d| &d.changes).collect();
    let preemptive: Vec<&&pb::Change> = changes.iter().filter(|c| c.lead_time_ms > 0.0).collect();
    let mean_lead = preemptive.iter().map(|c| c.lead_time_ms).sum::<f64>() / preemptive.len().max(1) as f64;
    eprintln!(
        "congested link-seconds: ECMP {:.2}, reactive {:.2}, Fathom {:.2} ({:.0}% less than ECMP, {:.0}% less than reactive)",
        ecmp.congested,
        react.congested,
        fathom.congested,
        (1.0 - fathom.congested / ecmp.congested) * 100.0,
        (1.0 - fathom.congested / react.congested.max(1e-9)) * 100.0
    );
    eprintln!(
        "iteration p50/p99 vs ideal: ECMP [{}], reactive [{}], Fathom [{}]",
        ecmp.jobs_line(),
        react.jobs_line(),
        fathom.jobs_line()
    );
    eprintln!(
        "decisions applied {}, changes {}, made before the relieved link crossed the threshold {} (mean lead {:.0} ms)",
        applied.len(),
        changes.len(),
        preemptive.len(),
        mean_lead
    );
    ensure!(!applied.is_empty(), "Fathom applied no decision; log:\n{}", predictive.fathomd.log_text());
    ensure!(
        fathom.congested <= 0.2 * ecmp.congested,
        "Fathom {:.2} vs ECMP {:.2} congested link-seconds: not 80% fewer",
        fathom.congested,
        ecmp.congested
    );
    ensure!(
        fathom.congested <= 0.7 * react.congested,
        "Fathom {:.2} vs reactive {:.2} congested link-seconds: not 30% fewer",
        fathom.congested,
        react.congested
    );
    ensure!(fathom.jobs.len() == ecmp.jobs.len(), "every job reports");
    for (f, e) in fathom.jobs.iter().zip(&ecmp.jobs) {
        ensure!(f.3 <= e.3 * 1.02, "job {}: p99 {:.1} ms worse than under ECMP {:.1} ms", f.0, f.3, e.3);
    }
    ensure!(!preemptive.is_empty(), "no change was made before the link it relieves crossed the threshold");
    for c in &preemptive {
        ensure!(c.observed_before <= 0.9, "a preemptive change's link was at {:.3} already", c.observed_before);
    }
    let audit = predictive.fathomd.audit_lines();
    ensure!(audit.iter().any(|d| d["state"] == "applied"), "the audit file records applied decisions");
    Ok(())
}
