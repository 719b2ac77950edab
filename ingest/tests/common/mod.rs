//! Harness for the integration tests: `fathom-sim serve` as a separate process (killed on drop, restartable on
//! the same ports), and a consumer that feeds ingest events to a [`RateEngine`] and checks snapshots.
//!
//! The binary is looked up next to the test executable (`target/<profile>/fathom-sim`) or at `$FATHOM_SIM_BIN`;
//! build it first (`cargo build -p fathom-sim`, which `scripts/test.sh` does).

use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use fathom_ingest::{
    BackoffConfig, EndpointConfig, IngestConfig, IngestEvent, IngestHandle, IngestSnapshot, RateEngine,
};
use fathom_proto::sim::v1::{self as pb, fabric_control_client::FabricControlClient};
use tokio::sync::mpsc;

pub const SCENARIO: &str = "tests/scenarios/steady.toml";
pub const SAMPLE_MS: u64 = 200;

fn sim_binary() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("FATHOM_SIM_BIN") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe()?;
    let profile_dir = exe.parent().and_then(Path::parent).context("test executable has no target/<profile> dir")?;
    let bin = profile_dir.join(format!("fathom-sim{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        bail!("{} not found: build it first with `cargo build -p fathom-sim` (scripts/test.sh does)", bin.display());
    }
    Ok(bin)
}

fn free_addr() -> Result<SocketAddr> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

/// A running `fathom-sim serve`.
#[derive(Debug)]
pub struct Sim {
    child: Option<Child>,
    pub gnmi: SocketAddr,
    pub control: SocketAddr,
    log: PathBuf,
}

impl Sim {
    /// Starts the test scenario on free loopback ports.
    pub fn start() -> Result<Sim> {
        Sim::start_on(free_addr()?, free_addr()?)
    }

    /// Starts the test scenario on the given ports and waits until both accept connections.
    pub fn start_on(gnmi: SocketAddr, control: SocketAddr) -> Result<Sim> {
        let log = std::env::temp_dir().join(format!("fathom-ingest-{}-{}.log", std::process::id(), gnmi.port()));
        let out = File::create(&log)?;
        let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join(SCENARIO);
        let child = Command::new(sim_binary()?)
            .arg("serve")
            .arg(scenario)
            .args(["--gnmi", &gnmi.to_string(), "--control", &control.to_string()])
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .context("spawning fathom-sim")?;
        let mut sim = Sim { child: Some(child), gnmi, control, log };
        sim.wait_listening(Duration::from_secs(30))?;
        Ok(sim)
    }

    fn wait_listening(&mut self, limit: Duration) -> Result<()> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.as_mut().context("killed")?.try_wait()? {
                bail!("fathom-sim exited early ({status}); log:\n{}", std::fs::read_to_string(&self.log)?);
            }
            let up = |a| TcpStream::connect_timeout(&a, Duration::from_millis(200)).is_ok();
            if up(self.gnmi) && up(self.control) {
                return Ok(());
            }
            if start.elapsed() > limit {
                bail!("fathom-sim did not listen within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the process (by its handle) and waits for it.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub async fn control(&self) -> Result<FabricControlClient<tonic::transport::Channel>> {
        Ok(FabricControlClient::connect(format!("http://{}", self.control)).await?)
    }

    pub async fn ground_truth(&self) -> Result<pb::GroundTruth> {
        let req = pb::GetGroundTruthRequest { include_flows: false };
        Ok(self.control().await?.get_ground_truth(req).await?.into_inner())
    }

    pub async fn switches(&self) -> Result<Vec<String>> {
        let targets = self.control().await?.list_targets(pb::ListTargetsRequest {}).await?.into_inner().targets;
        Ok(targets.into_iter().map(|t| t.name).collect())
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// Ingest configuration for one endpoint; `targets` empty = discover with `*`.
pub fn config(gnmi: SocketAddr, targets: &[&str]) -> IngestConfig {
    IngestConfig {
        endpoints: vec![EndpointConfig {
            address: gnmi.to_string(),
            targets: targets.iter().map(|t| t.to_string()).collect(),
        }],
        sample_interval_ms: SAMPLE_MS,
        stale_after_intervals: 3,
        backoff: BackoffConfig { initial_ms: 100, max_ms: 400, seed: Some(1), ..BackoffConfig::default() },
        ..IngestConfig::default()
    }
}

/// Ingest running, its events applied to a rate engine as they arrive (with the wall clock as `now`).
#[derive(Debug)]
pub struct Consumer {
    pub handle: IngestHandle,
    events: mpsc::Receiver<IngestEvent>,
    pub engine: RateEngine,
}

impl Consumer {
    pub fn start(cfg: &IngestConfig) -> Result<Consumer> {
        let (handle, events) = fathom_ingest::spawn(cfg)?;
        Ok(Consumer { handle, events, engine: RateEngine::new(cfg.engine()) })
    }

    /// Applies events until `done` holds for a snapshot (checked after every event and every 50 ms), calling
    /// `each` on every snapshot taken; fails after `limit`.
    pub async fn until(
        &mut self,
        limit: Duration,
        mut each: impl FnMut(&IngestSnapshot) -> Result<()>,
        mut done: impl FnMut(&IngestSnapshot) -> bool,
    ) -> Result<IngestSnapshot> {
        let start = Instant::now();
        loop {
            if let Ok(Some(ev)) = tokio::time::timeout(Duration::from_millis(50), self.events.recv()).await {
                self.engine.handle(&ev, fathom_ingest::unix_now_ns());
            }
            let snap = self.engine.snapshot(fathom_ingest::unix_now_ns());
            each(&snap)?;
            if done(&snap) {
                return Ok(snap);
            }
            if start.elapsed() > limit {
                bail!("condition not reached within {limit:?}; last snapshot sources: {:?}", snap.sources);
            }
        }
    }
}

/// Whether every interface of every listed switch has a current, fresh outgoing rate.
pub fn all_usable(snap: &IngestSnapshot, switches: &[String]) -> bool {
    switches.iter().all(|sw| {
        let mine: Vec<_> = snap.interfaces.iter().filter(|i| *i.switch == **sw).collect();
        !mine.is_empty() && mine.iter().all(|i| i.usable())
    })
}
