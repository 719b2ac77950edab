//! The fabric's gNMI endpoint restarts under a running fathomd: its sources turn stale (excluded from decisions,
//! never read as idle), then ingest reconnects and the links are fresh again, with no counter reset read as a
//! traffic spike.

use std::time::{Duration, Instant};

use anyhow::{ensure, Result};
use fathom_proto::v1 as pb;
use fathom_tests::{FathomdProcess, SimProcess};

async fn status(api: std::net::SocketAddr) -> Result<(pb::Status, Vec<pb::LinkRow>)> {
    let mut c = fathom_proto::v1::operator_client::OperatorClient::connect(format!("http://{api}")).await?;
    let st = c.get_status(pb::GetStatusRequest {}).await?.into_inner();
    let links = c.list_links(pb::ListLinksRequest::default()).await?.into_inner().links;
    Ok((st, links))
}

async fn wait_for(
    api: std::net::SocketAddr,
    what: &str,
    ok: impl Fn(&pb::Status, &[pb::LinkRow]) -> bool,
) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (st, links) = status(api).await?;
        if ok(&st, &links) {
            return Ok(());
        }
        ensure!(Instant::now() < deadline, "timed out waiting for {what}: {st:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gnmi_restart_makes_sources_stale_then_ingest_recovers_without_spikes() -> Result<()> {
    let sim = SimProcess::start("scenarios/steady.toml")?;
    let (gnmi, control) = (sim.gnmi, sim.control);
    let cfg = format!(
        "[control]\nmode = \"observe\"\ninterval_ms = 200\n[telemetry]\nsample_interval_ms = 100\nstale_after_intervals = 3\n\
         [[telemetry.endpoint]]\naddress = \"{gnmi}\"\n[southbound]\nkind = \"dry-run\"\n"
    );
    let fd = FathomdProcess::start(&cfg)?;
    wait_for(fd.api, "fresh telemetry", |st, links| {
        st.sources.len() >= 6 && st.stale_sources == 0 && !links.is_empty()
    })
    .await?;
    drop(sim);
    wait_for(fd.api, "stale sources after the simulator stopped", |st, links| {
        st.stale_sources as usize == st.sources.len() && links.iter().all(|l| l.stale)
    })
    .await?;
    // Stale links carry no risk: they are excluded from decisions.
    let (_, links) = status(fd.api).await?;
    ensure!(links.iter().all(|l| l.risk == 0.0), "a stale link is still considered for decisions");
    let _sim2 = SimProcess::start_on("scenarios/steady.toml", gnmi, control, &[])?;
    wait_for(fd.api, "fresh telemetry after the restart", |st, links| {
        st.stale_sources == 0 && links.iter().any(|l| !l.stale && l.utilization > 0.0)
    })
    .await?;
    // The restarted simulator's counters began again at zero: no rate may exceed line rate.
    for _ in 0..10 {
        let (_, links) = status(fd.api).await?;
        for l in &links {
            ensure!(
                l.utilization <= 1.05,
                "{} reads {:.2} of capacity after the restart: a reset read as traffic",
                l.name,
                l.utilization
            );
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    Ok(())
}
