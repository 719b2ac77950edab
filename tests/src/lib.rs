//! Harness for the end-to-end tests: start `fathom-sim serve` as a separate process on free loopback ports, wait
//! until both servers listen, connect clients, run the pygnmi check script; every process is killed on drop.
//!
//! The binary is looked up next to the test executable (`target/<profile>/fathom-sim`), or at `$FATHOM_SIM_BIN`.
//! Build it first: `cargo build --workspace --all-targets` (what `scripts/test.sh` does).

use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use fathom_proto::gnmi::g_nmi_client::GNmiClient;
use fathom_proto::sim::v1::fabric_control_client::FabricControlClient;
use tonic::transport::Channel;

/// Directory of this crate (scenarios, python scripts).
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `fathom-sim` binary of the current build profile.
pub fn sim_binary() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("FATHOM_SIM_BIN") {
        return Ok(PathBuf::from(p));
    }
    binary("fathom-sim")
}

/// A workspace binary of the current build profile (`target/<profile>/NAME`).
pub fn binary(name: &str) -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    // target/<profile>/deps/<test>-<hash> -> target/<profile>/<name>
    let profile_dir = exe.parent().and_then(Path::parent).context("test executable has no target/<profile> dir")?;
    let bin = profile_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        bail!(
            "{} not found: build it first with `cargo build --workspace --all-targets` (scripts/test.sh does)",
            bin.display()
        );
    }
    Ok(bin)
}

/// A running `fathomd run --config FILE`; killed (by its pid, via the child handle) when dropped.
#[derive(Debug)]
pub struct FathomdProcess {
    child: Child,
    pub api: SocketAddr,
    pub metrics: SocketAddr,
    dir: PathBuf,
}

impl FathomdProcess {
    /// Starts fathomd with `config` (TOML) plus `[api]`/`[metrics]` on free ports; waits until the API listens.
    pub fn start(config: &str) -> Result<FathomdProcess> {
        let (api, metrics) = (free_addr()?, free_addr()?);
        let dir = std::env::temp_dir().join(format!("fathomd-e2e-{}-{}", std::process::id(), api.port()));
        std::fs::create_dir_all(&dir)?;
        let cfg = dir.join("fathomd.toml");
        let audit = dir.join("audit.jsonl");
        std::fs::write(
            &cfg,
            format!(
                "{config}\n[api]\nlisten = \"{api}\"\n[metrics]\nlisten = \"{metrics}\"\n[audit]\npath = \"{}\"\n",
                audit.display()
            ),
        )?;
        let log = File::create(dir.join("fathomd.log"))?;
        let child = Command::new(binary("fathomd")?)
            .args(["run", "--config"])
            .arg(&cfg)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("spawning fathomd")?;
        let mut p = FathomdProcess { child, api, metrics, dir };
        let start = Instant::now();
        while TcpStream::connect_timeout(&api, Duration::from_millis(200)).is_err() {
            if let Some(status) = p.child.try_wait()? {
                bail!("fathomd exited early ({status}); log:\n{}", p.log_text());
            }
            if start.elapsed() > Duration::from_secs(30) {
                bail!("fathomd did not listen within 30 s; log:\n{}", p.log_text());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(p)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.dir.join("fathomd.log")).unwrap_or_default()
    }

    /// The audit file's lines (one JSON decision record per change of a decision).
    pub fn audit_lines(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.dir.join("audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

impl Drop for FathomdProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_addr() -> Result<SocketAddr> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

/// A running `fathom-sim serve`; killed (by its pid, via the child handle) when dropped.
#[derive(Debug)]
pub struct SimProcess {
    child: Child,
    pub gnmi: SocketAddr,
    pub control: SocketAddr,
    log: PathBuf,
}

impl SimProcess {
    /// Starts `fathom-sim serve SCENARIO` (a path relative to this crate) and waits until both ports accept.
    pub fn start(scenario: &str) -> Result<SimProcess> {
        Self::start_args(scenario, &[])
    }

    /// As [`SimProcess::start`], with extra `serve` arguments (e.g. `--speed 5`).
    pub fn start_args(scenario: &str, extra: &[&str]) -> Result<SimProcess> {
        Self::start_on(scenario, free_addr()?, free_addr()?, extra)
    }

    /// Starts on given addresses (e.g. to restart a simulator where clients expect it).
    pub fn start_on(scenario: &str, gnmi: SocketAddr, control: SocketAddr, extra: &[&str]) -> Result<SimProcess> {
        let log = std::env::temp_dir().join(format!("fathom-e2e-{}-{}.log", std::process::id(), gnmi.port()));
        let out = File::create(&log)?;
        let child = Command::new(sim_binary()?)
            .arg("serve")
            .arg(crate_dir().join(scenario))
            .args(["--gnmi", &gnmi.to_string(), "--control", &control.to_string()])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .context("spawning fathom-sim")?;
        let mut p = SimProcess { child, gnmi, control, log };
        p.wait_listening(Duration::from_secs(30))?;
        Ok(p)
    }

    fn wait_listening(&mut self, limit: Duration) -> Result<()> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("fathom-sim exited early ({status}); log:\n{}", self.log_text());
            }
            let up = |a| TcpStream::connect_timeout(&a, Duration::from_millis(200)).is_ok();
            if up(self.gnmi) && up(self.control) {
                return Ok(());
            }
            if start.elapsed() > limit {
                bail!("fathom-sim did not listen within {limit:?}; log:\n{}", self.log_text());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What the process wrote so far (stdout and stderr).
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub async fn gnmi_client(&self) -> Result<GNmiClient<Channel>> {
        Ok(GNmiClient::connect(format!("http://{}", self.gnmi)).await?)
    }

    pub async fn control_client(&self) -> Result<FabricControlClient<Channel>> {
        Ok(FabricControlClient::connect(format!("http://{}", self.control)).await?)
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// The Python interpreter for client scripts (`$FATHOM_PYTHON`, default `python3`), checked to import pygnmi.
/// Fails with install instructions rather than skipping.
pub fn python_with_pygnmi() -> Result<String> {
    let python = std::env::var("FATHOM_PYTHON").unwrap_or_else(|_| "python3".into());
    let probe = Command::new(&python).args(["-c", "import pygnmi"]).output();
    match probe {
        Err(e) => bail!(
            "{python} not found ({e}): install Python 3 and pygnmi (`apt-get install python3 python3-pip && \
             pip install pygnmi`, or `bash scripts/setup-tests.sh`)"
        ),
        Ok(out) if !out.status.success() => bail!(
            "{python} cannot import pygnmi: run `pip install pygnmi` (or `bash scripts/setup-tests.sh`)\n{}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Ok(_) => Ok(python),
    }
}

/// Runs `tests/python/<script>` with `args` and parses its stdout as JSON.
pub fn run_python_json(script: &str, args: &[String]) -> Result<serde_json::Value> {
    let python = python_with_pygnmi()?;
    let path = crate_dir().join("python").join(script);
    let out = Command::new(&python).arg(&path).args(args).output().with_context(|| format!("running {script}"))?;
    if !out.status.success() {
        bail!("{script} failed ({}):\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    }
    serde_json::from_slice(&out.stdout)
        .with_context(|| format!("{script} printed no JSON:\n{}", String::from_utf8_lossy(&out.stdout)))
}
