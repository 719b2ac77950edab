//! `fathomd compare` as an operator runs it: three arms side by side as JSON or a table, and clear errors for a
//! bad scenario or configuration.

use anyhow::{ensure, Context, Result};
use fathom_tests::{binary, crate_dir};

fn fathomd(args: &[&str]) -> Result<std::process::Output> {
    Ok(std::process::Command::new(binary("fathomd")?).args(args).output()?)
}

#[test]
fn compare_prints_ecmp_reactive_and_fathom_side_by_side() -> Result<()> {
    let scenario = crate_dir().join("scenarios/steady.toml");
    let s = scenario.to_str().context("utf-8 path")?;
    let out = fathomd(&["compare", s, "--duration", "4", "--output", "json"])?;
    ensure!(out.status.success(), "compare failed: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let arms = v["arms"].as_array().context("arms")?;
    let names: Vec<&str> = arms.iter().filter_map(|a| a["name"].as_str()).collect();
    ensure!(names == ["static ECMP", "reactive (last)", "Fathom (ensemble)"], "arms {names:?}");
    for a in arms {
        ensure!(a["figures"]["congested_link_seconds"].as_f64().is_some(), "figures of {}", a["name"]);
    }
    ensure!(v["simulated_s"].as_f64() == Some(4.0), "the duration override applies: {}", v["simulated_s"]);
    let table = fathomd(&["compare", s, "--duration", "4"])?;
    let text = String::from_utf8_lossy(&table.stdout);
    ensure!(text.contains("congested link-seconds") && text.contains("reactive (last)"), "table:\n{text}");
    Ok(())
}

#[test]
fn compare_rejects_bad_input_with_a_message_that_names_it() -> Result<()> {
    let out = fathomd(&["compare", "/nonexistent/scenario.toml"])?;
    let err = String::from_utf8_lossy(&out.stderr);
    ensure!(!out.status.success() && err.contains("scenario.toml"), "missing scenario: {err}");
    let dir = std::env::temp_dir().join(format!("fathom-compare-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let cfg = dir.join("bad.toml");
    std::fs::write(&cfg, "[control]\nforecaster = \"crystal-ball\"\n")?;
    let scenario = crate_dir().join("scenarios/steady.toml");
    let out = fathomd(&["compare", scenario.to_str().context("utf-8")?, "--config", cfg.to_str().context("utf-8")?])?;
    let err = String::from_utf8_lossy(&out.stderr);
    ensure!(!out.status.success() && err.contains("control.forecaster"), "bad config: {err}");
    let out = fathomd(&["compare", scenario.to_str().context("utf-8")?, "--duration=0"])?;
    ensure!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--duration"), "bad duration");
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
