//! Ingest against a real `fathom-sim serve` process: rates agree with the simulator's ground truth, LLDP gives
//! the simulator's topology, and a restarted gNMI endpoint is reconnected to, stale meanwhile, with no spike from
//! the counters that restarted at zero.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use common::{all_usable, config, Consumer, Sim};
use fathom_ingest::IngestSnapshot;
use fathom_proto::sim::v1 as pb;

/// Ground-truth load per sending interface (`switch:interface`): the mean of two readings, with capacity and peer.
fn truth(a: &pb::GroundTruth, b: &pb::GroundTruth) -> BTreeMap<String, (f64, f64, String)> {
    let mut m: BTreeMap<String, (f64, f64, String)> = BTreeMap::new();
    for l in a.links.iter().chain(&b.links) {
        m.entry(l.name.clone()).or_insert((0.0, l.capacity_bps, l.peer.clone())).0 += l.load_bps / 2.0;
    }
    m
}

/// Every switch interface's measured in/out rate against the truth of its own link and its peer's.
fn check_rates(snap: &IngestSnapshot, truth: &BTreeMap<String, (f64, f64, String)>) -> Result<usize> {
    let mut busy = 0;
    for i in &snap.interfaces {
        let name = format!("{}:{}", i.switch, i.interface);
        let (out_load, cap, peer) = truth.get(&name).with_context(|| format!("no ground truth for {name}"))?;
        let (in_load, _, _) = truth.get(peer).with_context(|| format!("no ground truth for {peer}"))?;
        ensure!(i.usable(), "{name} is not usable: {i:?}");
        for (what, got, want) in [("out", i.out_bps, *out_load), ("in", i.in_bps, *in_load)] {
            let got = got.with_context(|| format!("{name}: no {what} rate"))?;
            let tol = 0.01 * cap + 0.03 * want;
            ensure!((got - want).abs() <= tol, "{name} {what}: ingest says {got:.4e} b/s, truth {want:.4e}");
        }
        ensure!(i.speed_bps == Some(*cap as u64), "{name}: speed {:?}, capacity {cap}", i.speed_bps);
        busy += usize::from(*out_load > 0.01 * cap);
    }
    ensure!(busy > 0, "no busy link: the scenario should load the fabric");
    Ok(busy)
}

async fn ready(sim: &Sim, consumer: &mut Consumer) -> Result<Vec<String>> {
    let switches = sim.switches().await?;
    let sw = switches.clone();
    consumer.until(Duration::from_secs(15), |_| Ok(()), move |s| all_usable(s, &sw)).await?;
    Ok(switches)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rates_match_ground_truth_and_lldp_gives_the_topology() -> Result<()> {
    let sim = Sim::start()?;
    let mut consumer = Consumer::start(&config(sim.gnmi, &[]))?;
    let switches = ready(&sim, &mut consumer).await?;
    ensure!(switches.len() == 6, "4 leaves + 2 spines, got {switches:?}");
    let before = sim.ground_truth().await?;
    let snap = consumer.until(Duration::from_secs(5), |_| Ok(()), |_| true).await?;
    let truth = truth(&before, &sim.ground_truth().await?);
    let busy = check_rates(&snap, &truth)?;
    ensure!(snap.sources.len() == 6 && snap.stale_sources().count() == 0, "sources: {:?}", snap.sources);

    let lldp: BTreeSet<(String, String)> = snap
        .neighbors
        .iter()
        .map(|n| (format!("{}:{}", n.switch, n.interface), format!("{}:{}", n.system_name, n.port_id)))
        .collect();
    let topology: BTreeSet<(String, String)> = truth
        .iter()
        .filter(|(name, _)| switches.iter().any(|s| name.starts_with(&format!("{s}:"))))
        .map(|(name, (_, _, peer))| (name.clone(), peer.clone()))
        .collect();
    ensure!(lldp == topology, "LLDP adjacency {lldp:?}\ndiffers from the simulator's topology {topology:?}");
    ensure!(!snap.demands.is_empty() && snap.demands.iter().all(|d| d.bps.is_some_and(|b| b >= 0.0)));
    ensure!(snap.slots.iter().any(|s| s.bps.is_some() && s.next_hop.is_some()), "no WCMP slot loads");
    ensure!(snap.interfaces.iter().all(|i| i.oper_up == Some(true)), "every link is up");
    let m = consumer.handle.metrics();
    ensure!(m.updates > 0 && m.streams_up == 1 && m.unknown_paths == 0 && m.bad_values == 0, "metrics {m:?}");
    eprintln!("{busy} busy interfaces of {}; metrics {m:?}; engine {:?}", snap.interfaces.len(), snap.stats);
    Ok(())
}

/// No interface ever reports more than its line rate (a counter reset read as a delta would).
fn no_spike(snap: &IngestSnapshot) -> Result<()> {
    for i in &snap.interfaces {
        let cap = i.speed_bps.unwrap_or(u64::MAX) as f64 * 1.05;
        for r in [i.in_bps, i.out_bps].into_iter().flatten() {
            ensure!(r <= cap, "spike on {}:{}: {r:.3e} b/s > line rate", i.switch, i.interface);
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_endpoint_is_stale_meanwhile_then_reconnected_without_a_spike() -> Result<()> {
    let mut sim = Sim::start()?;
    let (gnmi, control) = (sim.gnmi, sim.control);
    // Two streams to listed targets and one `*` stream on the same endpoint would double data; use listed ones.
    let mut consumer = Consumer::start(&config(gnmi, &["leaf1", "spine1"]))?;
    let listed = vec!["leaf1".to_string(), "spine1".to_string()];
    let l2 = listed.clone();
    consumer.until(Duration::from_secs(15), no_spike, move |s| all_usable(s, &l2)).await?;

    sim.kill();
    let down = consumer
        .until(Duration::from_secs(5), no_spike, |s| s.sources.iter().all(|h| h.stale && h.disconnected))
        .await?;
    ensure!(down.interfaces.iter().all(|i| i.stale && !i.usable()), "stale links must not be usable");
    ensure!(down.interfaces.iter().all(|i| i.out_bps.is_some()), "stale links keep their last rates visible");
    // Stay down a few sample intervals: ingest keeps retrying with backoff.
    consumer.until(Duration::from_secs(1), no_spike, |_| false).await.ok();

    let sim = Sim::start_on(gnmi, control)?;
    let l2 = listed.clone();
    let back = consumer.until(Duration::from_secs(20), no_spike, move |s| all_usable(s, &l2)).await?;
    // A few more samples after the restart, all checked for spikes.
    consumer.until(Duration::from_millis(1500), no_spike, |_| false).await.ok();
    let truth = truth(&sim.ground_truth().await?, &sim.ground_truth().await?);
    let listed_only = IngestSnapshot {
        interfaces: back.interfaces.iter().filter(|i| listed.iter().any(|l| *l == *i.switch)).cloned().collect(),
        ..back.clone()
    };
    check_rates(&listed_only, &truth)?;
    let m = consumer.handle.metrics();
    ensure!(m.reconnects >= 2 && m.stream_failures >= 2 && m.streams_up == 2, "metrics {m:?}");
    ensure!(back.stats.source_rebases >= 2 && back.stats.became_stale >= 2, "engine {:?}", back.stats);
    eprintln!("after restart: metrics {m:?}; engine {:?}", back.stats);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_that_falls_behind_gets_coalesced_latest_values() -> Result<()> {
    let sim = Sim::start()?;
    let mut cfg = config(sim.gnmi, &[]);
    cfg.channel_capacity = 1;
    let mut consumer = Consumer::start(&cfg)?;
    let switches = ready(&sim, &mut consumer).await?;
    // Stop consuming for several sample intervals: the stream keeps reading and coalesces per leaf.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let m = consumer.handle.metrics();
    ensure!(m.coalesced_updates > 0, "nothing coalesced while the consumer slept: {m:?}");
    let before = sim.ground_truth().await?;
    let snap = consumer.until(Duration::from_secs(5), |_| Ok(()), |s| all_usable(s, &switches)).await?;
    let snap = consumer.until(Duration::from_secs(5), |_| Ok(()), |s| s.now_ns > snap.now_ns + 500_000_000).await?;
    check_rates(&snap, &truth(&before, &sim.ground_truth().await?))?;
    eprintln!("coalesced {} of {} updates", m.coalesced_updates, m.updates);
    Ok(())
}
