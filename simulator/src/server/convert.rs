//! The one place where `fathom.sim.v1` prost types meet the simulator's domain types, and where [`SimError`]
//! becomes a gRPC status. Requests are checked here for what the wire allows but the domain does not (missing
//! fields, unknown enum values, non-finite weights, oversized batches), so nothing downstream can panic on them.

use fathom_proto::sim::v1 as pb;
use tonic::Status;

use crate::control::{
    DemandTruth, Fault, FaultAction, FlowTruth, GroundTruth, LinkTruth, SlotSpec, SlotTableView, SlotUpdate, TargetInfo,
};
use crate::error::SimError;

/// Most table entries one `SetSlotTables` batch may carry.
pub const MAX_BATCH_UPDATES: usize = 65_536;
/// Most slots (or weights) one table may carry.
pub const MAX_TABLE_SLOTS: usize = 65_536;

impl From<SimError> for Status {
    fn from(e: SimError) -> Self {
        let msg = e.to_string();
        match e {
            SimError::Unknown { .. } => Status::not_found(msg),
            SimError::Invalid { .. } | SimError::Scenario { .. } => Status::invalid_argument(msg),
            SimError::Server { .. } => Status::unavailable(msg),
            SimError::Fenced { .. } => Status::failed_precondition(msg),
            SimError::Topology(_) | SimError::Io { .. } => Status::internal(msg),
        }
    }
}

pub fn target(t: TargetInfo) -> pb::Target {
    pb::Target { name: t.name, role: t.role, up: t.up }
}

pub fn slot_table(t: SlotTableView) -> pb::SlotTable {
    pb::SlotTable { device: t.device, prefix: t.prefix, slots: t.slots, default_ecmp: t.default_ecmp }
}

/// A filter given as an empty string means "no filter", like an unset one.
pub fn filter(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

pub fn slot_updates(req: pb::SetSlotTablesRequest) -> Result<Vec<SlotUpdate>, Status> {
    if req.updates.is_empty() {
        return Err(Status::invalid_argument("updates: the batch is empty"));
    }
    if req.updates.len() > MAX_BATCH_UPDATES {
        let n = req.updates.len();
        return Err(Status::invalid_argument(format!("updates: {n} entries exceed the limit of {MAX_BATCH_UPDATES}")));
    }
    req.updates.into_iter().enumerate().map(|(i, u)| slot_update(u).map_err(|m| entry_error(i, m))).collect()
}

fn entry_error(i: usize, msg: String) -> Status {
    Status::invalid_argument(format!("updates[{i}]: {msg}"))
}

fn slot_update(u: pb::SlotTableUpdate) -> Result<SlotUpdate, String> {
    if u.device.is_empty() {
        return Err("device is empty".into());
    }
    if u.prefix.is_empty() {
        return Err("prefix is empty".into());
    }
    let spec = match u.spec {
        None => return Err("neither slots nor weights given".into()),
        Some(pb::slot_table_update::Spec::Slots(list)) => slots(list)?,
        Some(pb::slot_table_update::Spec::Weights(list)) => weights(list)?,
    };
    Ok(SlotUpdate { device: u.device, prefix: u.prefix, spec })
}

fn slots(list: pb::SlotList) -> Result<SlotSpec, String> {
    check_len(list.slots.len(), "slots")?;
    if let Some(j) = list.slots.iter().position(|s| s.is_empty()) {
        return Err(format!("slots[{j}] is an empty interface name"));
    }
    Ok(SlotSpec::Slots(list.slots))
}

fn weights(list: pb::WeightList) -> Result<SlotSpec, String> {
    check_len(list.weights.len(), "weights")?;
    let mut out = Vec::with_capacity(list.weights.len());
    for (j, w) in list.weights.into_iter().enumerate() {
        if w.interface.is_empty() {
            return Err(format!("weights[{j}] has an empty interface name"));
        }
        if !w.weight.is_finite() || w.weight < 0.0 {
            return Err(format!(
                "weights[{j}] ({}): weight {} is not a finite non-negative number",
                w.interface, w.weight
            ));
        }
        out.push((w.interface, w.weight));
    }
    if out.iter().all(|(_, w)| *w == 0.0) {
        return Err("weights are all zero".into());
    }
    Ok(SlotSpec::Weights(out))
}

fn check_len(n: usize, what: &str) -> Result<(), String> {
    if n == 0 {
        Err(format!("{what} is empty"))
    } else if n > MAX_TABLE_SLOTS {
        Err(format!("{n} {what} exceed the limit of {MAX_TABLE_SLOTS}"))
    } else {
        Ok(())
    }
}

/// A fault request; `clear` selects `ClearFault` over `InjectFault`.
pub fn fault(req: pb::FaultRequest, clear: bool) -> Result<FaultAction, Status> {
    if req.target.is_empty() {
        return Err(Status::invalid_argument("target is empty: give `switch` or `switch:interface`"));
    }
    let fault = match pb::FaultKind::try_from(req.kind) {
        Ok(pb::FaultKind::LinkDown) => Fault::LinkDown(req.target),
        Ok(pb::FaultKind::SwitchDown) => Fault::SwitchDown(req.target),
        Ok(pb::FaultKind::Drain) => Fault::Drain(req.target),
        Ok(pb::FaultKind::Unspecified) | Err(_) => {
            return Err(Status::invalid_argument(format!(
                "kind {}: expected LINK_DOWN, SWITCH_DOWN or DRAIN",
                req.kind
            )))
        }
    };
    Ok(FaultAction { fault, clear })
}

pub fn ground_truth(g: GroundTruth) -> pb::GroundTruth {
    pb::GroundTruth {
        sim_time_ns: g.sim_time_ns,
        links: g.links.into_iter().map(link).collect(),
        demands: g.demands.into_iter().map(demand).collect(),
        flows: g.flows.into_iter().map(flow).collect(),
    }
}

fn link(l: LinkTruth) -> pb::LinkTruth {
    pb::LinkTruth {
        name: l.name,
        peer: l.peer,
        capacity_bps: l.capacity_bps,
        load_bps: l.load_bps,
        utilization: l.utilization,
        up: l.up,
        drained: l.drained,
        queue_bytes: l.queue_bytes,
    }
}

fn demand(d: DemandTruth) -> pb::DemandTruth {
    pb::DemandTruth { src_leaf: d.src_leaf, prefix: d.prefix, bps: d.bps }
}

fn flow(f: FlowTruth) -> pb::FlowTruth {
    pb::FlowTruth {
        id: f.id,
        src: f.src,
        dst: f.dst,
        src_port: f.src_port.into(),
        dst_port: f.dst_port.into(),
        protocol: f.protocol.into(),
        rate_bps: f.rate_bps,
        remaining_bytes: f.remaining_bytes,
        path: f.path,
        job: f.job,
    }
}

/// A run summary and the jobs' raw reports, for `GetSummary`.
pub fn summary(s: &crate::summary::Summary, reports: &[crate::workload::JobReport]) -> pb::RunSummary {
    pb::RunSummary {
        sim_time_ns: (s.simulated_s * 1e9).round() as u64,
        max_link_utilization: s.max_link_utilization,
        p99_link_utilization: s.p99_link_utilization,
        congested_link_seconds: s.congested_link_seconds,
        drops_pkts: s.drops_pkts,
        pfc_pause_s: s.pfc_pause_s,
        ecn_marked_pkts: s.ecn_marked_pkts,
        jobs: s
            .jobs
            .iter()
            .zip(reports)
            .map(|(j, r)| pb::JobSummary {
                name: j.name.clone(),
                kind: j.kind.clone(),
                iterations: j.iterations as u64,
                ideal_iteration_ms: j.ideal_iteration_ms,
                iteration_p50_ms: j.iteration_p50_ms,
                iteration_p99_ms: j.iteration_p99_ms,
                iteration_ms: r.iterations_ns.iter().map(|&ns| ns as f64 / 1e6).collect(),
            })
            .collect(),
        json: serde_json::to_string(s).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pb::slot_table_update::Spec;

    fn weighted(ws: &[(&str, f64)]) -> pb::SlotTableUpdate {
        let weights = ws.iter().map(|(i, w)| pb::InterfaceWeight { interface: i.to_string(), weight: *w }).collect();
        pb::SlotTableUpdate {
            device: "leaf1".into(),
            prefix: "10.0.1.0/24".into(),
            spec: Some(Spec::Weights(pb::WeightList { weights })),
        }
    }

    fn batch(updates: Vec<pb::SlotTableUpdate>) -> pb::SetSlotTablesRequest {
        pb::SetSlotTablesRequest { updates, fencing_token: 0 }
    }

    #[test]
    fn weights_convert_and_bad_weights_are_rejected_with_the_entry_index() {
        let ok = slot_updates(batch(vec![weighted(&[("eth1", 1.0), ("eth2", 3.0)])])).unwrap();
        assert_eq!(ok[0].spec, SlotSpec::Weights(vec![("eth1".into(), 1.0), ("eth2".into(), 3.0)]));
        for bad in [f64::NAN, f64::INFINITY, -1.0] {
            let req = batch(vec![weighted(&[("eth1", 1.0)]), weighted(&[("eth1", bad)])]);
            let st = slot_updates(req).unwrap_err();
            assert_eq!(st.code(), tonic::Code::InvalidArgument);
            assert!(st.message().starts_with("updates[1]"), "{}", st.message());
        }
        assert!(slot_updates(batch(vec![weighted(&[("eth1", 0.0)])])).is_err());
    }

    #[test]
    fn empty_fields_are_invalid_not_panics() {
        assert!(slot_updates(batch(vec![])).is_err());
        assert!(slot_updates(batch(vec![pb::SlotTableUpdate::default()])).is_err());
        let mut no_spec = weighted(&[("eth1", 1.0)]);
        no_spec.spec = None;
        assert!(slot_updates(batch(vec![no_spec])).is_err());
        let empty_slots = pb::SlotTableUpdate { spec: Some(Spec::Slots(pb::SlotList::default())), ..weighted(&[]) };
        assert!(slot_updates(batch(vec![empty_slots])).is_err());
        assert!(fault(pb::FaultRequest::default(), false).is_err());
        assert!(fault(pb::FaultRequest { kind: 99, target: "x".into() }, false).is_err());
    }

    #[test]
    fn huge_batches_are_refused() {
        let req = batch(vec![weighted(&[("eth1", 1.0)]); MAX_BATCH_UPDATES + 1]);
        assert_eq!(slot_updates(req).unwrap_err().code(), tonic::Code::InvalidArgument);
    }

    #[test]
    fn errors_map_to_status_codes() {
        let unknown = SimError::Unknown { kind: "switch", name: "x".into() };
        assert_eq!(Status::from(unknown).code(), tonic::Code::NotFound);
        assert_eq!(Status::from(SimError::invalid("no")).code(), tonic::Code::InvalidArgument);
        let scen = SimError::Scenario { field: "f".into(), reason: "r".into() };
        assert_eq!(Status::from(scen).code(), tonic::Code::InvalidArgument);
    }

    #[test]
    fn fault_kinds_map() {
        let req = pb::FaultRequest { kind: pb::FaultKind::Drain as i32, target: "spine1".into() };
        assert_eq!(fault(req, true).unwrap(), FaultAction { fault: Fault::Drain("spine1".into()), clear: true });
    }
}
