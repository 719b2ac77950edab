//! `fathom-sim serve` as a separate process, checked with a third-party gNMI client (pygnmi) and the generated
//! Rust client: counters against ground truth, LLDP against the topology, error codes, ON_CHANGE on faults.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use fathom_proto::gnmi::{
    self, subscribe_request::Request as Req, subscribe_response::Response as Resp, subscription_list::Mode,
    typed_value::Value as Tv, SubscriptionMode,
};
use fathom_proto::sim::v1 as pb;
use fathom_tests::{run_python_json, SimProcess};
use serde_json::Value;
use tokio_stream::StreamExt;
use tonic::Code;

const SCENARIO: &str = "scenarios/steady.toml";
const TARGET: &str = "leaf1";
const INTERVAL_MS: u64 = 200;

/// (timestamp ns, leaf path -> value) per sample.
type Samples = Vec<(i64, BTreeMap<String, u64>)>;

fn samples(report: &Value) -> Result<Samples> {
    let arr = report["samples"].as_array().context("samples")?;
    arr.iter()
        .map(|s| {
            let ts = s["timestamp"].as_i64().context("timestamp")?;
            let vals = s["values"].as_object().context("values")?;
            let vals = vals.iter().map(|(k, v)| Ok((k.clone(), v.as_u64().context("uint")?))).collect::<Result<_>>()?;
            Ok((ts, vals))
        })
        .collect()
}

fn counter(s: &BTreeMap<String, u64>, ifname: &str, leaf: &str) -> u64 {
    s[&format!("interfaces/interface[name={ifname}]/state/counters/{leaf}")]
}

fn interfaces(s: &BTreeMap<String, u64>) -> Vec<String> {
    let names = s.keys().filter_map(|k| k.strip_prefix("interfaces/interface[name=")?.split_once(']'));
    let mut v: Vec<String> = names.map(|(n, _)| n.to_string()).collect();
    v.dedup();
    v
}

fn check_monotonic_and_spacing(samples: &Samples) -> Result<()> {
    ensure!(samples.len() >= 4, "too few samples: {}", samples.len());
    for w in samples.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        ensure!(b.0 > a.0, "timestamps not increasing: {} then {}", a.0, b.0);
        ensure!(a.1.keys().eq(b.1.keys()), "samples carry different leaves");
        for (k, v) in &a.1 {
            ensure!(b.1[k] >= *v, "{k} went backwards: {v} -> {}", b.1[k]);
        }
    }
    let span_ms = (samples.last().unwrap().0 - samples[1].0) as f64 / 1e6;
    let mean = span_ms / (samples.len() - 2) as f64;
    ensure!((0.6 * INTERVAL_MS as f64..=1.6 * INTERVAL_MS as f64).contains(&mean), "mean spacing {mean} ms");
    Ok(())
}

/// Average of two ground-truth snapshots, by link name: (load, capacity, peer).
fn loads(a: &pb::GroundTruth, b: &pb::GroundTruth) -> BTreeMap<String, (f64, f64, String)> {
    let mut m: BTreeMap<String, (f64, f64, String)> = BTreeMap::new();
    for l in a.links.iter().chain(&b.links) {
        let e = m.entry(l.name.clone()).or_insert((0.0, l.capacity_bps, l.peer.clone()));
        e.0 += l.load_bps / 2.0;
    }
    m
}

fn check_rates(samples: &Samples, truth: &BTreeMap<String, (f64, f64, String)>) -> Result<()> {
    let (first, last) = (&samples[0], samples.last().unwrap());
    let secs = (last.0 - first.0) as f64 / 1e9;
    let rate = |leaf: &str, ifname: &str| {
        (counter(&last.1, ifname, leaf) - counter(&first.1, ifname, leaf)) as f64 * 8.0 / secs
    };
    let mut busy = 0;
    for ifname in interfaces(&first.1) {
        let name = format!("{TARGET}:{ifname}");
        let (out_load, cap, peer) = truth.get(&name).with_context(|| format!("no ground truth for {name}"))?;
        let (in_load, _, _) = truth.get(peer).with_context(|| format!("no ground truth for {peer}"))?;
        for (what, measured, want) in
            [("out", rate("out-octets", &ifname), *out_load), ("in", rate("in-octets", &ifname), *in_load)]
        {
            let tol = 0.01 * cap + 0.02 * want;
            ensure!((measured - want).abs() <= tol, "{name} {what}: counters say {measured:.3e} b/s, truth {want:.3e}");
        }
        busy += usize::from(*out_load > 0.01 * cap);
    }
    ensure!(busy > 0, "no busy link on {TARGET}: the scenario should load the fabric");
    Ok(())
}

fn check_lldp(report: &Value, truth: &BTreeMap<String, (f64, f64, String)>) -> Result<()> {
    let got: BTreeMap<String, String> = report["lldp"]
        .as_array()
        .context("lldp")?
        .iter()
        .map(|n| {
            (
                n["interface"].as_str().unwrap_or("").to_string(),
                format!("{}:{}", n["system_name"].as_str().unwrap_or(""), n["port_id"].as_str().unwrap_or("")),
            )
        })
        .collect();
    let want: BTreeMap<String, String> = truth
        .iter()
        .filter_map(|(name, (_, _, peer))| Some((name.strip_prefix(&format!("{TARGET}:"))?.to_string(), peer.clone())))
        .collect();
    ensure!(got == want, "LLDP neighbors {got:?} differ from the topology {want:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pygnmi_sample_and_once_agree_with_ground_truth() -> Result<()> {
    let sim = SimProcess::start(SCENARIO)?;
    let mut control = sim.control_client().await?;
    let targets = control.list_targets(pb::ListTargetsRequest {}).await?.into_inner().targets;
    ensure!(targets.iter().any(|t| t.name == TARGET && t.role == "leaf" && t.up), "targets: {targets:?}");
    let truth_req = pb::GetGroundTruthRequest { include_flows: false };
    let before = control.get_ground_truth(truth_req).await?.into_inner();
    let args: Vec<String> = [
        "--port",
        &sim.gnmi.port().to_string(),
        "--target",
        TARGET,
        "--samples",
        "6",
        "--interval-ms",
        &INTERVAL_MS.to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let report = tokio::task::spawn_blocking(move || run_python_json("gnmi_check.py", &args)).await??;
    let after = control.get_ground_truth(truth_req).await?.into_inner();
    let caps = &report["capabilities"];
    ensure!(caps["gnmi_version"] == "0.10.0", "capabilities: {caps}");
    ensure!(caps["supported_encodings"] == serde_json::json!(["proto", "json_ietf"]), "capabilities: {caps}");
    let samples = samples(&report)?;
    check_monotonic_and_spacing(&samples)?;
    let truth = loads(&before, &after);
    check_rates(&samples, &truth)?;
    check_lldp(&report, &truth)
}

fn subscription(target: &str, mode: Mode, path: &str, sub_mode: SubscriptionMode, ns: u64) -> gnmi::SubscribeRequest {
    let elem = path.split('/').filter(|s| !s.is_empty()).map(|e| {
        let (name, key) = e.split_once('[').unwrap_or((e, ""));
        let key = key.trim_end_matches(']').split_once('=').map(|(k, v)| (k.to_string(), v.to_string()));
        gnmi::PathElem { name: name.into(), key: key.into_iter().collect() }
    });
    let sub = gnmi::Subscription {
        path: Some(gnmi::Path { elem: elem.collect(), ..Default::default() }),
        mode: sub_mode as i32,
        sample_interval: ns,
        ..Default::default()
    };
    let list = gnmi::SubscriptionList {
        prefix: Some(gnmi::Path { target: target.into(), ..Default::default() }),
        subscription: vec![sub],
        mode: mode as i32,
        encoding: gnmi::Encoding::Proto as i32,
        ..Default::default()
    };
    gnmi::SubscribeRequest { request: Some(Req::Subscribe(list)), extension: vec![] }
}

type Inbound = tonic::Streaming<gnmi::SubscribeResponse>;

async fn open(sim: &SimProcess, req: gnmi::SubscribeRequest) -> Result<Inbound, tonic::Status> {
    let mut client = sim.gnmi_client().await.map_err(|e| tonic::Status::unavailable(e.to_string()))?;
    let outbound = tokio_stream::iter(vec![req]).chain(tokio_stream::pending());
    client.subscribe(outbound).await.map(|r| r.into_inner())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_target_small_interval_and_poll_get_the_right_codes() -> Result<()> {
    let sim = SimProcess::start(SCENARIO)?;
    let p = "/interfaces/interface[name=*]/state/counters";
    let cases = [
        (subscription("nosuchswitch", Mode::Stream, p, SubscriptionMode::Sample, 0), Code::NotFound, "nosuchswitch"),
        (subscription(TARGET, Mode::Stream, p, SubscriptionMode::Sample, 1_000_000), Code::InvalidArgument, "minimum"),
        (subscription(TARGET, Mode::Poll, p, SubscriptionMode::Sample, 0), Code::Unimplemented, "POLL"),
        (subscription(TARGET, Mode::Stream, "/bogus", SubscriptionMode::Sample, 0), Code::NotFound, "/bogus"),
    ];
    for (req, code, text) in cases {
        let status = open(&sim, req).await.expect_err("the subscription must be refused");
        ensure!(status.code() == code, "got {:?} ({}), want {code:?}", status.code(), status.message());
        ensure!(status.message().contains(text), "message {:?} should name {text:?}", status.message());
    }
    Ok(())
}

/// Next `oper-status` value seen on the stream.
async fn next_status(s: &mut Inbound) -> Result<String> {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), s.message()).await?.context("stream error")?;
        let Some(Resp::Update(n)) = msg.context("stream ended")?.response else { continue };
        if let Some(Tv::StringVal(v)) = n.update.first().and_then(|u| u.val.as_ref()).and_then(|v| v.value.clone()) {
            return Ok(v);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_change_oper_status_follows_injected_faults() -> Result<()> {
    let sim = SimProcess::start(SCENARIO)?;
    let p = "/interfaces/interface[name=Ethernet1]/state/oper-status";
    let mut s = open(&sim, subscription(TARGET, Mode::Stream, p, SubscriptionMode::OnChange, 0)).await?;
    ensure!(next_status(&mut s).await? == "UP", "initial value");
    let mut control = sim.control_client().await?;
    let fault = pb::FaultRequest { kind: pb::FaultKind::LinkDown as i32, target: format!("{TARGET}:Ethernet1") };
    control.inject_fault(fault.clone()).await?;
    ensure!(next_status(&mut s).await? == "DOWN", "after LINK_DOWN");
    control.clear_fault(fault).await?;
    ensure!(next_status(&mut s).await? == "UP", "after clearing");
    Ok(())
}
