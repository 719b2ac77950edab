//! The async edge of the simulator: the live runner, the gNMI target server and the fabric control API.
//!
//! ```text
//!                      Command (mpsc, 64) + oneshot reply
//!  ControlService ----------------------------------------> live actor (owns Simulation, blocking thread)
//!                                                              |  run_until every tick, then publish
//!                                   watch<Arc<TelemetrySnapshot>>
//!  GnmiService <-----------------------------------------------+
//!      | one task per Subscribe, bounded mpsc (32) per subscriber
//!      v
//!  gNMI clients
//! ```
//! Shutdown: the caller's future resolves -> `stop` watch turns true -> subscription streams end, both tonic
//! servers finish gracefully, the actor leaves its loop. [`serve`] returns once all of them are done.

mod control;
mod convert;
mod gnmi;
pub mod live;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use fathom_proto::gnmi::g_nmi_server::GNmiServer;
use fathom_proto::sim::v1::fabric_control_server::FabricControlServer;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::Server;

pub use self::control::ControlService;
pub use self::gnmi::{GnmiService, SUBSCRIBER_QUEUE};
pub use self::live::{LiveHandle, LiveOptions};

use crate::engine::Simulation;
use crate::error::{Result, SimError};

/// Where and how to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// gNMI target server (every switch behind one endpoint, by `prefix.target`).
    pub gnmi_addr: SocketAddr,
    /// `fathom.sim.v1.FabricControl`.
    pub control_addr: SocketAddr,
    /// Simulated seconds per wall-clock second (finite, > 0).
    pub speed: f64,
    /// Wall time between simulation advances and snapshot publications.
    pub tick: Duration,
    /// Fastest SAMPLE interval accepted; also how often ON_CHANGE subscriptions look for changes.
    pub min_sample_interval: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            gnmi_addr: SocketAddr::from(([127, 0, 0, 1], 9339)),
            control_addr: SocketAddr::from(([127, 0, 0, 1], 9340)),
            speed: 1.0,
            tick: Duration::from_millis(20),
            min_sample_interval: Duration::from_millis(100),
        }
    }
}

impl ServeOptions {
    pub fn validate(&self) -> Result<()> {
        if !self.speed.is_finite() || self.speed <= 0.0 || self.speed > 1e6 {
            return Err(SimError::invalid(format!("speed {} must be in (0, 1e6]", self.speed)));
        }
        if self.tick < Duration::from_millis(1) || self.tick > Duration::from_secs(1) {
            return Err(SimError::invalid(format!("tick {:?} must be between 1 ms and 1 s", self.tick)));
        }
        if self.min_sample_interval < Duration::from_millis(1) {
            return Err(SimError::invalid("min_sample_interval must be at least 1 ms"));
        }
        if self.gnmi_addr == self.control_addr && self.gnmi_addr.port() != 0 {
            return Err(SimError::invalid(format!("gNMI and control addresses are both {}", self.gnmi_addr)));
        }
        Ok(())
    }
}

/// Runs the live simulation with both servers until `shutdown` resolves (or a server fails), then stops everything
/// gracefully. Bind errors are reported before anything runs.
pub async fn serve(sim: Simulation, opts: ServeOptions, shutdown: impl Future<Output = ()>) -> Result<()> {
    opts.validate()?;
    let gnmi_listener = bind(opts.gnmi_addr, "gNMI").await?;
    let control_listener = bind(opts.control_addr, "control").await?;
    tracing::info!(gnmi = %opts.gnmi_addr, control = %opts.control_addr, "serving");
    let (stop_tx, stop) = watch::channel(false);
    let live_opts = LiveOptions { speed: opts.speed, tick: opts.tick };
    let (live, actor) = live::spawn(sim, live_opts, stop.clone());
    let gnmi = GNmiServer::new(GnmiService::new(live.telemetry(), opts.min_sample_interval, stop.clone()));
    let control = FabricControlServer::new(ControlService::new(live));
    let mut tasks = JoinSet::new();
    tasks.spawn(run_server(Server::builder().add_service(gnmi), gnmi_listener, stop.clone(), "gNMI"));
    tasks.spawn(run_server(Server::builder().add_service(control), control_listener, stop, "control"));
    tasks.spawn(async move { actor.await.map_err(|e| SimError::server(format!("simulation task failed: {e}"))) });
    let first = tokio::select! {
        _ = shutdown => Ok(()),
        Some(r) = tasks.join_next() => joined(r).and(Err(SimError::server("a server task ended before shutdown"))),
    };
    let _ = stop_tx.send(true);
    let mut result = first;
    while let Some(r) = tasks.join_next().await {
        result = result.and(joined(r));
    }
    result
}

async fn bind(addr: SocketAddr, what: &str) -> Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|e| SimError::server(format!("cannot listen on {addr} for {what}: {e}")))
}

async fn run_server(
    router: tonic::transport::server::Router,
    listener: TcpListener,
    mut stop: watch::Receiver<bool>,
    what: &'static str,
) -> Result<()> {
    let signal = async move { stopped(&mut stop).await };
    let incoming = TcpListenerStream::new(listener);
    router
        .serve_with_incoming_shutdown(incoming, signal)
        .await
        .map_err(|e| SimError::server(format!("{what} server: {e}")))
}

/// A joined task's own result, or an error if it panicked.
fn joined(r: std::result::Result<Result<()>, tokio::task::JoinError>) -> Result<()> {
    r.unwrap_or_else(|e| Err(SimError::server(format!("server task failed: {e}"))))
}

/// Resolves once `stop` turns true or its sender is gone.
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Resolves on Ctrl-C or SIGTERM: the shutdown signal of the project's daemons.
pub async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending().await,
            }
        } => {}
    }
}
