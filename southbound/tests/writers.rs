//! The writers against what they program: the dry-run writer in memory, the simulator writer against a real
//! `fathom-sim serve` process (4 leaves x 2 spines; leaf uplinks are Ethernet1 and Ethernet2).

use fathom_southbound::{
    DryRunWriter, Plan, PlanEntry, SimulatorWriter, Southbound, SouthboundError, TableSpec, SINGLE_REPLICA_EPOCH,
};
use fathom_tests::SimProcess;
use fathom_topology::Prefix;

fn p(s: &str) -> Prefix {
    s.parse().unwrap()
}

fn plan(token: u64, entries: Vec<(&str, &str, TableSpec)>) -> Plan {
    Plan {
        id: 1,
        token,
        entries: entries
            .into_iter()
            .map(|(d, pre, spec)| PlanEntry { device: d.into(), prefix: p(pre), spec })
            .collect(),
    }
}

fn weights(w: &[(&str, f64)]) -> TableSpec {
    TableSpec::Weights(w.iter().map(|(i, x)| (i.to_string(), *x)).collect())
}

async fn contract(w: &dyn Southbound, tamper: impl Fn()) {
    // Apply, then read back equal.
    let a =
        plan(SINGLE_REPLICA_EPOCH, vec![("leaf1", "10.0.2.0/24", weights(&[("Ethernet1", 3.0), ("Ethernet2", 1.0)]))]);
    assert!(w.apply(&a).await.unwrap().changed_slots > 0);
    assert!(w.verify(&a).await.unwrap().is_empty(), "{} read-back differs", w.name());
    let inst = w.installed(Some(&["leaf1".to_string()])).await.unwrap();
    let t = inst.get("leaf1", &p("10.0.2.0/24")).unwrap();
    assert_eq!(t.counts().get("Ethernet1"), Some(&48));
    assert_eq!(inst.highest_token, SINGLE_REPLICA_EPOCH);

    // Someone changes the table behind our back: verify alarms, reconcile repairs.
    tamper();
    let d = w.verify(&a).await.unwrap();
    assert_eq!(d.len(), 1, "{}: divergence not detected", w.name());
    let r = w.reconcile(&a).await.unwrap();
    assert_eq!(r.divergences.len(), 1);
    assert!(r.repaired);
    assert!(w.verify(&a).await.unwrap().is_empty());

    // A newer epoch writes; the old epoch is fenced off and changes nothing.
    let b = plan(7, vec![("leaf1", "10.0.2.0/24", weights(&[("Ethernet1", 1.0), ("Ethernet2", 1.0)]))]);
    w.apply(&b).await.unwrap();
    let err = w.apply(&a).await.unwrap_err();
    assert_eq!(err, SouthboundError::Fenced { token: 1, highest: 7 }, "{}", w.name());
    assert!(w.verify(&b).await.unwrap().is_empty(), "{}: fenced write changed state", w.name());
}

#[tokio::test]
async fn dry_run_writer_honours_the_contract() {
    let w = std::sync::Arc::new(DryRunWriter::new());
    let w2 = w.clone();
    contract(w.as_ref(), move || w2.tamper("leaf1", p("10.0.2.0/24"), vec!["Ethernet2".into(); 64])).await;
    assert_eq!(w.applied().len(), 3);
}

#[tokio::test]
async fn simulator_writer_honours_the_contract_against_fathom_sim() -> anyhow::Result<()> {
    let sim = SimProcess::start("scenarios/steady.toml")?;
    let w = SimulatorWriter::new(&format!("http://{}", sim.control))?;
    let control = sim.control;
    let tamper = move || {
        // An unfenced write from other tooling, on a thread of its own (the test runtime is busy awaiting).
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let mut c = fathom_proto::sim::v1::fabric_control_client::FabricControlClient::connect(format!(
                    "http://{control}"
                ))
                .await
                .unwrap();
                let req = fathom_proto::sim::v1::SetSlotTablesRequest {
                    updates: vec![fathom_proto::sim::v1::SlotTableUpdate {
                        device: "leaf1".into(),
                        prefix: "10.0.2.0/24".into(),
                        spec: Some(fathom_proto::sim::v1::slot_table_update::Spec::Slots(
                            fathom_proto::sim::v1::SlotList { slots: vec!["Ethernet2".into(); 64] },
                        )),
                    }],
                    fencing_token: 0,
                };
                c.set_slot_tables(req).await.unwrap();
            });
        })
        .join()
        .unwrap();
    };
    contract(&w, tamper).await;

    // A plan naming an unknown next hop is rejected whole; nothing changes.
    let before = w.installed(Some(&["leaf1".to_string(), "leaf2".to_string()])).await?;
    let bad = plan(
        7,
        vec![
            ("leaf2", "10.0.1.0/24", weights(&[("Ethernet1", 1.0)])),
            ("leaf1", "10.0.3.0/24", weights(&[("Ethernet9", 1.0)])),
        ],
    );
    assert!(matches!(w.apply(&bad).await, Err(SouthboundError::Rejected { .. })));
    assert_eq!(w.installed(Some(&["leaf1".to_string(), "leaf2".to_string()])).await?, before);

    // An unreachable device is reported as unavailable, not as a rejection.
    let gone = SimulatorWriter::new("http://127.0.0.1:1")?;
    let a = plan(9, vec![("leaf1", "10.0.2.0/24", weights(&[("Ethernet1", 1.0)]))]);
    assert!(matches!(gone.apply(&a).await, Err(SouthboundError::Unavailable { .. })));
    Ok(())
}

#[test]
fn malformed_plans_are_refused_before_anything_is_sent() {
    let ok = |spec| plan(1, vec![("leaf1", "10.0.2.0/24", spec)]);
    assert!(ok(weights(&[("Ethernet1", 1.0)])).validate().is_ok());
    for (bad, why) in [
        (plan(0, vec![("leaf1", "10.0.2.0/24", weights(&[("Ethernet1", 1.0)]))]), "token 0"),
        (plan(1, vec![]), "no entries"),
        (ok(weights(&[("Ethernet1", f64::NAN)])), "finite"),
        (ok(weights(&[("Ethernet1", 0.0)])), "not all zero"),
        (ok(weights(&[("Ethernet1", 1.0), ("Ethernet1", 2.0)])), "twice"),
        (ok(TableSpec::Slots(vec![])), "empty slot list"),
    ] {
        let e = bad.validate().unwrap_err().to_string();
        assert!(e.contains(why), "'{e}' should say '{why}'");
    }
}
