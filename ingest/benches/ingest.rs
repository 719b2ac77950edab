//! Ingest throughput on one core: gNMI updates per second through decode + convert + rate engine, as a ratio to
//! the raw prost decode rate of the same bytes.
//!
//! `cargo bench -p fathom-ingest --bench ingest [-- SPEC]` (default `leaf-spine:512x64`). The buffers are the
//! counter notifications every switch of the fabric sends per sample (as `fathom-sim serve` encodes them: one
//! notification per switch and origin of at most 1000 updates, full paths, PROTO values): per interface the 8
//! interface counters, 2 pause counters, 5 leaves per queue (2 queues) and 3 PFC counters.
//! `FATHOM_BENCH_SAMPLES` (default 3) samples are built; the first primes the engine and is not timed.

use std::hint::black_box;
use std::time::Instant;

use fathom_ingest::{decode_response, ConvertStats, EngineConfig, RateEngine, Received};
use fathom_proto::gnmi::{self, subscribe_response::Response, typed_value::Value as Tv};
use prost::Message;

const INTERVAL_NS: i64 = 1_000_000_000;
const T0: i64 = 1_700_000_000_000_000_000;

struct Switch {
    name: String,
    interfaces: Vec<String>,
}

fn fabric(spec: &str) -> Vec<Switch> {
    let f = fathom_topology::from_spec(spec).unwrap_or_else(|e| panic!("{e}"));
    f.switches()
        .map(|n| Switch {
            name: f.node(n).name.clone(),
            interfaces: f.out_links(n).into_iter().map(|l| f.link(l).src_if.clone()).collect(),
        })
        .collect()
}

fn elem(name: &str, key: Option<(&str, &str)>) -> gnmi::PathElem {
    gnmi::PathElem { name: name.into(), key: key.into_iter().map(|(k, v)| (k.into(), v.into())).collect() }
}

fn update(path: Vec<gnmi::PathElem>, v: u64) -> gnmi::Update {
    let path = gnmi::Path { elem: path, ..Default::default() };
    gnmi::Update { path: Some(path), val: Some(gnmi::TypedValue { value: Some(Tv::UintVal(v)) }), duplicates: 0 }
}

/// A counter value that grows at a per-leaf rate (up to ~50 GB/s), large as on a long-running switch.
fn counter(seed: usize, sample: i64) -> u64 {
    let rate = (seed as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) % 50_000_000_000;
    1_000_000_000_000 + rate * sample as u64
}

/// The OpenConfig and `fathom` counter leaves of one interface.
fn interface_updates(ifname: &str, seed: usize, s: i64) -> (Vec<gnmi::Update>, Vec<gnmi::Update>) {
    let mut oc = Vec::with_capacity(20);
    let base = |tail: &[&str]| {
        let mut p = vec![elem("interfaces", None), elem("interface", Some(("name", ifname)))];
        p.extend(tail.iter().map(|n| elem(n, None)));
        p
    };
    let counters =
        ["in-octets", "out-octets", "in-pkts", "out-pkts", "in-discards", "out-discards", "in-errors", "out-errors"];
    for (i, c) in counters.iter().enumerate() {
        oc.push(update(base(&["state", "counters", c]), counter(seed * 64 + i, s)));
    }
    for (i, c) in ["in-mac-pause-frames", "out-mac-pause-frames"].iter().enumerate() {
        oc.push(update(base(&["ethernet", "state", "counters", c]), counter(seed * 64 + 8 + i, s)));
    }
    for (qi, q) in ["lossless", "lossy"].iter().enumerate() {
        for (i, c) in
            ["transmit-octets", "transmit-pkts", "dropped-pkts", "max-queue-len", "ecn-marked-pkts"].iter().enumerate()
        {
            let mut p =
                vec![elem("qos", None), elem("interfaces", None), elem("interface", Some(("interface-id", ifname)))];
            p.extend([
                elem("output", None),
                elem("queues", None),
                elem("queue", Some(("name", q))),
                elem("state", None),
                elem(c, None),
            ]);
            oc.push(update(p, counter(seed * 64 + 16 + qi * 8 + i, s)));
        }
    }
    let mut ft = Vec::with_capacity(3);
    for (i, c) in ["rx-pause-frames", "tx-pause-frames", "rx-pause-duration-us"].iter().enumerate() {
        let mut p = vec![elem("interfaces", None), elem("interface", Some(("name", ifname))), elem("pfc", None)];
        p.extend([elem("priority", Some(("id", "3"))), elem("state", None), elem(c, None)]);
        ft.push(update(p, counter(seed * 64 + 40 + i, s)));
    }
    (oc, ft)
}

/// Encoded `SubscribeResponse`s of one sample of every switch, and the number of updates in them.
fn sample(switches: &[Switch], s: i64) -> (Vec<Vec<u8>>, usize) {
    let (mut out, mut n) = (Vec::new(), 0);
    for (si, sw) in switches.iter().enumerate() {
        let (mut oc, mut ft) = (Vec::new(), Vec::new());
        for (ii, ifname) in sw.interfaces.iter().enumerate() {
            let (a, b) = interface_updates(ifname, si * 1024 + ii, s);
            oc.extend(a);
            ft.extend(b);
        }
        for (origin, updates) in [("openconfig", oc), ("fathom", ft)] {
            n += updates.len();
            let mut updates = updates.into_iter().peekable();
            while updates.peek().is_some() {
                let chunk: Vec<gnmi::Update> = updates.by_ref().take(1000).collect();
                let prefix = gnmi::Path { target: sw.name.clone(), origin: origin.into(), ..Default::default() };
                let note = gnmi::Notification {
                    timestamp: T0 + s * INTERVAL_NS,
                    prefix: Some(prefix),
                    update: chunk,
                    delete: vec![],
                    atomic: false,
                };
                out.push(
                    gnmi::SubscribeResponse { response: Some(Response::Update(note)), extension: vec![] }
                        .encode_to_vec(),
                );
            }
        }
    }
    (out, n)
}

fn raw_decode(msgs: &[Vec<u8>]) -> f64 {
    let t = Instant::now();
    for m in msgs {
        black_box(gnmi::SubscribeResponse::decode(m.as_slice()).unwrap());
    }
    t.elapsed().as_secs_f64()
}

fn full_path(prime: &[Vec<u8>], msgs: &[Vec<u8>]) -> (f64, RateEngine) {
    let mut engine = RateEngine::new(EngineConfig { sample_interval_ns: INTERVAL_NS, ..EngineConfig::default() });
    let mut stats = ConvertStats::default();
    let mut feed = |engine: &mut RateEngine, m: &[u8]| {
        if let Ok(Received::Batch(b)) = decode_response(m, 0, 1, &mut stats) {
            let now = b.timestamp_ns;
            engine.apply(&b, now);
        }
    };
    prime.iter().for_each(|m| feed(&mut engine, m));
    let t = Instant::now();
    msgs.iter().for_each(|m| feed(&mut engine, m));
    (t.elapsed().as_secs_f64(), engine)
}

fn main() {
    let spec = std::env::args().skip(1).find(|a| !a.starts_with("--")).unwrap_or_else(|| "leaf-spine:512x64".into());
    let samples: i64 = std::env::var("FATHOM_BENCH_SAMPLES").ok().and_then(|s| s.parse().ok()).unwrap_or(3).max(2);
    let t = Instant::now();
    let switches = fabric(&spec);
    let built: Vec<(Vec<Vec<u8>>, usize)> = (0..samples).map(|s| sample(&switches, s)).collect();
    let prime = &built[0].0;
    let timed: Vec<Vec<u8>> = built[1..].iter().flat_map(|(m, _)| m.iter().cloned()).collect();
    let updates: usize = built[1..].iter().map(|(_, n)| n).sum();
    let bytes: usize = timed.iter().map(Vec::len).sum();
    println!(
        "{spec}: {} switches, {} timed messages, {updates} updates, {:.1} MB, {:.1} B/update (built in {:.1} s)",
        switches.len(),
        timed.len(),
        bytes as f64 / 1e6,
        bytes as f64 / updates as f64,
        t.elapsed().as_secs_f64()
    );
    let (mut best_raw, mut best_full) = (f64::MAX, f64::MAX);
    let only_ingest = std::env::var_os("FATHOM_BENCH_ONLY_INGEST").is_some(); // for profiling
    for round in 0..3 {
        let raw = if only_ingest { f64::NAN } else { raw_decode(&timed) };
        let (full, engine) = full_path(prime, &timed);
        let st = engine.stats();
        println!(
            "round {round}: raw decode {:>6.2} M updates/s | decode+convert+rates {:>6.2} M updates/s | ratio {:.0}% | {} rates, {} resets",
            updates as f64 / raw / 1e6,
            updates as f64 / full / 1e6,
            100.0 * raw / full,
            st.rates,
            st.resets
        );
        (best_raw, best_full) = (best_raw.min(raw), best_full.min(full));
    }
    println!(
        "best: raw decode {:.2} M updates/s, ingest {:.2} M updates/s, ratio {:.0}%",
        updates as f64 / best_raw / 1e6,
        updates as f64 / best_full / 1e6,
        100.0 * best_raw / best_full
    );
}
