//! The operator API (`fathom.v1.Operator`) over the published [`View`] and the command channel: the only module
//! of the daemon that sees prost types.

use std::pin::Pin;
use std::sync::Arc;

use fathom_proto::v1 as pb;
use fathom_proto::v1::operator_server::Operator;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use super::config::Mode;
use super::decision::Decision;
use super::view::{Command, LinkRow, View};

/// The service.
#[derive(Debug, Clone)]
pub struct OperatorService {
    pub view: watch::Receiver<Arc<View>>,
    pub commands: mpsc::Sender<Command>,
    pub decisions: broadcast::Sender<Decision>,
}

fn mode_to_pb(m: Mode) -> i32 {
    match m {
        Mode::Observe => pb::Mode::Observe as i32,
        Mode::Advise => pb::Mode::Advise as i32,
        Mode::Auto => pb::Mode::Auto as i32,
    }
}

fn link_to_pb(l: &LinkRow) -> pb::LinkRow {
    pb::LinkRow {
        name: l.name.clone(),
        peer: l.peer.clone(),
        capacity_bps: l.capacity_bps,
        utilization: l.utilization,
        forecast: l.forecast,
        forecast_upper: l.forecast_upper,
        risk: l.risk,
        stale: l.stale,
        drained: l.drained,
        up: l.up,
        ecn_marks_per_s: l.ecn_marks_per_s,
        pfc_pauses_per_s: l.pfc_pauses_per_s,
        drops_per_s: l.drops_per_s,
    }
}

/// Converts a decision record.
pub fn decision_to_pb(d: &Decision) -> pb::Decision {
    pb::Decision {
        id: d.id,
        at_ms: d.at_ms,
        state: d.state.as_str().to_string(),
        mode: mode_to_pb(d.mode),
        approved_by: d.approved_by.clone().unwrap_or_default(),
        epoch: d.epoch,
        explanation: match &d.error {
            Some(e) => format!("{} (error: {e})", d.explanation),
            None => d.explanation.clone(),
        },
        predicted_max_before: d.predicted_max_before,
        predicted_max_after: d.predicted_max_after,
        observed_max_before: d.observed_max_before,
        changes: d
            .changes
            .iter()
            .map(|c| pb::Change {
                device: c.device.clone(),
                prefix: c.prefix.clone(),
                slots_moved: c.slots_moved,
                traffic_moved: c.traffic_moved,
                relieves: c.relieves.clone(),
                predicted_before: c.predicted_before,
                predicted_after: c.predicted_after,
                observed_before: c.observed_before,
                lead_time_ms: c.lead_time_ms,
            })
            .collect(),
        outcomes: d
            .outcomes
            .iter()
            .map(|o| pb::Outcome {
                after_rounds: o.after_rounds,
                observed_max_utilization: o.observed_max_utilization,
                predicted_max_utilization: o.predicted_max_utilization,
                rolled_back: o.rolled_back,
            })
            .collect(),
        lead_time_ms: d.lead_time_ms,
    }
}

impl OperatorService {
    fn now(&self) -> Arc<View> {
        self.view.borrow().clone()
    }

    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Result<T, Status> {
        let (tx, rx) = oneshot::channel();
        self.commands.send(make(tx)).await.map_err(|_| Status::unavailable("fathomd is shutting down"))?;
        rx.await.map_err(|_| Status::unavailable("fathomd is shutting down"))
    }
}

type DecisionStream = Pin<Box<dyn Stream<Item = Result<pb::Decision, Status>> + Send>>;

#[tonic::async_trait]
impl Operator for OperatorService {
    async fn get_status(&self, _r: Request<pb::GetStatusRequest>) -> Result<Response<pb::Status>, Status> {
        let v = self.now();
        Ok(Response::new(pb::Status {
            replica: v.replica.clone(),
            leader: v.leader,
            epoch: v.epoch,
            mode: mode_to_pb(v.mode),
            uptime_s: ((v.now_ms - v.started_ms).max(0) / 1000) as u64,
            sources: v
                .sources
                .iter()
                .map(|s| pb::SourceHealth {
                    endpoint: s.endpoint.clone(),
                    target: s.name.clone(),
                    stale: s.stale,
                    last_update_age_ms: s.age_ms,
                    updates: s.updates,
                    reconnects: s.reconnects,
                })
                .collect(),
            stale_sources: v.sources.iter().filter(|s| s.stale).count() as u32,
            stale_links: v.links.iter().filter(|l| l.stale).count() as u32,
            decisions: v.decisions.first().map_or(0, |d| d.id),
            pending_plans: v.pending.len() as u32,
            rounds: v.rounds,
        }))
    }

    async fn get_topology(&self, _r: Request<pb::GetTopologyRequest>) -> Result<Response<pb::Topology>, Status> {
        let v = self.now();
        Ok(Response::new(pb::Topology {
            source: v.topology_source.clone(),
            switches: v
                .switches
                .iter()
                .map(|s| pb::Switch {
                    name: s.name.clone(),
                    role: s.role.clone(),
                    drained: v
                        .links
                        .iter()
                        .filter(|l| l.name.split(':').next() == Some(s.name.as_str()))
                        .all(|l| l.drained),
                })
                .collect(),
            links: v
                .links
                .iter()
                .map(|l| pb::TopologyLink {
                    name: l.name.clone(),
                    peer: l.peer.clone(),
                    capacity_bps: l.capacity_bps,
                    up: l.up,
                    drained: l.drained,
                })
                .collect(),
        }))
    }

    async fn list_links(&self, r: Request<pb::ListLinksRequest>) -> Result<Response<pb::ListLinksResponse>, Status> {
        let r = r.into_inner();
        if !(r.min_utilization.is_finite() && r.min_utilization >= 0.0) {
            return Err(Status::invalid_argument("min_utilization must be a number >= 0"));
        }
        let sort =
            pb::LinkSort::try_from(r.sort).map_err(|_| Status::invalid_argument(format!("unknown sort {}", r.sort)))?;
        let v = self.now();
        let mut rows: Vec<&LinkRow> = v
            .links
            .iter()
            .filter(|l| l.name.contains(&r.filter) || l.peer.contains(&r.filter))
            .filter(|l| l.utilization.max(l.forecast_upper) >= r.min_utilization)
            .collect();
        match sort {
            pb::LinkSort::ByUtilization => rows.sort_by(|a, b| b.utilization.total_cmp(&a.utilization)),
            pb::LinkSort::ByForecast => rows.sort_by(|a, b| b.forecast_upper.total_cmp(&a.forecast_upper)),
            pb::LinkSort::ByRisk => rows.sort_by(|a, b| b.risk.total_cmp(&a.risk)),
            pb::LinkSort::ByName | pb::LinkSort::Unspecified => {}
        }
        if r.limit > 0 {
            rows.truncate(r.limit as usize);
        }
        Ok(Response::new(pb::ListLinksResponse { links: rows.into_iter().map(link_to_pb).collect() }))
    }

    async fn list_hotspots(
        &self,
        _r: Request<pb::ListHotspotsRequest>,
    ) -> Result<Response<pb::ListLinksResponse>, Status> {
        let v = self.now();
        let mut rows: Vec<&LinkRow> =
            v.links.iter().filter(|l| !l.stale && l.forecast_upper.max(l.utilization) > v.hotspot_threshold).collect();
        rows.sort_by(|a, b| b.forecast_upper.total_cmp(&a.forecast_upper));
        Ok(Response::new(pb::ListLinksResponse { links: rows.into_iter().map(link_to_pb).collect() }))
    }

    async fn list_demands(
        &self,
        r: Request<pb::ListDemandsRequest>,
    ) -> Result<Response<pb::ListDemandsResponse>, Status> {
        let v = self.now();
        let mut rows: Vec<pb::DemandRow> = v
            .demands
            .iter()
            .map(|d| pb::DemandRow {
                source: d.source.clone(),
                prefix: d.prefix.clone(),
                bps: d.bps,
                forecast_bps: d.forecast_bps,
                forecast_upper_bps: d.forecast_upper_bps,
            })
            .collect();
        rows.sort_by(|a, b| b.bps.total_cmp(&a.bps));
        let limit = r.into_inner().limit;
        if limit > 0 {
            rows.truncate(limit as usize);
        }
        Ok(Response::new(pb::ListDemandsResponse { demands: rows }))
    }

    async fn list_plans(
        &self,
        _r: Request<pb::ListPlansRequest>,
    ) -> Result<Response<pb::ListDecisionsResponse>, Status> {
        let v = self.now();
        Ok(Response::new(pb::ListDecisionsResponse { decisions: v.pending.iter().map(decision_to_pb).collect() }))
    }

    async fn list_decisions(
        &self,
        r: Request<pb::ListDecisionsRequest>,
    ) -> Result<Response<pb::ListDecisionsResponse>, Status> {
        let limit = r.into_inner().limit as usize;
        let v = self.now();
        let n = if limit == 0 { v.decisions.len() } else { limit.min(v.decisions.len()) };
        Ok(Response::new(pb::ListDecisionsResponse {
            decisions: v.decisions[..n].iter().map(decision_to_pb).collect(),
        }))
    }

    async fn approve(&self, r: Request<pb::ApproveRequest>) -> Result<Response<pb::Decision>, Status> {
        let r = r.into_inner();
        if r.plan_id == 0 {
            return Err(Status::invalid_argument("plan_id is required; list pending plans with `fathomctl plans`"));
        }
        let d = self.ask(|reply| Command::Approve { plan: r.plan_id, approver: r.approver, reply }).await?;
        d.map(|d| Response::new(decision_to_pb(&d))).map_err(Status::failed_precondition)
    }

    async fn set_mode(&self, r: Request<pb::SetModeRequest>) -> Result<Response<pb::Status>, Status> {
        let mode = match pb::Mode::try_from(r.get_ref().mode) {
            Ok(pb::Mode::Observe) => Mode::Observe,
            Ok(pb::Mode::Advise) => Mode::Advise,
            Ok(pb::Mode::Auto) => Mode::Auto,
            _ => return Err(Status::invalid_argument("mode must be OBSERVE, ADVISE or AUTO")),
        };
        self.ask(|reply| Command::SetMode { mode, reply }).await?;
        let mut st = self.get_status(Request::new(pb::GetStatusRequest {})).await?.into_inner();
        st.mode = mode_to_pb(mode);
        Ok(Response::new(st))
    }

    async fn drain(&self, r: Request<pb::DrainRequest>) -> Result<Response<pb::DrainResponse>, Status> {
        let r = r.into_inner();
        if r.target.is_empty() {
            return Err(Status::invalid_argument("target is required: `switch` or `switch:interface`"));
        }
        let n = self.ask(|reply| Command::Drain { target: r.target, undrain: r.undrain, reply }).await?;
        n.map(|links| Response::new(pb::DrainResponse { links: links as u32 })).map_err(Status::not_found)
    }

    type WatchDecisionsStream = DecisionStream;

    async fn watch_decisions(
        &self,
        _r: Request<pb::WatchDecisionsRequest>,
    ) -> Result<Response<DecisionStream>, Status> {
        let mut brx = self.decisions.subscribe();
        // A bounded queue per watcher; a watcher that falls behind skips what it missed (broadcast lag).
        let (tx, rx) = mpsc::channel(16);
        tokio::spawn(async move {
            loop {
                match brx.recv().await {
                    Ok(d) => {
                        if tx.send(Ok(decision_to_pb(&d))).await.is_err() {
                            return;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        Ok(Response::new(Box::pin(tokio_stream::wrappers::ReceiverStream::new(rx))))
    }
}
