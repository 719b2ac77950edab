//! Writer for the fabric simulator's control API (`fathom.sim.v1.FabricControl`): the only module of this crate
//! that sees prost types.

use fathom_proto::sim::v1 as pb;
use fathom_proto::sim::v1::fabric_control_client::FabricControlClient;
use fathom_topology::Prefix;
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Status};

use crate::error::{Result, SouthboundError};
use crate::plan::{Installed, InstalledTable, Plan, TableSpec};
use crate::{ApplyReport, BoxFuture, Southbound};

const NAME: &str = "simulator";

/// Programs the simulator's slot tables over gRPC.
#[derive(Debug, Clone)]
pub struct SimulatorWriter {
    endpoint: String,
    client: FabricControlClient<Channel>,
}

impl SimulatorWriter {
    /// A writer for `http://host:port`; connects lazily (and reconnects) on use.
    pub fn new(endpoint: &str) -> Result<Self> {
        let ep = Endpoint::from_shared(endpoint.to_string()).map_err(|e| SouthboundError::InvalidPlan {
            reason: format!("simulator endpoint '{endpoint}' is not a URI: {e}"),
        })?;
        let ep = ep.connect_timeout(std::time::Duration::from_secs(2)).timeout(std::time::Duration::from_secs(10));
        Ok(SimulatorWriter { endpoint: endpoint.to_string(), client: FabricControlClient::new(ep.connect_lazy()) })
    }

    fn unavailable(&self, s: &Status) -> SouthboundError {
        SouthboundError::Unavailable { writer: NAME, endpoint: self.endpoint.clone(), reason: s.message().to_string() }
    }

    fn error(&self, s: Status) -> SouthboundError {
        match s.code() {
            Code::NotFound | Code::InvalidArgument => {
                SouthboundError::Rejected { writer: NAME, reason: s.message().into() }
            }
            _ => self.unavailable(&s),
        }
    }

    async fn highest_token(&self, plan: &Plan) -> u64 {
        let e = &plan.entries[0];
        let req = pb::GetSlotTablesRequest { device: Some(e.device.clone()), prefix: Some(e.prefix.to_string()) };
        match self.client.clone().get_slot_tables(req).await {
            Ok(r) => r.into_inner().highest_fencing_token,
            Err(_) => 0,
        }
    }
}

fn to_pb(plan: &Plan) -> pb::SetSlotTablesRequest {
    let updates = plan
        .entries
        .iter()
        .map(|e| pb::SlotTableUpdate {
            device: e.device.clone(),
            prefix: e.prefix.to_string(),
            spec: Some(match &e.spec {
                TableSpec::Slots(s) => pb::slot_table_update::Spec::Slots(pb::SlotList { slots: s.clone() }),
                TableSpec::Weights(w) => pb::slot_table_update::Spec::Weights(pb::WeightList {
                    weights: w.iter().map(|(i, x)| pb::InterfaceWeight { interface: i.clone(), weight: *x }).collect(),
                }),
            }),
        })
        .collect();
    pb::SetSlotTablesRequest { updates, fencing_token: plan.token }
}

fn from_pb(t: pb::SlotTable) -> Result<InstalledTable> {
    let prefix: Prefix = t.prefix.parse().map_err(|e| SouthboundError::Unavailable {
        writer: NAME,
        endpoint: String::new(),
        reason: format!("device reported a malformed prefix: {e}"),
    })?;
    Ok(InstalledTable { device: t.device, prefix, slots: t.slots, default_ecmp: t.default_ecmp })
}

impl Southbound for SimulatorWriter {
    fn name(&self) -> &'static str {
        NAME
    }

    fn apply<'a>(&'a self, plan: &'a Plan) -> BoxFuture<'a, Result<ApplyReport>> {
        Box::pin(async move {
            plan.validate()?;
            match self.client.clone().set_slot_tables(to_pb(plan)).await {
                Ok(r) => Ok(ApplyReport { changed_slots: r.into_inner().changed_slots }),
                Err(s) if s.code() == Code::FailedPrecondition => {
                    Err(SouthboundError::Fenced { token: plan.token, highest: self.highest_token(plan).await })
                }
                Err(s) => Err(self.error(s)),
            }
        })
    }

    fn installed<'a>(&'a self, devices: Option<&'a [String]>) -> BoxFuture<'a, Result<Installed>> {
        Box::pin(async move {
            let reqs: Vec<pb::GetSlotTablesRequest> = match devices {
                None => vec![pb::GetSlotTablesRequest { device: None, prefix: None }],
                Some(ds) => {
                    ds.iter().map(|d| pb::GetSlotTablesRequest { device: Some(d.clone()), prefix: None }).collect()
                }
            };
            let mut out = Installed::default();
            for req in reqs {
                let r = self.client.clone().get_slot_tables(req).await.map_err(|s| self.error(s))?.into_inner();
                out.highest_token = out.highest_token.max(r.highest_fencing_token);
                for t in r.tables {
                    out.tables.push(from_pb(t)?);
                }
            }
            Ok(out)
        })
    }
}
