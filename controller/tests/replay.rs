//! Replay on the shared TE datasets (`../shared/data/te` beside the repository): the targets, the
//! no-peeking rule, malformed inputs and the CLI output. In debug builds the GEANT series is cut to its first
//! 150 matrices to keep `cargo test` quick; `cargo test --release -p fathom-controller` replays all 677.

use std::path::PathBuf;

use fathom_controller::te::format::{load_matrices, load_topology, load_tunnels, parse_matrices, parse_tunnels};
use fathom_controller::te::{run_replay, Replay, ReplayConfig, ReplayInputs};
use fathom_controller::ControllerError;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/te");

fn inputs(net: &str, series: &str, limit: Option<usize>) -> ReplayInputs {
    let d = PathBuf::from(DATA).join(net);
    ReplayInputs {
        topology: d.join(format!("{net}.json")),
        tunnels: d.join("tunnels.txt"),
        matrices: d.join(format!("{series}.hist")),
        opt: Some(d.join(format!("{series}.opt"))),
        limit,
    }
}

#[test]
fn geant_meets_the_targets() {
    let limit = if cfg!(debug_assertions) { Some(150) } else { None };
    let r = run_replay(&inputs("GEANT", "test/7", limit), ReplayConfig::default(), |_, _, _| Ok(())).unwrap();
    let ratio = r.ratio.unwrap();
    eprintln!("GEANT {} steps: MLU/opt {ratio:?}", r.steps.len());
    assert_eq!(r.steps.len(), limit.unwrap_or(677));
    assert!(ratio.mean <= 1.05, "mean {}", ratio.mean);
    assert!(ratio.p99 <= 1.30, "p99 {}", ratio.p99);
}

#[test]
fn abilene_meets_the_target() {
    let r = run_replay(&inputs("Abilene", "test/1", None), ReplayConfig::default(), |_, _, _| Ok(())).unwrap();
    let ratio = r.ratio.unwrap();
    eprintln!("Abilene: MLU/opt {ratio:?}");
    assert_eq!(r.steps.len(), 36);
    assert!(ratio.mean <= 1.03, "mean {}", ratio.mean);
    assert!(r.steps.iter().all(|s| s.ratio.unwrap() >= 1.0 - 1e-6), "a step beat the LP optimum");
}

#[test]
fn splits_are_fractions_in_tunnel_order() {
    run_replay(&inputs("Abilene", "test/1", Some(10)), ReplayConfig::default(), |r, pairs, _| {
        assert_eq!(r.splits.len(), pairs.len());
        for f in &r.splits {
            assert!(f.iter().all(|v| (0.0..=1.0 + 1e-12).contains(v)));
            assert!((f.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
        let line: serde_json::Value = serde_json::from_str(&fathom_controller::te::splits_json_line(r, pairs)).unwrap();
        assert_eq!(line["step"], r.step);
        assert_eq!(line["splits"]["0 1"].as_array().unwrap().len(), r.splits[0].len());
        Ok(())
    })
    .unwrap();
}

#[test]
fn a_step_never_sees_its_own_matrix() {
    let inp = inputs("Abilene", "test/1", None);
    let topo = load_topology(&inp.topology).unwrap();
    let tunnels = load_tunnels(&inp.tunnels, &topo).unwrap();
    let ms = load_matrices(&inp.matrices, topo.nodes).unwrap();
    let run = |ms: &[Vec<f64>]| {
        let mut r = Replay::new(tunnels.instance(&topo).unwrap(), &tunnels, topo.nodes, ReplayConfig::default());
        ms.iter().map(|m| r.step(m, None).unwrap().splits).collect::<Vec<_>>()
    };
    let mut changed = ms[..12].to_vec();
    changed[11].iter_mut().for_each(|v| *v *= 7.0);
    let (a, b) = (run(&ms[..12]), run(&changed));
    assert_eq!(a[11], b[11], "step 11's splits depend on matrix 11");
    assert_eq!(a[0], b[0]);
}

#[test]
fn malformed_inputs_name_file_line_and_reason() {
    let inp = inputs("Abilene", "test/1", None);
    let topo = load_topology(&inp.topology).unwrap();
    let f = PathBuf::from("bad.hist");
    let err = parse_matrices(&f, "0 1 2\n", topo.nodes).unwrap_err();
    assert!(matches!(&err, ControllerError::Malformed { line: 1, .. }), "{err}");
    let row = vec!["1"; topo.nodes * topo.nodes].join(" ");
    let err = parse_matrices(&f, &format!("{row}\n{}\n", row.replacen('1', "x", 1)), topo.nodes).unwrap_err();
    assert!(err.to_string().starts_with("bad.hist:2: `x`"), "{err}");
    let t = PathBuf::from("tunnels.txt");
    let err = parse_tunnels(&t, "0 1:0-1\n0 2:0-5-9\n", &topo).unwrap_err();
    assert!(err.to_string().starts_with("tunnels.txt:2:"), "{err}");
    let err = parse_tunnels(&t, "0 1 0-1\n", &topo).unwrap_err();
    assert!(err.to_string().contains("expected `s d:path,path`"), "{err}");
}

#[test]
fn fathomctl_writes_splits_and_a_report() {
    let inp = inputs("Abilene", "test/1", None);
    let out = std::env::temp_dir().join(format!("fathomctl-test-{}.jsonl", std::process::id()));
    let res = std::process::Command::new(env!("CARGO_BIN_EXE_fathomctl"))
        .args(["te", "replay", "--quiet", "--output", "json", "--limit", "5", "--topology"])
        .arg(&inp.topology)
        .arg("--tunnels")
        .arg(&inp.tunnels)
        .arg("--matrices")
        .arg(&inp.matrices)
        .arg("--opt")
        .arg(inp.opt.as_ref().unwrap())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    let report: serde_json::Value = serde_json::from_slice(&res.stdout).unwrap();
    assert_eq!(report["steps"], 5);
    assert!(report["ratio"]["mean"].as_f64().unwrap() >= 1.0 - 1e-6);
    let lines = std::fs::read_to_string(&out).unwrap();
    assert_eq!(lines.lines().count(), 5);
    std::fs::remove_file(out).ok();
}
