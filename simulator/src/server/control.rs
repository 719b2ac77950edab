//! `fathom.sim.v1.FabricControl` over the live actor. Every handler converts at the edge ([`super::convert`]),
//! sends one command and converts the answer back; errors become statuses through `From<SimError>`.

use fathom_proto::sim::v1 as pb;
use fathom_proto::sim::v1::fabric_control_server::FabricControl;
use tonic::{Request, Response, Status};

use super::convert;
use super::live::LiveHandle;

/// The control service; cheap to clone (it only holds the actor handle).
#[derive(Debug, Clone)]
pub struct ControlService {
    live: LiveHandle,
}

impl ControlService {
    pub fn new(live: LiveHandle) -> Self {
        ControlService { live }
    }

    async fn fault(&self, req: pb::FaultRequest, clear: bool) -> Result<Response<pb::FaultResponse>, Status> {
        let action = convert::fault(req, clear)?;
        self.live.apply_fault(action).await?;
        Ok(Response::new(pb::FaultResponse {}))
    }
}

#[tonic::async_trait]
impl FabricControl for ControlService {
    async fn list_targets(
        &self,
        _req: Request<pb::ListTargetsRequest>,
    ) -> Result<Response<pb::ListTargetsResponse>, Status> {
        let targets = self.live.targets().await?;
        Ok(Response::new(pb::ListTargetsResponse { targets: targets.into_iter().map(convert::target).collect() }))
    }

    async fn get_slot_tables(
        &self,
        req: Request<pb::GetSlotTablesRequest>,
    ) -> Result<Response<pb::GetSlotTablesResponse>, Status> {
        let req = req.into_inner();
        let (tables, token) = self.live.slot_tables(convert::filter(req.device), convert::filter(req.prefix)).await?;
        Ok(Response::new(pb::GetSlotTablesResponse {
            tables: tables.into_iter().map(convert::slot_table).collect(),
            highest_fencing_token: token,
        }))
    }

    async fn set_slot_tables(
        &self,
        req: Request<pb::SetSlotTablesRequest>,
    ) -> Result<Response<pb::SetSlotTablesResponse>, Status> {
        let req = req.into_inner();
        let token = req.fencing_token;
        let batch = convert::slot_updates(req)?;
        let changed = self.live.apply_slot_updates(batch, token).await?;
        Ok(Response::new(pb::SetSlotTablesResponse { changed_slots: changed as u64 }))
    }

    async fn inject_fault(&self, req: Request<pb::FaultRequest>) -> Result<Response<pb::FaultResponse>, Status> {
        self.fault(req.into_inner(), false).await
    }

    async fn clear_fault(&self, req: Request<pb::FaultRequest>) -> Result<Response<pb::FaultResponse>, Status> {
        self.fault(req.into_inner(), true).await
    }

    async fn get_ground_truth(
        &self,
        req: Request<pb::GetGroundTruthRequest>,
    ) -> Result<Response<pb::GroundTruth>, Status> {
        let truth = self.live.ground_truth(req.into_inner().include_flows).await?;
        Ok(Response::new(convert::ground_truth(truth)))
    }

    async fn get_summary(&self, _req: Request<pb::GetSummaryRequest>) -> Result<Response<pb::RunSummary>, Status> {
        let (summary, reports) = self.live.summary().await?;
        Ok(Response::new(convert::summary(&summary, &reports)))
    }
}
