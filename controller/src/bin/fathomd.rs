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
        Cmd::CheckConfig { file } => {
            let cfg = Config::from_file(&file).map_err(|e| anyhow!("{e}"))?;
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
                let shutdown = async {
                    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
                    }
                };
                fathom_controller::daemon::run::run(cfg, shutdown, None).await.map_err(|e| anyhow!("{e}"))
            })
        }
    }
}
