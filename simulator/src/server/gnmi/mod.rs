//! The gNMI target server: one endpoint serves every switch, addressed by `prefix.target` (`*` for all).
//! Paths, modes and limits are documented in `simulator/GNMI.md`.
//!
//! ```text
//! live actor --watch<Arc<TelemetrySnapshot>>--> GnmiService --spawn--> subscription task --mpsc(32)--> client
//! ```
//! Each Subscribe RPC gets its own task ([`subscribe::run`]) holding a [`session::Session`]; Get and
//! Capabilities answer from the latest snapshot directly.

mod encode;
mod leaves;
mod path;
mod plan;
mod schema;
mod session;
mod subscribe;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use fathom_proto::gnmi::{self, g_nmi_server::GNmi, subscribe_request::Request as SubReq};
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

use crate::telemetry::TelemetrySnapshot;

use self::encode::{Batch, Encoding};
use self::path::Pattern;
use self::plan::Targets;
use self::session::Session;

pub use self::subscribe::SUBSCRIBER_QUEUE;

/// Models announced by Capabilities: the OpenConfig modules the served paths come from, and Fathom's own.
const MODELS: &[(&str, &str, &str)] = &[
    ("openconfig-interfaces", "OpenConfig working group", "3.7.1"),
    ("openconfig-if-ethernet", "OpenConfig working group", "2.14.0"),
    ("openconfig-qos", "OpenConfig working group", "0.11.2"),
    ("openconfig-lldp", "OpenConfig working group", "0.2.1"),
    ("openconfig-network-instance", "OpenConfig working group", "4.4.1"),
    ("openconfig-aft", "OpenConfig working group", "2.6.0"),
    ("fathom-pfc", "Fathom", "0.1.0"),
    ("fathom-wcmp", "Fathom", "0.1.0"),
];

/// The gNMI service over the live telemetry.
#[derive(Debug, Clone)]
pub struct GnmiService {
    telemetry: watch::Receiver<Arc<TelemetrySnapshot>>,
    min_interval: Duration,
    shutdown: watch::Receiver<bool>,
}

impl GnmiService {
    /// `min_interval` is the fastest SAMPLE interval accepted and the ON_CHANGE check period; subscription
    /// streams end when `shutdown` turns true.
    pub fn new(
        telemetry: watch::Receiver<Arc<TelemetrySnapshot>>,
        min_interval: Duration,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        GnmiService { telemetry, min_interval, shutdown }
    }

    fn snapshot(&self) -> Arc<TelemetrySnapshot> {
        self.telemetry.borrow().clone()
    }
}

#[tonic::async_trait]
impl GNmi for GnmiService {
    async fn capabilities(
        &self,
        _req: Request<gnmi::CapabilityRequest>,
    ) -> Result<Response<gnmi::CapabilityResponse>, Status> {
        Ok(Response::new(capabilities()))
    }

    async fn get(&self, req: Request<gnmi::GetRequest>) -> Result<Response<gnmi::GetResponse>, Status> {
        let notification = get(&self.snapshot(), &req.into_inner())?;
        Ok(Response::new(gnmi::GetResponse { notification, error: None, extension: Vec::new() }))
    }

    async fn set(&self, _req: Request<gnmi::SetRequest>) -> Result<Response<gnmi::SetResponse>, Status> {
        Err(Status::unimplemented(
            "Set is not supported: the simulator is programmed through fathom.sim.v1.FabricControl",
        ))
    }

    type SubscribeStream = ReceiverStream<Result<gnmi::SubscribeResponse, Status>>;

    async fn subscribe(
        &self,
        req: Request<Streaming<gnmi::SubscribeRequest>>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        let mut inbound = req.into_inner();
        let first = inbound.message().await?;
        let list = match first.and_then(|r| r.request) {
            Some(SubReq::Subscribe(list)) => list,
            Some(SubReq::Poll(_)) => {
                return Err(Status::invalid_argument("a Poll arrived before any SubscriptionList"))
            }
            None => return Err(Status::invalid_argument("expected a SubscribeRequest carrying a SubscriptionList")),
        };
        let plan = plan::plan(&list, &self.snapshot(), self.min_interval)?;
        let session = Session::new(plan, tokio::time::Instant::now(), self.min_interval);
        let (tx, rx) = mpsc::channel(SUBSCRIBER_QUEUE);
        let telemetry = self.telemetry.clone();
        let shutdown = self.shutdown.clone();
        tokio::spawn(subscribe::run(subscribe::Stream { session, telemetry, tx, inbound, shutdown }));
        Ok(Response::new(ReceiverStream::new(rx)))
    }
}

fn capabilities() -> gnmi::CapabilityResponse {
    let model = |&(name, org, version): &(&str, &str, &str)| gnmi::ModelData {
        name: name.into(),
        organization: org.into(),
        version: version.into(),
    };
    gnmi::CapabilityResponse {
        supported_models: MODELS.iter().map(model).collect(),
        supported_encodings: vec![gnmi::Encoding::Proto as i32, gnmi::Encoding::JsonIetf as i32],
        g_nmi_version: fathom_proto::GNMI_VERSION.into(),
        extension: Vec::new(),
    }
}

/// Most updates one Get answers (a GetResponse is a single message; clients commonly refuse more than 4 MiB).
const MAX_GET_UPDATES: usize = 20_000;

/// One notification per target and requested path; a path that matches nothing on any target is NOT_FOUND.
fn get(snap: &TelemetrySnapshot, req: &gnmi::GetRequest) -> Result<Vec<gnmi::Notification>, Status> {
    let enc = Encoding::from_wire(req.encoding)?;
    let targets = Targets::parse(req.prefix.as_ref(), snap)?;
    let prefix = req.prefix.as_ref();
    let patterns = match req.path.is_empty() {
        true => vec![Pattern::new(prefix, None)?],
        false => req.path.iter().map(|p| Pattern::new(prefix, Some(p))).collect::<Result<_, _>>()?,
    };
    let mut out = Vec::new();
    for pattern in &patterns {
        let before = out.len();
        for sw in targets.select(snap) {
            let updates: Vec<_> = leaves::collect(sw, pattern).iter().map(|l| encode::update(l, enc)).collect();
            if !updates.is_empty() {
                let batch = Batch { updates, deletes: Vec::new() };
                out.extend(encode::notifications(&sw.name, &pattern.origin_str, snap.timestamp_ns, batch));
            }
        }
        if out.len() == before {
            return Err(Status::not_found(format!("path {pattern} matches no data on the requested target")));
        }
        if out.iter().map(|n| n.update.len()).sum::<usize>() > MAX_GET_UPDATES {
            return Err(Status::resource_exhausted(format!(
                "more than {MAX_GET_UPDATES} leaves requested: narrow the paths or use a ONCE subscription"
            )));
        }
    }
    Ok(out)
}
