//! The async shell of `fathomd`. Tasks and channels:
//!
//! ```text
//! gNMI streams (fathom-ingest tasks) --bounded, coalescing--> [control task] --watch<View>--> operator API
//!                                                               |   ^  mpsc<Command> (approve, mode, drain)
//!                                                               |   '-------------------------- operator API
//!                                                               '--> southbound (fenced writes), broadcast<Decision>
//! ```
//! One task (the control task) owns the rate engine and the [`Controller`]: it folds telemetry in as it arrives
//! and runs one round per interval. Readers only ever see published snapshots.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fathom_ingest::{EndpointConfig, IngestConfig, RateEngine};
use fathom_southbound::{DryRunWriter, SimulatorWriter, Southbound, SINGLE_REPLICA_EPOCH};
use tokio::sync::{broadcast, mpsc, watch};

use super::api::OperatorService;
use super::brain::{Controller, Effect};
use super::config::Config;
use super::metrics::{self, Metrics};
use super::view::{Command, SourceRow, View};

/// Where a running daemon listens (ports may have been chosen by the OS).
#[derive(Debug, Clone, Copy)]
pub struct Listening {
    pub api: SocketAddr,
    pub metrics: SocketAddr,
}

fn now_ms() -> i64 {
    fathom_ingest::unix_now_ns() / 1_000_000
}

fn ingest_config(cfg: &Config) -> IngestConfig {
    IngestConfig {
        endpoints: cfg
            .telemetry
            .endpoints
            .iter()
            .map(|e| EndpointConfig { address: e.address.clone(), targets: e.targets.clone() })
            .collect(),
        sample_interval_ms: cfg.telemetry.sample_interval_ms,
        stale_after_intervals: cfg.telemetry.stale_after_intervals,
        ..Default::default()
    }
}

fn southbound(cfg: &Config) -> Result<Arc<dyn Southbound>, String> {
    Ok(match cfg.southbound.kind.as_str() {
        "simulator" => Arc::new(SimulatorWriter::new(&cfg.southbound.endpoint).map_err(|e| e.to_string())?),
        _ => Arc::new(DryRunWriter::new()),
    })
}

/// Runs `fathomd` until `shutdown` resolves. `ready` receives the listening addresses once both servers listen.
pub async fn run(
    cfg: Config,
    shutdown: impl std::future::Future<Output = ()> + Send,
    ready: Option<tokio::sync::oneshot::Sender<Listening>>,
) -> Result<(), String> {
    cfg.validate().map_err(|e| e.to_string())?;
    let metrics = Arc::new(Metrics::default());
    metrics.is_leader.set(1.0);
    let sb = southbound(&cfg)?;
    let icfg = ingest_config(&cfg);
    let (ingest, mut events) = fathom_ingest::spawn(&icfg).map_err(|e| e.to_string())?;
    let mut engine = RateEngine::new(icfg.engine());
    let mut ctl = Controller::new(cfg.clone(), SINGLE_REPLICA_EPOCH);
    if let Some(fabric) = cfg.load_topology().map_err(|e| e.to_string())? {
        tracing::info!(
            file = %cfg.topology.file.as_deref().unwrap_or(std::path::Path::new("")).display(),
            switches = fabric.switches().count(),
            links = fabric.link_count(),
            source = %cfg.topology.source,
            "static topology loaded"
        );
        ctl = ctl.with_topology(fabric);
    }
    let started = now_ms();

    let (view_tx, view_rx) = watch::channel(Arc::new(View { replica: cfg.replica.name.clone(), ..Default::default() }));
    let (cmd_tx, mut cmd_rx) = mpsc::channel::<Command>(64);
    let (dec_tx, _) = broadcast::channel(256);
    let api_listener = tokio::net::TcpListener::bind(cfg.api.listen)
        .await
        .map_err(|e| format!("api.listen {}: {e} (is another fathomd running?)", cfg.api.listen))?;
    let metrics_listener = tokio::net::TcpListener::bind(cfg.metrics.listen)
        .await
        .map_err(|e| format!("metrics.listen {}: {e}", cfg.metrics.listen))?;
    let listening = Listening {
        api: api_listener.local_addr().map_err(|e| e.to_string())?,
        metrics: metrics_listener.local_addr().map_err(|e| e.to_string())?,
    };
    let svc = OperatorService { view: view_rx, commands: cmd_tx, decisions: dec_tx.clone() };
    let (stop_tx, stop_rx) = watch::channel(false);
    let api_task = tokio::spawn(serve_api(api_listener, svc, stop_rx.clone()));
    let metrics_task = tokio::spawn(metrics::serve(metrics_listener, metrics.clone()));
    tracing::info!(api = %listening.api, metrics = %listening.metrics, mode = %ctl.mode, "fathomd running");
    if let Some(r) = ready {
        let _ = r.send(listening);
    }

    let mut tick = tokio::time::interval(Duration::from_millis(cfg.control.interval_ms));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_published = 0u64;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            ev = events.recv() => match ev {
                Some(ev) => engine.handle(&ev, fathom_ingest::unix_now_ns()),
                None => break,
            },
            Some(cmd) = cmd_rx.recv() => command(&mut ctl, cmd),
            _ = tick.tick() => {
                let t0 = Instant::now();
                let snap = engine.snapshot(fathom_ingest::unix_now_ns());
                let sources: Vec<SourceRow> = snap
                    .sources
                    .iter()
                    .map(|s| SourceRow {
                        name: s.name.clone(),
                        endpoint: cfg
                            .telemetry
                            .endpoints
                            .get(s.endpoint as usize)
                            .map(|e| e.address.clone())
                            .unwrap_or_default(),
                        updates: s.updates,
                        reconnects: s.reconnects,
                        stale: s.stale,
                        age_ms: s.last_arrival_ns.map_or(u64::MAX, |t| ((snap.now_ns - t).max(0) / 1_000_000) as u64),
                    })
                    .collect();
                let effects = ctl.round(&snap, now_ms());
                for Effect::Apply { decision, plan } in effects {
                    let previous = ctl.current_tables(&plan);
                    let t = Instant::now();
                    metrics.loop_latency.observe(t0.elapsed().as_secs_f64());
                    let res = sb.apply(&plan).await;
                    metrics.apply_latency.observe(t.elapsed().as_secs_f64());
                    if let Err(e) = &res {
                        tracing::warn!(decision, error = %e, "southbound write failed");
                    }
                    ctl.applied(decision, res.map(|r| r.changed_slots), previous);
                }
                observe_metrics(&metrics, &ctl, &snap);
                let im = ingest.metrics();
                metrics.ingest_updates.set_total(im.updates);
                metrics.ingest_coalesced.set_total(im.coalesced_updates);
                metrics.ingest_out_of_order.set_total(snap.stats.out_of_order + snap.stats.duplicates);
                metrics.ingest_counter_resets.set_total(snap.stats.resets);
                for d in ctl.log.items.iter().filter(|d| d.id > last_published) {
                    metrics.decision(d.state.as_str());
                    let _ = dec_tx.send(d.clone());
                }
                last_published = ctl.log.items.back().map_or(last_published, |d| d.id.max(last_published));
                let view = View::of(&ctl, &cfg.replica.name, started, now_ms(), sources, cfg.control.hotspot_threshold);
                let _ = view_tx.send(view);
            }
        }
    }
    let _ = stop_tx.send(true);
    let _ = api_task.await;
    metrics_task.abort();
    ingest.shutdown().await;
    tracing::info!("fathomd stopped");
    Ok(())
}

fn observe_metrics(m: &Metrics, ctl: &Controller, snap: &fathom_ingest::IngestSnapshot) {
    m.rounds.add(1);
    m.stale_sources.set(snap.sources.iter().filter(|s| s.stale).count() as f64);
    m.stale_links.set(ctl.model.stale_links() as f64);
    m.observed_mlu.set(ctl.observed_max());
    if let Some(d) = ctl.log.items.back() {
        m.predicted_mlu.set(d.predicted_max_after);
    }
    // Forecast error: last round's forecast of each link against what was observed now.
    let errs: Vec<f64> = ctl
        .model
        .links
        .iter()
        .filter_map(|(n, l)| ctl.last_forecasts.links.get(n).map(|o| (o.point - l.utilization).abs()))
        .collect();
    if !errs.is_empty() {
        m.forecast_abs_error.set(errs.iter().sum::<f64>() / errs.len() as f64);
    }
}

fn command(ctl: &mut Controller, cmd: Command) {
    match cmd {
        Command::Approve { plan, approver, reply } => {
            let _ = reply.send(ctl.approve(plan, &approver));
        }
        Command::SetMode { mode, reply } => {
            tracing::info!(%mode, "mode changed by operator");
            ctl.set_mode(mode);
            let _ = reply.send(());
        }
        Command::Drain { target, undrain, reply } => {
            let n = ctl.model.drain(&target, !undrain);
            let known = ctl.model.links.keys().any(|k| k == &target || k.split(':').next() == Some(target.as_str()));
            let _ = reply.send(if known {
                Ok(n)
            } else {
                Err(format!("no link or switch '{target}' in the model; list them with `fathomctl links`"))
            });
        }
    }
}

async fn serve_api(listener: tokio::net::TcpListener, svc: OperatorService, mut stop: watch::Receiver<bool>) {
    let (health_reporter, health) = tonic_health::server::health_reporter();
    health_reporter.set_serving::<fathom_proto::v1::operator_server::OperatorServer<OperatorService>>().await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(fathom_proto::FILE_DESCRIPTOR_SET)
        .build_v1();
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    let mut router = tonic::transport::Server::builder()
        .add_service(health)
        .add_service(fathom_proto::v1::operator_server::OperatorServer::new(svc));
    if let Ok(r) = reflection {
        router = router.add_service(r);
    }
    let res = router
        .serve_with_incoming_shutdown(incoming, async move {
            let _ = stop.wait_for(|s| *s).await;
        })
        .await;
    if let Err(e) = res {
        tracing::error!(error = %e, "operator API server failed");
    }
}
