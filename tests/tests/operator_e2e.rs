//! fathomd's operator surface against a live simulator: the Prometheus exposition passes `promtool check
//! metrics` (Debian's `prometheus` package), and invalid API requests get clear errors without changing anything.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};
use fathom_proto::v1 as pb;
use fathom_tests::{FathomdProcess, SimProcess};

fn start() -> Result<(SimProcess, FathomdProcess)> {
    let sim = SimProcess::start("scenarios/steady.toml")?;
    let cfg = format!(
        "[control]\nmode = \"observe\"\ninterval_ms = 200\n[telemetry]\nsample_interval_ms = 100\n\
         [[telemetry.endpoint]]\naddress = \"{}\"\n[southbound]\nkind = \"simulator\"\nendpoint = \"http://{}\"\n",
        sim.gnmi, sim.control
    );
    let fd = FathomdProcess::start(&cfg)?;
    Ok((sim, fd))
}

fn scrape(addr: std::net::SocketAddr) -> Result<String> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: fathomd\r\n\r\n")?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    let (head, body) = out.split_once("\r\n\r\n").context("an HTTP response")?;
    ensure!(head.starts_with("HTTP/1.1 200"), "metrics endpoint answered {head}");
    Ok(body.to_string())
}

#[tokio::test]
async fn promtool_accepts_the_metrics_exposition() -> Result<()> {
    let (_sim, fd) = start()?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let body = scrape(fd.metrics)?;
    ensure!(body.contains("fathom_control_rounds_total"), "no rounds metric:\n{body}");
    let updates: f64 = body
        .lines()
        .find_map(|l| l.strip_prefix("fathom_ingest_updates_total "))
        .and_then(|v| v.parse().ok())
        .context("fathom_ingest_updates_total")?;
    ensure!(updates > 0.0, "fathomd counted no gNMI update after 1.5 s of streaming");
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => bail!("promtool not found ({e}): install Debian's prometheus package (`apt-get install prometheus`, or `bash scripts/setup-tests.sh`)"),
    };
    child.stdin.take().context("stdin")?.write_all(body.as_bytes())?;
    let out = child.wait_with_output()?;
    ensure!(
        out.status.success(),
        "promtool rejected the exposition:\n{}{}\n---\n{body}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

#[tokio::test]
async fn invalid_operator_requests_get_clear_errors() -> Result<()> {
    let (_sim, fd) = start()?;
    let mut c = fathom_proto::v1::operator_client::OperatorClient::connect(format!("http://{}", fd.api)).await?;
    let e = c.approve(pb::ApproveRequest { plan_id: 0, approver: String::new() }).await.unwrap_err();
    ensure!(e.code() == tonic::Code::InvalidArgument && e.message().contains("fathomctl plans"), "{e:?}");
    let e = c.approve(pb::ApproveRequest { plan_id: 4242, approver: "x".into() }).await.unwrap_err();
    ensure!(e.code() == tonic::Code::FailedPrecondition && e.message().contains("no plan 4242"), "{e:?}");
    let e = c.set_mode(pb::SetModeRequest { mode: 0 }).await.unwrap_err();
    ensure!(e.code() == tonic::Code::InvalidArgument, "{e:?}");
    let e = c.drain(pb::DrainRequest { target: String::new(), undrain: false }).await.unwrap_err();
    ensure!(e.code() == tonic::Code::InvalidArgument, "{e:?}");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let e = c.drain(pb::DrainRequest { target: "spine99".into(), undrain: false }).await.unwrap_err();
    ensure!(e.code() == tonic::Code::NotFound && e.message().contains("spine99"), "{e:?}");
    let e = c
        .list_links(pb::ListLinksRequest { filter: String::new(), min_utilization: f64::NAN, sort: 0, limit: 0 })
        .await
        .unwrap_err();
    ensure!(e.code() == tonic::Code::InvalidArgument, "{e:?}");
    // Nothing changed: still observe mode, nothing drained.
    let st = c.get_status(pb::GetStatusRequest {}).await?.into_inner();
    ensure!(st.mode == pb::Mode::Observe as i32, "mode changed: {st:?}");
    let links = c.list_links(pb::ListLinksRequest::default()).await?.into_inner().links;
    ensure!(!links.is_empty() && links.iter().all(|l| !l.drained), "a rejected drain drained something");
    // A valid drain of a real switch works and is visible.
    let n = c.drain(pb::DrainRequest { target: "spine1".into(), undrain: false }).await?.into_inner().links;
    ensure!(n > 0, "draining spine1 changed no link");
    Ok(())
}

#[tokio::test]
async fn status_topology_and_demands_carry_live_data() -> Result<()> {
    let (sim, fd) = start()?;
    let mut c = fathom_proto::v1::operator_client::OperatorClient::connect(format!("http://{}", fd.api)).await?;
    tokio::time::sleep(Duration::from_millis(3000)).await;
    let st = c.get_status(pb::GetStatusRequest {}).await?.into_inner();
    ensure!(!st.sources.is_empty(), "no sources: {st:?}");
    for s in &st.sources {
        ensure!(
            s.endpoint == sim.gnmi.to_string(),
            "source {} endpoint {:?}, expected {}",
            s.target,
            s.endpoint,
            sim.gnmi
        );
        ensure!(s.updates > 0 && !s.stale, "source {} has no fresh updates: {s:?}", s.target);
        ensure!(s.reconnects == 0, "no reconnect happened, {} counted", s.reconnects);
    }
    let topo = c.get_topology(pb::GetTopologyRequest {}).await?.into_inner();
    ensure!(topo.source == "lldp", "the graph comes from LLDP, got {:?}", topo.source);
    let role = |n: &str| topo.switches.iter().find(|s| s.name == n).map(|s| s.role.clone());
    ensure!(role("leaf1").as_deref() == Some("leaf"), "leaf1 role {:?}", role("leaf1"));
    ensure!(role("spine1").as_deref() == Some("spine"), "spine1 role {:?}", role("spine1"));
    let demands = c.list_demands(pb::ListDemandsRequest { limit: 0 }).await?.into_inner().demands;
    let busy: Vec<&pb::DemandRow> = demands.iter().filter(|d| d.bps > 0.0).collect();
    ensure!(!busy.is_empty(), "no demand with traffic");
    ensure!(
        busy.iter().all(|d| d.forecast_bps > 0.0 && d.forecast_upper_bps >= d.forecast_bps),
        "demands with traffic carry a forecast and a planning peak: {busy:?}"
    );
    Ok(())
}
