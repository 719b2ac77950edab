//! Times `route_demands` on `leaf-spine:512x64` with a full leaf-to-prefix demand matrix (ECMP, no failures).
//!
//! Run with `cargo bench -p fathom-topology --bench route`; prints demands routed per second.

use std::hint::black_box;
use std::time::{Duration, Instant};

use fathom_topology::{from_spec, route_demands, Demand, Role, WcmpState};

fn main() {
    let f = from_spec("leaf-spine:512x64").expect("valid spec");
    let demands: Vec<Demand> = f
        .with_role(Role::Leaf)
        .flat_map(|src| {
            let f = &f;
            (0..f.prefixes().len()).filter(move |&p| f.prefixes()[p].leaf != src).map(move |prefix| Demand {
                src,
                prefix,
                bps: 1e9,
            })
        })
        .collect();
    let wcmp = WcmpState::new();
    let warm = route_demands(&f, &wcmp, &demands);
    let (_, max) = warm.max_utilization(&f).expect("links");

    let (mut runs, start) = (0u32, Instant::now());
    while runs < 3 || start.elapsed() < Duration::from_secs(5) {
        black_box(route_demands(&f, black_box(&wcmp), black_box(&demands)));
        runs += 1;
    }
    let per_run = start.elapsed() / runs;
    println!(
        "leaf-spine:512x64, {} nodes, {} links, {} demands: {:.1} ms per run over {runs} runs, {:.0} demands/s \
         (max utilization {max:.4})",
        f.node_count(),
        f.link_count(),
        demands.len(),
        per_run.as_secs_f64() * 1e3,
        demands.len() as f64 / per_run.as_secs_f64(),
    );
}
