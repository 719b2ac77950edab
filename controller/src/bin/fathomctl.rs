//! `fathomctl`: Fathom's command-line tool. First command: `fathomctl te replay` (offline, no daemon).

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[path = "fathomctl_cli/ops.rs"]
mod ops;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use fathom_controller::te::{
    run_replay, splits_json_line, ForecastModel, ReplayConfig, ReplayInputs, ReplayReport, Summary,
};

#[derive(Parser, Debug)]
#[command(name = "fathomctl", version, about = "Fathom command-line tool")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
    /// fathomd's operator API (for the commands that talk to a running fathomd).
    #[arg(long, global = true, env = "FATHOM_API", default_value = "http://127.0.0.1:9450")]
    api: String,
    /// Output format of every command.
    #[arg(long, global = true, value_enum, default_value_t = Output::Table)]
    output: Output,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Traffic engineering offline tools.
    Te {
        #[command(subcommand)]
        cmd: TeCmd,
    },
    #[command(flatten)]
    Op(OpArgs),
}

/// A command for a running fathomd, with its output format.
#[derive(Subcommand, Debug)]
enum OpArgs {
    #[command(flatten)]
    Cmd(ops::OpCmd),
}

#[derive(Subcommand, Debug)]
enum TeCmd {
    /// Replay a traffic-matrix series: forecast each matrix from earlier ones, optimize, score on the actual one.
    Replay(ReplayArgs),
}

#[derive(Parser, Debug)]
struct ReplayArgs {
    /// Node-link topology JSON.
    #[arg(long)]
    topology: PathBuf,
    /// Tunnels file (`s d:s-a-d,...`).
    #[arg(long)]
    tunnels: PathBuf,
    /// Matrices (`.hist`, one N*N matrix per line).
    #[arg(long)]
    matrices: PathBuf,
    /// LP optima per matrix (`.opt`): report MLU / optimum.
    #[arg(long)]
    opt: Option<PathBuf>,
    /// Write one JSON line of splits per step here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Recent matrices in the hedging scenario set.
    #[arg(long, default_value_t = 12)]
    history: usize,
    /// Model of the forecast upper-quantile scenario.
    #[arg(long, value_enum, default_value_t = Model::Ewma)]
    model: Model,
    /// Replay only the first N matrices.
    #[arg(long)]
    limit: Option<usize>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Output {
    Table,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Model {
    None,
    Ewma,
    HoltWinters,
    Ensemble,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Te { cmd: TeCmd::Replay(a) } => replay(a, cli.output),
        Cmd::Op(OpArgs::Cmd(cmd)) => {
            let out = match cli.output {
                Output::Table => ops::Out::Table,
                Output::Json => ops::Out::Json,
            };
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(ops::run(&cli.api, out, cmd))
        }
    }
}

fn replay(a: ReplayArgs, output: Output) -> anyhow::Result<()> {
    let inputs =
        ReplayInputs { topology: a.topology, tunnels: a.tunnels, matrices: a.matrices, opt: a.opt, limit: a.limit };
    let model = match a.model {
        Model::None => ForecastModel::None,
        Model::Ewma => ForecastModel::Ewma,
        Model::HoltWinters => ForecastModel::HoltWinters,
        Model::Ensemble => ForecastModel::Ensemble,
    };
    let cfg = ReplayConfig { history: a.history, model, ..ReplayConfig::default() };
    let mut out = match &a.out {
        Some(p) => Some(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => None,
    };
    let mut bar = Progress::new(a.quiet);
    let report = run_replay(&inputs, cfg, |r, pairs, total| {
        if let Some(w) = out.as_mut() {
            writeln!(w, "{}", splits_json_line(r, pairs)).map_err(|source| fathom_controller::ControllerError::Io {
                file: a.out.clone().unwrap_or_default(),
                source,
            })?;
        }
        bar.tick(r.step + 1, total);
        Ok(())
    })?;
    bar.finish();
    if let Some(mut w) = out {
        w.flush()?;
    }
    match output {
        Output::Table => print_table(&report),
        Output::Json => println!("{}", report_json(&report)),
    }
    Ok(())
}

fn print_table(r: &ReplayReport) {
    let row = |name: &str, s: &Summary| {
        println!("{name:<14} {:>9.4} {:>9.4} {:>9.4} {:>9.4} {:>9.4}", s.mean, s.p50, s.p90, s.p99, s.max)
    };
    println!("steps {}", r.steps.len());
    println!("{:<14} {:>9} {:>9} {:>9} {:>9} {:>9}", "", "mean", "p50", "p90", "p99", "max");
    row("MLU", &r.mlu);
    if let Some(ratio) = &r.ratio {
        row("MLU/optimum", ratio);
    }
    row("solve ms", &scale(&r.solve_secs, 1e3));
}

fn scale(s: &Summary, k: f64) -> Summary {
    Summary { mean: s.mean * k, p50: s.p50 * k, p90: s.p90 * k, p99: s.p99 * k, max: s.max * k, ..*s }
}

fn summary_json(s: &Summary) -> serde_json::Value {
    serde_json::json!({"n": s.n, "mean": s.mean, "p50": s.p50, "p90": s.p90, "p99": s.p99, "max": s.max})
}

fn report_json(r: &ReplayReport) -> serde_json::Value {
    serde_json::json!({
        "steps": r.steps.len(),
        "mlu": summary_json(&r.mlu),
        "ratio": r.ratio.as_ref().map(summary_json),
        "solve_ms": summary_json(&scale(&r.solve_secs, 1e3)),
    })
}

/// A hand-rolled progress bar on stderr (redrawn at most every 100 ms).
struct Progress {
    quiet: bool,
    start: Instant,
    last: Option<Instant>,
}

impl Progress {
    fn new(quiet: bool) -> Self {
        Progress { quiet, start: Instant::now(), last: None }
    }
    fn tick(&mut self, done: usize, total: usize) {
        if self.quiet || self.last.is_some_and(|l| l.elapsed().as_millis() < 100 && done < total) {
            return;
        }
        self.last = Some(Instant::now());
        let width = 40;
        let filled = done * width / total.max(1);
        let secs = self.start.elapsed().as_secs_f64();
        let eta = if done > 0 { secs / done as f64 * (total - done) as f64 } else { 0.0 };
        eprint!("\r[{}{}] {done}/{total} {secs:.0}s eta {eta:.0}s", "#".repeat(filled), "-".repeat(width - filled));
    }
    fn finish(&self) {
        if !self.quiet {
            eprintln!();
        }
    }
}
