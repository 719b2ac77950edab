//! Engine behaviour: determinism, ECMP hash collisions, the optimal slot assignment, bad input.

use fathom_sim::control::{SlotSpec, SlotUpdate};
use fathom_sim::engine::state::FiveTuple;
use fathom_sim::rng::Rng;
use fathom_sim::{Scenario, SimError, Simulation};

fn scenario(path: &str) -> Scenario {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    Scenario::from_file(&p).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn same_seed_gives_the_same_summary_bit_for_bit() {
    let mut sc = scenario("scenarios/ai-cluster.toml");
    sc.duration_s = 1.5;
    let run = |sc: &Scenario| {
        let mut sim = Simulation::new(sc).unwrap();
        sim.run();
        serde_json::to_string(&sim.summary()).unwrap()
    };
    let (a, b) = (run(&sc), run(&sc));
    assert_eq!(a, b);
    sc.seed += 1;
    assert_ne!(a, run(&sc), "a different seed should give a different run");
}

/// P(max bin load = k) for `n` balls thrown uniformly into `m` bins, exactly.
fn balls_into_bins(n: usize, m: usize) -> Vec<f64> {
    // P(max <= k) = n! [x^n] (sum_{j<=k} x^j / j!)^m / m^n
    let fact: Vec<f64> = (0..=n)
        .scan(1.0, |a, i| {
            if i > 0 {
                *a *= i as f64;
            }
            Some(*a)
        })
        .collect();
    let le = |k: usize| {
        let base: Vec<f64> = (0..=n).map(|j| if j <= k { 1.0 / fact[j] } else { 0.0 }).collect();
        let mut poly = vec![0.0; n + 1];
        poly[0] = 1.0;
        for _ in 0..m {
            let mut next = vec![0.0; n + 1];
            for (i, a) in poly.iter().enumerate() {
                for (j, b) in base.iter().enumerate().take(n + 1 - i) {
                    next[i + j] += a * b;
                }
            }
            poly = next;
        }
        poly[n] * fact[n] / (m as f64).powi(n as i32)
    };
    (0..=n).map(|k| le(k) - if k > 0 { le(k - 1) } else { 0.0 }).collect()
}

#[test]
fn ecmp_collisions_follow_balls_into_bins() {
    let sc = Scenario::from_toml(
        "duration_s = 1.0\n[topology]\nkind = \"leaf-spine\"\nleaves = 2\nspines = 8\nhosts_per_leaf = 8\n",
    )
    .unwrap();
    let mut sim = Simulation::new(&sc).unwrap();
    let f = sim.fabric().clone();
    let src: Vec<_> = (1..=8).map(|h| f.find(&format!("host1-{h}")).unwrap()).collect();
    let dst: Vec<_> = (1..=8).map(|h| f.find(&format!("host2-{h}")).unwrap()).collect();
    let trials = 4000;
    let mut hist = [0usize; 9];
    let mut rng = Rng::new(99);
    for _ in 0..trials {
        let mut per_uplink = std::collections::BTreeMap::new();
        for i in 0..8 {
            let t = FiveTuple {
                src_ip: f.host_ip(src[i]).unwrap().into(),
                dst_ip: f.host_ip(dst[i]).unwrap().into(),
                src_port: 49152 + rng.below(16000) as u16,
                dst_port: 4791,
                protocol: 17,
            };
            let path = sim.trace(src[i], dst[i], &t).expect("reachable");
            *per_uplink.entry(path[1].link).or_insert(0usize) += 1;
        }
        hist[*per_uplink.values().max().unwrap()] += 1;
    }
    let theory = balls_into_bins(8, 8);
    let mean_emp: f64 = hist.iter().enumerate().map(|(k, c)| k as f64 * *c as f64).sum::<f64>() / trials as f64;
    let mean_th: f64 = theory.iter().enumerate().map(|(k, p)| k as f64 * p).sum();
    for k in 1..=8 {
        let emp = hist[k] as f64 / trials as f64;
        assert!((emp - theory[k]).abs() < 0.03, "P(max={k}): simulated {emp:.3}, balls-into-bins {:.3}", theory[k]);
    }
    assert!((mean_emp - mean_th).abs() < 0.05, "mean busiest uplink {mean_emp:.3} vs {mean_th:.3}");
    // Only about 1 in 400 throws of 8 balls into 8 bins is collision-free.
    assert!(hist[1] as f64 / (trials as f64) < 0.01);
}

#[test]
fn optimal_slot_assignment_removes_iteration_inflation() {
    let mut sc = scenario("scenarios/training-collisions.toml");
    sc.duration_s = 2.0;
    let mut ecmp = Simulation::new(&sc).unwrap();
    ecmp.run();
    let slow = ecmp.summary().jobs[0].slowdown_p50.unwrap();
    assert!(slow > 1.3, "ECMP should inflate iterations through collisions, got {slow:.3}");

    // Ground truth: the ring's flows. Give every cross-leaf flow its own spine so that no uplink and no downlink
    // carries two of them (a proper edge colouring of the leaf-to-leaf flow multigraph), via host tables.
    let mut opt = Simulation::new(&sc).unwrap();
    opt.run_until(110_000_000);
    let truth = opt.ground_truth(true);
    assert!(!truth.flows.is_empty(), "the all-reduce should be running at 110 ms");
    let f = opt.fabric().clone();
    let spines: Vec<_> = f.with_role(fathom_topology::Role::Spine).collect();
    let mut used_up = std::collections::BTreeSet::new();
    let mut used_down = std::collections::BTreeSet::new();
    let mut updates = Vec::new();
    for fl in &truth.flows {
        let (s, d) = (f.find(&fl.src).unwrap(), f.find(&fl.dst).unwrap());
        let (sl, dl) = (f.host_leaf(s).unwrap(), f.host_leaf(d).unwrap());
        if sl == dl {
            continue;
        }
        let c = (0..spines.len())
            .find(|&c| !used_up.contains(&(sl, c)) && !used_down.contains(&(dl, c)))
            .expect("a free spine for every flow in a regular ring");
        used_up.insert((sl, c));
        used_down.insert((dl, c));
        let uplink = f.out_links(sl).into_iter().find(|&l| f.endpoints(l).1 == spines[c]).unwrap();
        let prefix = f.prefixes()[f.prefix_for(f.host_ip(d).unwrap()).unwrap()].prefix.to_string();
        updates.push(SlotUpdate {
            device: fl.src.clone(),
            prefix,
            spec: SlotSpec::Weights(vec![(f.link(uplink).src_if.clone(), 1.0)]),
        });
    }
    assert!(opt.apply_slot_updates(&updates).unwrap() > 0);
    opt.run();
    let job = &opt.summary().jobs[0];
    let fixed = job.slowdown_p50.unwrap();
    assert!(fixed < 1.05, "optimal assignment should remove the inflation, got {fixed:.3} (ECMP {slow:.3})");
    assert!(job.slowdown_p99.unwrap() < 1.1);
}

#[test]
fn changing_a_slot_moves_only_the_flows_hashing_to_it() {
    let mut sc = scenario("scenarios/training-collisions.toml");
    sc.duration_s = 1.0;
    let mut sim = Simulation::new(&sc).unwrap();
    sim.run_until(110_000_000);
    let before = sim.ground_truth(true);
    let tables = sim.slot_tables(Some("leaf1"), Some("10.0.2.0/24")).unwrap();
    let mut slots = tables[0].slots.clone();
    // Point every slot at one uplink: only flows leaf1 -> leaf2 can move.
    let target = slots[0].clone();
    slots.iter_mut().for_each(|s| *s = target.clone());
    sim.apply_slot_updates(&[SlotUpdate {
        device: "leaf1".into(),
        prefix: "10.0.2.0/24".into(),
        spec: SlotSpec::Slots(slots),
    }])
    .unwrap();
    let after = sim.ground_truth(true);
    for (a, b) in before.flows.iter().zip(&after.flows) {
        assert_eq!(a.id, b.id);
        let towards_leaf2 = a.path.first().is_some_and(|p| p.starts_with("host1-")) && a.dst.starts_with("host2-");
        if !towards_leaf2 {
            assert_eq!(a.path, b.path, "flow {} {}->{} must not move", a.id, a.src, a.dst);
        } else {
            assert_eq!(b.path[1], format!("leaf1:{target}"));
        }
    }
}

#[test]
fn a_batch_with_one_bad_entry_changes_nothing() {
    let sc = scenario("scenarios/training-collisions.toml");
    let mut sim = Simulation::new(&sc).unwrap();
    let before = sim.slot_tables(None, None).unwrap();
    let good = SlotUpdate {
        device: "leaf1".into(),
        prefix: "10.0.2.0/24".into(),
        spec: SlotSpec::Weights(vec![("Ethernet1".into(), 1.0)]),
    };
    for bad in [
        SlotUpdate { device: "leaf99".into(), ..good.clone() },
        SlotUpdate { prefix: "10.9.9.0/24".into(), ..good.clone() },
        SlotUpdate { spec: SlotSpec::Weights(vec![("Ethernet9".into(), 1.0)]), ..good.clone() },
        SlotUpdate { spec: SlotSpec::Weights(vec![("Ethernet1".into(), f64::NAN)]), ..good.clone() },
        SlotUpdate { spec: SlotSpec::Slots(vec![]), ..good.clone() },
        SlotUpdate { device: "leaf2".into(), ..good.clone() },
    ] {
        let err = sim.apply_slot_updates(&[good.clone(), bad.clone()]).unwrap_err();
        assert!(matches!(err, SimError::Unknown { .. } | SimError::Invalid { .. } | SimError::Topology(_)), "{err}");
        assert!(!err.to_string().is_empty());
        assert_eq!(sim.slot_tables(None, None).unwrap(), before, "rejected batch {bad:?} changed state");
    }
}

#[test]
fn malformed_scenarios_name_the_line_or_field() {
    let cases = [
        ("duration_s = 1\n[topology]\nkind = \"leaf-spine\"\nleaves = 2\nspines = 2\nbogus = 1\n", "line"),
        ("duration_s = \"soon\"\n[topology]\nkind = \"fat-tree\"\nk = 4\n", "line 1"),
        ("duration_s = 1\n[topology]\nkind = \"ring\"\n", "line"),
        ("duration_s = -1\n[topology]\nkind = \"fat-tree\"\nk = 4\n", "duration_s"),
        ("duration_s = 1\n[topology]\nkind = \"fat-tree\"\nk = 4\n[fabric]\nslots = 0\n", "fabric.slots"),
        ("duration_s = 1\n[topology]\nkind = \"fat-tree\"\nk = 4\n[[fault]]\nat_s = 1\nkind = \"meteor\"\ntarget = \"x\"\n", "fault[0]"),
        ("duration_s = 1\n[topology]\nkind = \"fat-tree\"\nk = 4\n[[workload]]\nkind = \"training\"\nhosts = 1\n", ""),
    ];
    for (text, needle) in cases {
        let err = match Scenario::from_toml(text) {
            Err(e) => e.to_string(),
            Ok(sc) => Simulation::new(&sc).expect_err("invalid workload must be rejected").to_string(),
        };
        assert!(err.contains(needle), "error '{err}' should mention '{needle}'");
    }
    let sc = Scenario::from_toml(
        "duration_s = 1\n[topology]\nkind = \"fat-tree\"\nk = 4\n[[workload]]\nkind = \"training\"\nhosts = 1\n",
    )
    .unwrap();
    assert!(Simulation::new(&sc).unwrap_err().to_string().contains("training1'.hosts"));
    let sc = Scenario::from_toml("duration_s = 1\n[topology]\nkind = \"fat-tree\"\nk = 4\n[[fault]]\nat_s = 1\nkind = \"drain\"\ntarget = \"spine77\"\n").unwrap();
    assert!(Simulation::new(&sc).unwrap_err().to_string().contains("spine77"));
    let sc =
        Scenario::from_toml("duration_s = 1\n[topology]\nkind = \"file\"\npath = \"/nonexistent.json\"\n").unwrap();
    assert!(Simulation::new(&sc).unwrap_err().to_string().contains("/nonexistent.json"));
}

#[test]
fn shipped_scenarios_all_load() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            Scenario::from_file(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        }
    }
}

#[test]
fn link_failure_reroutes_and_counters_stay_consistent() {
    let mut sc = scenario("scenarios/training-collisions.toml");
    sc.duration_s = 0.5;
    let mut sim = Simulation::new(&sc).unwrap();
    sim.run_until(110_000_000);
    sim.apply_fault(&fathom_sim::control::FaultAction {
        fault: fathom_sim::control::Fault::LinkDown("leaf1:Ethernet1".into()),
        clear: false,
    })
    .unwrap();
    let truth = sim.ground_truth(true);
    assert!(truth.flows.iter().all(|f| !f.path.contains(&"leaf1:Ethernet1".to_string())));
    let t1 = sim.telemetry();
    sim.run_until(200_000_000);
    let t2 = sim.telemetry();
    for (a, b) in t1.switches.iter().zip(&t2.switches) {
        for (x, y) in a.interfaces.iter().zip(&b.interfaces) {
            assert!(y.out_octets >= x.out_octets && y.in_octets >= x.in_octets, "{}:{} went backwards", a.name, x.name);
        }
    }
    let leaf1 = t2.switch("leaf1").unwrap();
    assert!(!leaf1.interfaces[0].oper_up);
    assert!(leaf1.interfaces[0].lldp.is_none());
    assert!(sim
        .apply_fault(&fathom_sim::control::FaultAction {
            fault: fathom_sim::control::Fault::LinkDown("leaf1:Ethernet77".into()),
            clear: false
        })
        .is_err());
}

#[test]
fn incremental_rates_equal_a_global_max_min_solve() {
    let mut sc = scenario("scenarios/ai-cluster.toml");
    sc.duration_s = 0.6;
    let mut sim = Simulation::new(&sc).unwrap();
    let mut t = 0;
    let mut checks = 0;
    while t < sim.duration_ns() {
        t += 3_000_000;
        sim.run_until(t);
        let gap = sim.max_min_gap();
        assert!(gap < 1e-6, "at {t} ns the incremental rates differ from max-min by {gap:e} of a flow's cap");
        checks += 1;
    }
    assert!(checks >= 100 && sim.stats().recomputes > 100);
}

#[test]
fn stale_fencing_tokens_are_refused_and_change_nothing() {
    let sc = scenario("scenarios/training-collisions.toml");
    let mut sim = Simulation::new(&sc).unwrap();
    let to = |iface: &str| SlotUpdate {
        device: "leaf1".into(),
        prefix: "10.0.2.0/24".into(),
        spec: SlotSpec::Weights(vec![(iface.into(), 1.0)]),
    };
    assert!(sim.apply_slot_updates_fenced(&[to("Ethernet1")], 5).unwrap() > 0);
    assert_eq!(sim.fencing_token(), 5);
    let before = sim.slot_tables(Some("leaf1"), Some("10.0.2.0/24")).unwrap();
    let err = sim.apply_slot_updates_fenced(&[to("Ethernet2")], 4).unwrap_err();
    assert!(matches!(err, SimError::Fenced { token: 4, highest: 5 }), "{err}");
    assert_eq!(sim.slot_tables(Some("leaf1"), Some("10.0.2.0/24")).unwrap(), before);
    // The same or a newer epoch may write; a rejected batch does not advance the token.
    assert!(sim.apply_slot_updates_fenced(&[to("Ethernet2"), to("Ethernet99")], 9).is_err());
    assert_eq!(sim.fencing_token(), 5);
    sim.apply_slot_updates_fenced(&[to("Ethernet2")], 5).unwrap();
}

#[test]
fn incremental_rates_equal_a_global_max_min_solve_under_background_redraws() {
    // bench-32x8: collectives over gravity background whose rate caps are redrawn every 500 ms.
    let mut sc = scenario("scenarios/bench-32x8.toml");
    sc.duration_s = 1.1;
    let mut sim = Simulation::new(&sc).unwrap();
    let mut t = 0;
    while t < sim.duration_ns() {
        t += 5_000_000;
        sim.run_until(t);
        let gap = sim.max_min_gap();
        assert!(gap < 1e-6, "at {t} ns the incremental rates differ from max-min by {gap:e} of a flow's cap");
    }
    // The redraws took the direct path for most cap changes (and the checks above covered it).
    assert!(sim.stats().direct_caps > 500, "direct cap changes: {}", sim.stats().direct_caps);
}

#[test]
fn flows_complete_only_when_all_their_bytes_are_sent() {
    // bench-32x8: colliding collectives and background flows reuse flow slots thousands of times while rate
    // changes move their completions. A completion scheduled for a slot's previous flow must never end the flow
    // that took the slot over (the engine asserts, in builds with debug assertions, that a completing flow has no
    // bytes left). Iterations then cannot beat their no-contention ideal either.
    let mut sc = scenario("scenarios/bench-32x8.toml");
    sc.duration_s = 2.0;
    let mut sim = Simulation::new(&sc).unwrap();
    sim.run();
    assert!(sim.stats().flows_completed > 1500, "{} completions", sim.stats().flows_completed);
    for r in sim.job_reports() {
        let (Some(ideal), Some(&fastest)) = (r.ideal_iteration_ns, r.iterations_ns.iter().min()) else { continue };
        // Compute time is jittered by 1% around its mean; communication cannot beat the NIC rate.
        assert!(
            fastest as f64 >= 0.97 * ideal as f64,
            "{}: an iteration of {fastest} ns against an ideal of {ideal} ns",
            r.name
        );
    }
}
