//! `fathom-sim`: run a scenario as fast as possible (`run`) or live (`serve`).

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use fathom_sim::{Scenario, Simulation};

#[derive(Parser, Debug)]
#[command(name = "fathom-sim", version, about = "Flow-level simulator of AI data-center fabrics")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
    /// Log format.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Plain)]
    log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Output {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum LogFormat {
    Plain,
    Json,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Run SCENARIO as fast as possible and print a summary.
    Run {
        scenario: PathBuf,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Override the scenario's duration, seconds.
        #[arg(long)]
        duration: Option<f64>,
        /// Print progress on stderr.
        #[arg(long)]
        progress: bool,
    },
    /// Validate SCENARIO and print what it builds.
    Check {
        scenario: PathBuf,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Run SCENARIO live: a gNMI target server for every switch and the fabric control API.
    #[cfg(feature = "server")]
    Serve {
        scenario: PathBuf,
        /// gNMI listen address.
        #[arg(long, default_value = "127.0.0.1:9339")]
        gnmi: std::net::SocketAddr,
        /// Control API listen address.
        #[arg(long, default_value = "127.0.0.1:9340")]
        control: std::net::SocketAddr,
        /// Simulated seconds per wall second.
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// Fastest gNMI SAMPLE interval accepted, milliseconds.
        #[arg(long, default_value_t = 100)]
        min_sample_ms: u64,
        #[arg(long)]
        seed: Option<u64>,
    },
}

fn load(path: &std::path::Path, seed: Option<u64>, duration: Option<f64>) -> Result<Scenario> {
    let mut sc = Scenario::from_file(path).map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(s) = seed {
        sc.seed = s;
    }
    if let Some(d) = duration {
        anyhow::ensure!(d > 0.0 && d.is_finite(), "--duration must be a positive number of seconds");
        sc.duration_s = d;
    }
    Ok(sc)
}

fn run(path: &std::path::Path, output: Output, seed: Option<u64>, duration: Option<f64>, progress: bool) -> Result<()> {
    let sc = load(path, seed, duration)?;
    let wall = Instant::now();
    let mut sim = Simulation::new(&sc).map_err(|e| anyhow::anyhow!("{e}"))?;
    let total = sim.duration_ns();
    let steps = 50u64;
    for i in 1..=steps {
        sim.run_until(total / steps * i);
        if progress {
            eprint!("\r[{:<50}] {:>3}% {:.2}s simulated", "#".repeat(i as usize), i * 2, sim.now_ns() as f64 / 1e9);
            let _ = std::io::stderr().flush();
        }
    }
    sim.run();
    if progress {
        eprintln!();
    }
    let summary = sim.summary();
    let secs = wall.elapsed().as_secs_f64();
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&summary)?),
        Output::Table => {
            print!("{}", summary.table());
            println!(
                "\nwall time {:.3} s: {:.0}x real time, {:.0} events/s",
                secs,
                summary.simulated_s / secs.max(1e-9),
                summary.events as f64 / secs.max(1e-9)
            );
        }
    }
    Ok(())
}

fn check(path: &std::path::Path, output: Output) -> Result<()> {
    let sc = load(path, None, None)?;
    let sim = Simulation::new(&sc).map_err(|e| anyhow::anyhow!("{e}"))?;
    let f = sim.fabric();
    let info = serde_json::json!({
        "scenario": sc.name,
        "switches": f.switches().count(),
        "hosts": f.hosts().count(),
        "links": f.link_count() / 2,
        "workloads": sc.workloads.iter().map(|w| w.kind()).collect::<Vec<_>>(),
        "faults": sc.faults.len(),
        "duration_s": sc.duration_s,
    });
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&info)?),
        Output::Table => {
            for (k, v) in info.as_object().context("object")? {
                println!("{k:<12} {v}");
            }
        }
    }
    Ok(())
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let b = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Plain => b.init(),
        LogFormat::Json => b.json().init(),
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    init_logs(cli.log_format);
    match cli.cmd {
        Cmd::Run { scenario, output, seed, duration, progress } => run(&scenario, output, seed, duration, progress),
        Cmd::Check { scenario, output } => check(&scenario, output),
        #[cfg(feature = "server")]
        Cmd::Serve { scenario, gnmi, control, speed, min_sample_ms, seed } => {
            let sc = load(&scenario, seed, None)?;
            let sim = Simulation::new(&sc).map_err(|e| anyhow::anyhow!("{e}"))?;
            let opts = fathom_sim::server::ServeOptions {
                gnmi_addr: gnmi,
                control_addr: control,
                speed,
                min_sample_interval: std::time::Duration::from_millis(min_sample_ms),
                ..Default::default()
            };
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
            rt.block_on(async move {
                let shutdown = fathom_sim::server::shutdown_signal();
                fathom_sim::server::serve(sim, opts, shutdown).await.map_err(|e| anyhow::anyhow!("{e}"))
            })
        }
    }
}
