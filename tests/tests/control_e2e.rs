//! The control API of a live `fathom-sim serve`: slot table batches are atomic, bad requests change nothing.

use anyhow::{ensure, Context, Result};
use fathom_proto::sim::v1::{self as pb, slot_table_update::Spec};
use fathom_tests::SimProcess;
use tonic::Code;

const SCENARIO: &str = "scenarios/steady.toml";

fn weights(device: &str, prefix: &str, ws: &[(&str, f64)]) -> pb::SlotTableUpdate {
    let weights = ws.iter().map(|(i, w)| pb::InterfaceWeight { interface: i.to_string(), weight: *w }).collect();
    pb::SlotTableUpdate {
        device: device.into(),
        prefix: prefix.into(),
        spec: Some(Spec::Weights(pb::WeightList { weights })),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_with_one_bad_entry_changes_nothing() -> Result<()> {
    let sim = SimProcess::start(SCENARIO)?;
    let mut c = sim.control_client().await?;
    let read = |c: &mut pb::fabric_control_client::FabricControlClient<_>| {
        let req = pb::GetSlotTablesRequest { device: Some("leaf1".into()), prefix: None };
        let mut c = c.clone();
        async move { anyhow::Ok(c.get_slot_tables(req).await?.into_inner().tables) }
    };
    let before = read(&mut c).await?;
    let table = before.iter().find(|t| t.slots.iter().collect::<std::collections::BTreeSet<_>>().len() >= 2);
    let table = table.context("leaf1 should have a multi-path table")?;
    let mut uplinks: Vec<&str> = table.slots.iter().map(String::as_str).collect();
    uplinks.sort();
    uplinks.dedup();
    let good = weights("leaf1", &table.prefix, &[(uplinks[0], 3.0), (uplinks[1], 1.0)]);

    let bad_entries = [
        (weights("nosuchswitch", &table.prefix, &[(uplinks[0], 1.0)]), Code::NotFound),
        (weights("leaf1", &table.prefix, &[(uplinks[0], f64::NAN)]), Code::InvalidArgument),
        (weights("leaf1", &table.prefix, &[("NoSuchPort", 1.0)]), Code::NotFound),
        (pb::SlotTableUpdate::default(), Code::InvalidArgument),
    ];
    for (bad, code) in bad_entries {
        let batch = pb::SetSlotTablesRequest { updates: vec![good.clone(), bad], fencing_token: 0 };
        let status = c.set_slot_tables(batch).await.expect_err("the batch must be refused");
        ensure!(
            status.code() == code || status.code() == Code::InvalidArgument,
            "{:?}: {}",
            status.code(),
            status.message()
        );
        ensure!(read(&mut c).await? == before, "a refused batch changed the tables ({})", status.message());
    }

    let applied =
        c.set_slot_tables(pb::SetSlotTablesRequest { updates: vec![good], fencing_token: 0 }).await?.into_inner();
    ensure!(applied.changed_slots > 0, "the good entry alone should change slots");
    let after = read(&mut c).await?;
    let t = after.iter().find(|t| t.prefix == table.prefix).context("table still there")?;
    let n0 = t.slots.iter().filter(|s| *s == uplinks[0]).count();
    let n1 = t.slots.iter().filter(|s| *s == uplinks[1]).count();
    ensure!(n0 == 3 * n1 && !t.default_ecmp, "3:1 weights gave {n0}:{n1}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_statuses_not_crashes() -> Result<()> {
    let sim = SimProcess::start(SCENARIO)?;
    let mut c = sim.control_client().await?;
    let empty = c.set_slot_tables(pb::SetSlotTablesRequest::default()).await.unwrap_err();
    ensure!(empty.code() == Code::InvalidArgument);
    let unknown = c.get_slot_tables(pb::GetSlotTablesRequest { device: Some("ghost".into()), prefix: None }).await;
    ensure!(unknown.unwrap_err().code() == Code::NotFound);
    let fault = c.inject_fault(pb::FaultRequest { kind: 0, target: "leaf1".into() }).await.unwrap_err();
    ensure!(fault.code() == Code::InvalidArgument);
    let fault =
        c.inject_fault(pb::FaultRequest { kind: pb::FaultKind::LinkDown as i32, target: "leaf1:Nope".into() }).await;
    ensure!(fault.unwrap_err().code() == Code::NotFound);
    let truth = c.get_ground_truth(pb::GetGroundTruthRequest { include_flows: true }).await?.into_inner();
    ensure!(!truth.flows.is_empty() && !truth.links.is_empty(), "ground truth has flows and links");
    ensure!(c.list_targets(pb::ListTargetsRequest {}).await?.into_inner().targets.len() == 6, "4 leaves + 2 spines");
    Ok(())
}
