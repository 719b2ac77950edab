//! `fathomd`: the Fathom controller daemon.

use std::path::PathBuf;

use anyhow::{anyhow, Result};
use clap::{Parser, Subcommand};
use fathom_controller::daemon::config::Config;

#[derive(Parser, Debug)]
#[command(name = "fathomd", version, about = "Fathom: predictive traffic engineering for AI fabrics")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Run the controller.
    Run {
        /// Configuration file (TOML; see controller/fathomd.sample.toml). Defaults apply when omitted.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Validate a configuration file and print the effective configuration.
    CheckConfig { file: PathBuf },
    /// Run a realistic AI-fabric scenario under static ECMP and under Fathom (auto), side by side. Needs no
    /// external service: the simulator runs in process.
    Demo {
        /// Scenario file (default: the built-in fathom-demo scenario).
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Simulated seconds (the live run takes about as long).
        #[arg(long, default_value_t = 30.0)]
        duration: f64,
        /// Forecast model (`last` gives a reactive controller).
        #[arg(long, default_value = "ensemble")]
        forecaster: String,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Run a scenario offline (deterministic, faster than real time) under static ECMP, a reactive controller
    /// (forecast = last observed value) and Fathom as configured, side by side: for tuning and what-if studies.
    Compare {
        /// Scenario file (TOML, see simulator/SCENARIOS.md).
        scenario: PathBuf,
        /// Configuration whose `[control]` and `[telemetry]` sections are used (defaults when omitted).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Override the scenario's duration, simulated seconds.
        #[arg(long)]
        duration: Option<f64>,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Output {
    Table,
    Json,
}

fn demo(scenario: Option<PathBuf>, duration: f64, forecaster: String, output: Output) -> Result<()> {
    use std::io::Write;
    let mut sc = match scenario {
        Some(p) => fathom_sim::Scenario::from_file(&p).map_err(|e| anyhow!("{e}"))?,
        None => fathom_sim::Scenario::from_toml(fathom_controller::daemon::demo::DEFAULT_SCENARIO)
            .map_err(|e| anyhow!("{e}"))?,
    };
    anyhow::ensure!(duration > 0.0 && duration.is_finite(), "--duration must be a positive number of seconds");
    sc.duration_s = duration;
    let mut cfg = Config::default();
    cfg.control.forecaster = forecaster.clone();
    cfg.validate().map_err(|e| anyhow!("--forecaster: {e}"))?;
    cfg.log.level = "warn".into();
    init_logs(&cfg);
    eprintln!(
        "fathomd demo: {} for {duration:.0} simulated seconds, static ECMP first (fast), then Fathom live",
        sc.name
    );
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let report = rt.block_on(fathom_controller::daemon::demo::run(sc, &forecaster, |done, total| {
        let pct = (done / total * 100.0).clamp(0.0, 100.0);
        eprint!("\r[{:<40}] {pct:>3.0}% {done:.1}/{total:.0} s (Fathom live)", "#".repeat((pct / 2.5) as usize));
        let _ = std::io::stderr().flush();
    }));
    eprintln!();
    let report = report.map_err(|e| anyhow!("{e}"))?;
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Output::Table => print!("{}", report.table()),
    }
    Ok(())
}

fn compare(scenario: PathBuf, config: Option<PathBuf>, duration: Option<f64>, output: Output) -> Result<()> {
    let mut sc = fathom_sim::Scenario::from_file(&scenario).map_err(|e| anyhow!("{e}"))?;
    if let Some(d) = duration {
        anyhow::ensure!(d > 0.0 && d.is_finite(), "--duration must be a positive number of seconds");
        sc.duration_s = d;
    }
    let cfg = match config {
        Some(p) => Config::from_file(&p).map_err(|e| anyhow!("{e}"))?,
        None => Config::default(),
    };
    let started = std::time::Instant::now();
    let report = fathom_controller::daemon::offline::compare(&sc, &cfg, |arm| {
        eprintln!("[{:>6.1} s] {arm}: done", started.elapsed().as_secs_f64());
    })
    .map_err(|e| anyhow!("{e}"))?;
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Output::Table => print!("{}", report.table()),
    }
    Ok(())
}

fn init_logs(cfg: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&cfg.log.level).unwrap_or_else(|_| "info".into());
    let b = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if cfg.log.format == "json" {
        b.json().init();
    } else {
        b.init();
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Demo { scenario, duration, forecaster, output } => demo(scenario, duration, forecaster, output),
        Cmd::Compare { scenario, config, duration, output } => compare(scenario, config, duration, output),
        Cmd::CheckConfig { file } => {
            let cfg = Config::from_file(&file).map_err(|e| anyhow!("{e}"))?;
            if let Some(f) = cfg.load_topology().map_err(|e| anyhow!("{e}"))? {
                println!("topology file: {} switches, {} directed links", f.switches().count(), f.link_count());
            }
            println!("{} is valid; effective configuration:\n", file.display());
            print!("{}", toml::to_string_pretty(&cfg)?);
            Ok(())
        }
        Cmd::Run { config } => {
            let cfg = match config {
                Some(p) => Config::from_file(&p).map_err(|e| anyhow!("{e}"))?,
                None => Config::default(),
            };
            init_logs(&cfg);
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
            rt.block_on(async move {
                let shutdown = fathom_sim::server::shutdown_signal();
                fathom_controller::daemon::run::run(cfg, shutdown, None).await.map_err(|e| anyhow!("{e}"))
            })
        }
    }
}
