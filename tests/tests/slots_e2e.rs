//! The hash-collision pathology and its cure, over the wire: `fathom-sim serve` runs one ring all-reduce whose fat
//! flows collide under ECMP; the test reads the flows from the ground truth, computes the collision-free spine
//! assignment (an edge colouring of the leaf-to-leaf flows) and applies it through `SetSlotTables` as host tables.
//! Iterations after the change run at the no-contention ideal; the first (ECMP) one does not.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use fathom_proto::sim::v1 as pb;
use fathom_tests::SimProcess;

fn leaf_of(host: &str) -> &str {
    // host<leaf>-<n>
    host.trim_start_matches("host").split('-').next().unwrap_or("")
}

#[tokio::test]
async fn optimal_slot_assignment_through_the_control_api_removes_iteration_inflation() -> Result<()> {
    let sim = SimProcess::start_args("../simulator/scenarios/training-collisions.toml", &["--speed", "2"])?;
    let mut c = sim.control_client().await?;
    // Wait for the first all-reduce to be on the wire.
    let deadline = Instant::now() + Duration::from_secs(20);
    let truth = loop {
        let t = c.get_ground_truth(pb::GetGroundTruthRequest { include_flows: true }).await?.into_inner();
        if t.flows.len() >= 64 {
            break t;
        }
        ensure!(Instant::now() < deadline, "no all-reduce flows seen; log:\n{}", sim.log_text());
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    // Give every cross-leaf flow a spine no other flow of its source leaf or destination leaf uses.
    let spines = 8;
    let (mut used_up, mut used_down) = (BTreeSet::new(), BTreeSet::new());
    let mut updates = Vec::new();
    for f in &truth.flows {
        let (sl, dl) = (leaf_of(&f.src), leaf_of(&f.dst));
        if sl == dl {
            continue;
        }
        let s = (1..=spines)
            .find(|s| !used_up.contains(&(sl, *s)) && !used_down.contains(&(dl, *s)))
            .context("a free spine for every ring flow")?;
        used_up.insert((sl, s));
        used_down.insert((dl, s));
        let dst_leaf: u32 = dl.parse()?;
        updates.push(pb::SlotTableUpdate {
            device: f.src.clone(),
            prefix: format!("10.0.{dst_leaf}.0/24"),
            // leaf-spine builder: a leaf's Ethernet<s> goes to spine<s>.
            spec: Some(pb::slot_table_update::Spec::Weights(pb::WeightList {
                weights: vec![pb::InterfaceWeight { interface: format!("Ethernet{s}"), weight: 1.0 }],
            })),
        });
    }
    ensure!(updates.len() == 64, "expected 64 cross-leaf ring flows, got {}", updates.len());
    // Queue pairs keep their ports, so the assignment holds for every iteration. Let the first iteration finish
    // under ECMP so it serves as the baseline.
    while c.get_summary(pb::GetSummaryRequest {}).await?.into_inner().jobs[0].iteration_ms.is_empty() {
        ensure!(Instant::now() < deadline, "the first iteration did not complete; log:\n{}", sim.log_text());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let changed = c.set_slot_tables(pb::SetSlotTablesRequest { updates, fencing_token: 1 }).await?.into_inner();
    ensure!(changed.changed_slots > 0);
    let applied_at_ms =
        c.get_ground_truth(pb::GetGroundTruthRequest { include_flows: false }).await?.into_inner().sim_time_ns as f64
            / 1e6;
    // Let several iterations run with the new tables.
    // Iterations run back to back from t = 0: check those that started after the change.
    let started_after = |ms: &[f64]| {
        let mut t = 0.0;
        let mut out = Vec::new();
        for (i, d) in ms.iter().enumerate() {
            if t >= applied_at_ms {
                out.push((i, *d));
            }
            t += d;
        }
        out
    };
    let summary = loop {
        let s = c.get_summary(pb::GetSummaryRequest {}).await?.into_inner();
        if started_after(&s.jobs[0].iteration_ms).len() >= 3 {
            break s;
        }
        ensure!(Instant::now() < deadline, "iterations did not complete; log:\n{}", sim.log_text());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let job = &summary.jobs[0];
    let ideal = job.ideal_iteration_ms.context("training jobs report an ideal")?;
    let first = job.iteration_ms[0] / ideal;
    ensure!(first > 1.3, "the ECMP iteration should be inflated by collisions, got {first:.3}x");
    for (i, ms) in started_after(&job.iteration_ms) {
        ensure!(ms / ideal < 1.05, "iteration {i} under the optimal assignment took {:.3}x ideal", ms / ideal);
    }
    Ok(())
}
