//! `fathomctl` commands that talk to a running `fathomd` over the operator API (`fathom.v1.Operator`).

use anyhow::{anyhow, Context, Result};
use clap::{Subcommand, ValueEnum};
use fathom_proto::v1 as pb;
use fathom_proto::v1::operator_client::OperatorClient;
use serde_json::{json, Value};
use tonic::transport::Channel;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Out {
    Table,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum Sort {
    Name,
    Util,
    Forecast,
    Risk,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ModeArg {
    Observe,
    Advise,
    Auto,
}

/// Operator commands.
#[derive(Subcommand, Debug)]
pub enum OpCmd {
    /// Leadership, mode, telemetry health and stale sources.
    Status,
    /// The fabric as fathomd sees it.
    Topology,
    /// Links with utilization, forecast and hotspot risk.
    Links {
        /// Only links whose name or peer contains this.
        #[arg(long, default_value = "")]
        filter: String,
        /// Only links at or above this utilization (now or forecast).
        #[arg(long, default_value_t = 0.0)]
        min_util: f64,
        #[arg(long, value_enum, default_value_t = Sort::Name)]
        sort: Sort,
        #[arg(long, default_value_t = 0)]
        limit: u32,
    },
    /// Links forecast to cross the hotspot threshold.
    Hotspots,
    /// Demand per source switch and destination prefix.
    Demands {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Plans waiting for approval (advise mode).
    Plans,
    /// Decisions with explanation and outcome, newest first.
    Decisions {
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Approve a pending plan.
    Approve {
        plan: u64,
        /// Who approves (recorded in the decision).
        #[arg(long = "as", default_value = "")]
        approver: String,
    },
    /// Set the mode: observe, advise or auto.
    Mode { mode: ModeArg },
    /// Drain a link (`switch:interface`) or a switch: fathomd moves traffic away from it.
    Drain { target: String },
    /// Undo a drain.
    Undrain { target: String },
    /// Stream decisions as they are taken (Ctrl-C to stop).
    Watch,
}

async fn connect(api: &str) -> Result<OperatorClient<Channel>> {
    OperatorClient::connect(api.to_string()).await.with_context(|| {
        format!("cannot reach fathomd at {api}: is it running (`fathomd run --config FILE`) and is --api right?")
    })
}

fn status_err(e: tonic::Status) -> anyhow::Error {
    anyhow!("{}: {}", e.code(), e.message())
}

fn mode_name(m: i32) -> &'static str {
    match pb::Mode::try_from(m) {
        Ok(pb::Mode::Observe) => "observe",
        Ok(pb::Mode::Advise) => "advise",
        Ok(pb::Mode::Auto) => "auto",
        _ => "unknown",
    }
}

fn link_json(l: &pb::LinkRow) -> Value {
    json!({"name": l.name, "peer": l.peer, "capacity_bps": l.capacity_bps, "utilization": l.utilization,
        "forecast": l.forecast, "forecast_upper": l.forecast_upper, "risk": l.risk, "stale": l.stale,
        "drained": l.drained, "up": l.up, "ecn_marks_per_s": l.ecn_marks_per_s,
        "pfc_pauses_per_s": l.pfc_pauses_per_s, "drops_per_s": l.drops_per_s})
}

fn decision_json(d: &pb::Decision) -> Value {
    json!({"id": d.id, "at_ms": d.at_ms, "state": d.state, "mode": mode_name(d.mode), "approved_by": d.approved_by,
        "epoch": d.epoch, "explanation": d.explanation, "predicted_max_before": d.predicted_max_before,
        "predicted_max_after": d.predicted_max_after, "observed_max_before": d.observed_max_before,
        "lead_time_ms": d.lead_time_ms,
        "changes": d.changes.iter().map(|c| json!({"device": c.device, "prefix": c.prefix, "slots_moved": c.slots_moved,
            "traffic_moved": c.traffic_moved, "relieves": c.relieves, "predicted_before": c.predicted_before,
            "predicted_after": c.predicted_after, "observed_before": c.observed_before,
            "lead_time_ms": c.lead_time_ms})).collect::<Vec<_>>(),
        "outcomes": d.outcomes.iter().map(|o| json!({"after_rounds": o.after_rounds,
            "observed_max_utilization": o.observed_max_utilization,
            "predicted_max_utilization": o.predicted_max_utilization, "rolled_back": o.rolled_back})).collect::<Vec<_>>()})
}

fn print_links(out: Out, links: &[pb::LinkRow]) {
    if out == Out::Json {
        println!("{}", Value::Array(links.iter().map(link_json).collect()));
        return;
    }
    println!("{:<22} {:<22} {:>7} {:>7} {:>7} {:>5} flags", "link", "peer", "util", "fcst", "upper", "risk");
    for l in links {
        let mut flags = Vec::new();
        if l.stale {
            flags.push("stale");
        }
        if l.drained {
            flags.push("drained");
        }
        if !l.up {
            flags.push("down");
        }
        println!(
            "{:<22} {:<22} {:>7.3} {:>7.3} {:>7.3} {:>5.2} {}",
            l.name,
            l.peer,
            l.utilization,
            l.forecast,
            l.forecast_upper,
            l.risk,
            flags.join(",")
        );
    }
}

fn print_decisions(out: Out, ds: &[pb::Decision]) {
    if out == Out::Json {
        println!("{}", Value::Array(ds.iter().map(decision_json).collect()));
        return;
    }
    for d in ds {
        println!(
            "#{} {} ({}, epoch {}{}) max {:.3} -> {:.3}, lead {:.0} ms: {}",
            d.id,
            d.state,
            mode_name(d.mode),
            d.epoch,
            if d.approved_by.is_empty() { String::new() } else { format!(", by {}", d.approved_by) },
            d.predicted_max_before,
            d.predicted_max_after,
            d.lead_time_ms,
            d.explanation
        );
        for c in &d.changes {
            println!(
                "    {} {}: {} slots ({:.0}% of its traffic) relieve {} (now {:.3}; forecast {:.3} -> {:.3}; {})",
                c.device,
                c.prefix,
                c.slots_moved,
                c.traffic_moved * 100.0,
                c.relieves,
                c.observed_before,
                c.predicted_before,
                c.predicted_after,
                if c.lead_time_ms > 0.0 {
                    format!("{:.0} ms before the forecast crossing", c.lead_time_ms)
                } else {
                    "already over the threshold".to_string()
                }
            );
        }
        for o in &d.outcomes {
            println!(
                "    after {} rounds: observed max {:.3} (predicted {:.3}){}",
                o.after_rounds,
                o.observed_max_utilization,
                o.predicted_max_utilization,
                if o.rolled_back { ", ROLLED BACK" } else { "" }
            );
        }
    }
}

/// Runs one operator command against `api`.
pub async fn run(api: &str, out: Out, cmd: OpCmd) -> Result<()> {
    let mut c = connect(api).await?;
    match cmd {
        OpCmd::Status => {
            let s = c.get_status(pb::GetStatusRequest {}).await.map_err(status_err)?.into_inner();
            if out == Out::Json {
                let sources: Vec<Value> = s
                    .sources
                    .iter()
                    .map(|x| {
                        json!({"target": x.target, "endpoint": x.endpoint, "stale": x.stale,
                            "last_update_age_ms": x.last_update_age_ms, "updates": x.updates, "reconnects": x.reconnects})
                    })
                    .collect();
                println!(
                    "{}",
                    json!({"replica": s.replica, "leader": s.leader, "epoch": s.epoch, "mode": mode_name(s.mode),
                        "uptime_s": s.uptime_s, "rounds": s.rounds, "stale_sources": s.stale_sources,
                        "stale_links": s.stale_links, "decisions": s.decisions, "pending_plans": s.pending_plans,
                        "sources": sources})
                );
            } else {
                println!(
                    "replica       {} ({}, epoch {})",
                    s.replica,
                    if s.leader { "leader" } else { "follower" },
                    s.epoch
                );
                println!("mode          {}", mode_name(s.mode));
                println!("uptime        {} s, {} rounds", s.uptime_s, s.rounds);
                println!(
                    "telemetry     {} sources, {} stale; {} stale links",
                    s.sources.len(),
                    s.stale_sources,
                    s.stale_links
                );
                println!("decisions     {} (pending plans: {})", s.decisions, s.pending_plans);
                let mut by_endpoint: std::collections::BTreeMap<&str, (usize, u64, u64)> = Default::default();
                for x in &s.sources {
                    let e = by_endpoint.entry(x.endpoint.as_str()).or_default();
                    *e = (e.0 + 1, e.1 + x.updates, e.2.max(x.reconnects));
                }
                for (endpoint, (n, updates, reconnects)) in by_endpoint {
                    println!(
                        "  endpoint {}: {n} targets, {updates} updates, up to {reconnects} reconnects per target",
                        if endpoint.is_empty() { "?" } else { endpoint }
                    );
                }
                for x in s.sources.iter().filter(|x| x.stale) {
                    println!(
                        "  stale source {} on {} (last update {} ms ago, {} reconnects)",
                        x.target, x.endpoint, x.last_update_age_ms, x.reconnects
                    );
                }
            }
        }
        OpCmd::Topology => {
            let t = c.get_topology(pb::GetTopologyRequest {}).await.map_err(status_err)?.into_inner();
            if out == Out::Json {
                let links: Vec<Value> = t
                    .links
                    .iter()
                    .map(|l| json!({"name": l.name, "peer": l.peer, "capacity_bps": l.capacity_bps, "up": l.up, "drained": l.drained}))
                    .collect();
                let sw: Vec<Value> =
                    t.switches.iter().map(|s| json!({"name": s.name, "role": s.role, "drained": s.drained})).collect();
                println!("{}", json!({"source": t.source, "switches": sw, "links": links}));
            } else {
                println!("{} switches, {} links (from {})", t.switches.len(), t.links.len(), t.source);
                for s in &t.switches {
                    println!(
                        "  {:<22} {:<12}{}",
                        s.name,
                        if s.role.is_empty() { "?" } else { s.role.as_str() },
                        if s.drained { " drained" } else { "" }
                    );
                }
                for l in &t.links {
                    println!(
                        "  {:<22} -> {:<22} {:>6.0}G {}{}",
                        l.name,
                        l.peer,
                        l.capacity_bps / 1e9,
                        if l.up { "up" } else { "DOWN" },
                        if l.drained { " drained" } else { "" }
                    );
                }
            }
        }
        OpCmd::Links { filter, min_util, sort, limit } => {
            let sort = match sort {
                Sort::Name => pb::LinkSort::ByName,
                Sort::Util => pb::LinkSort::ByUtilization,
                Sort::Forecast => pb::LinkSort::ByForecast,
                Sort::Risk => pb::LinkSort::ByRisk,
            } as i32;
            let r = c
                .list_links(pb::ListLinksRequest { filter, min_utilization: min_util, sort, limit })
                .await
                .map_err(status_err)?;
            print_links(out, &r.into_inner().links);
        }
        OpCmd::Hotspots => {
            let r = c.list_hotspots(pb::ListHotspotsRequest {}).await.map_err(status_err)?.into_inner();
            if r.links.is_empty() && out == Out::Table {
                println!("no hotspot forecast");
            } else {
                print_links(out, &r.links);
            }
        }
        OpCmd::Demands { limit } => {
            let r = c.list_demands(pb::ListDemandsRequest { limit }).await.map_err(status_err)?.into_inner();
            if out == Out::Json {
                let v: Vec<Value> = r
                    .demands
                    .iter()
                    .map(|d| {
                        json!({"source": d.source, "prefix": d.prefix, "bps": d.bps,
                                "forecast_bps": d.forecast_bps, "forecast_upper_bps": d.forecast_upper_bps})
                    })
                    .collect();
                println!("{}", Value::Array(v));
            } else {
                println!("{:<12} {:<18} {:>12} {:>12} {:>12}", "source", "prefix", "Gbit/s", "forecast", "peak");
                for d in &r.demands {
                    println!(
                        "{:<12} {:<18} {:>12.3} {:>12.3} {:>12.3}",
                        d.source,
                        d.prefix,
                        d.bps / 1e9,
                        d.forecast_bps / 1e9,
                        d.forecast_upper_bps / 1e9
                    );
                }
            }
        }
        OpCmd::Plans => {
            let r = c.list_plans(pb::ListPlansRequest {}).await.map_err(status_err)?.into_inner();
            if r.decisions.is_empty() && out == Out::Table {
                println!("no plan waiting for approval");
            } else {
                print_decisions(out, &r.decisions);
            }
        }
        OpCmd::Decisions { limit } => {
            let r = c.list_decisions(pb::ListDecisionsRequest { limit }).await.map_err(status_err)?.into_inner();
            print_decisions(out, &r.decisions);
        }
        OpCmd::Approve { plan, approver } => {
            let d = c.approve(pb::ApproveRequest { plan_id: plan, approver }).await.map_err(status_err)?.into_inner();
            print_decisions(out, &[d]);
        }
        OpCmd::Mode { mode } => {
            let m = match mode {
                ModeArg::Observe => pb::Mode::Observe,
                ModeArg::Advise => pb::Mode::Advise,
                ModeArg::Auto => pb::Mode::Auto,
            } as i32;
            let s = c.set_mode(pb::SetModeRequest { mode: m }).await.map_err(status_err)?.into_inner();
            if out == Out::Json {
                println!("{}", json!({"mode": mode_name(s.mode)}));
            } else {
                println!("mode is now {}", mode_name(s.mode));
            }
        }
        OpCmd::Drain { target } | OpCmd::Undrain { target } if target.is_empty() => {
            return Err(anyhow!("a target is required: `switch` or `switch:interface`"));
        }
        OpCmd::Drain { target } => drain(&mut c, out, target, false).await?,
        OpCmd::Undrain { target } => drain(&mut c, out, target, true).await?,
        OpCmd::Watch => {
            let mut s = c.watch_decisions(pb::WatchDecisionsRequest {}).await.map_err(status_err)?.into_inner();
            while let Some(d) = s.message().await.map_err(status_err)? {
                print_decisions(out, &[d]);
            }
        }
    }
    Ok(())
}

async fn drain(c: &mut OperatorClient<Channel>, out: Out, target: String, undrain: bool) -> Result<()> {
    let r = c.drain(pb::DrainRequest { target: target.clone(), undrain }).await.map_err(status_err)?.into_inner();
    if out == Out::Json {
        println!("{}", json!({"target": target, "drained": !undrain, "links": r.links}));
    } else {
        println!("{} {target}: {} link directions changed", if undrain { "undrained" } else { "drained" }, r.links);
    }
    Ok(())
}
