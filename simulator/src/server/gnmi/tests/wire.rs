//! The gNMI service over a real socket with the generated client, fed by a hand-driven telemetry channel.

use std::sync::Arc;
use std::time::Duration;

use fathom_proto::gnmi::{
    self, g_nmi_client::GNmiClient, g_nmi_server::GNmiServer, subscribe_request::Request as Req,
    subscribe_response::Response as Resp, subscription_list::Mode, SubscriptionMode,
};
use tokio::sync::watch;
use tokio_stream::StreamExt;
use tonic::transport::Channel;
use tonic::Code;

use super::super::GnmiService;
use super::fixtures::{path, snapshot, target};
use crate::telemetry::TelemetrySnapshot;

struct Harness {
    client: GNmiClient<Channel>,
    telemetry: watch::Sender<Arc<TelemetrySnapshot>>,
    stop: watch::Sender<bool>,
}

async fn start() -> Harness {
    let (telemetry, rx) = watch::channel(Arc::new(snapshot()));
    let (stop, stop_rx) = watch::channel(false);
    let service = GnmiService::new(rx, Duration::from_millis(100), stop_rx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    let server = tonic::transport::Server::builder().add_service(GNmiServer::new(service));
    tokio::spawn(server.serve_with_incoming(incoming));
    let client = GNmiClient::connect(format!("http://{addr}")).await.unwrap();
    Harness { client, telemetry, stop }
}

fn request(tgt: &str, mode: Mode, p: &str, sub_mode: SubscriptionMode, ns: u64) -> gnmi::SubscribeRequest {
    let sub =
        gnmi::Subscription { path: Some(path(p)), mode: sub_mode as i32, sample_interval: ns, ..Default::default() };
    let list = gnmi::SubscriptionList {
        prefix: Some(target(tgt)),
        subscription: vec![sub],
        mode: mode as i32,
        encoding: gnmi::Encoding::Proto as i32,
        ..Default::default()
    };
    gnmi::SubscribeRequest { request: Some(Req::Subscribe(list)), extension: vec![] }
}

type Inbound = tonic::Streaming<gnmi::SubscribeResponse>;

async fn subscribe(h: &mut Harness, req: gnmi::SubscribeRequest) -> Result<Inbound, tonic::Status> {
    let outbound = tokio_stream::iter(vec![req]).chain(tokio_stream::pending());
    h.client.subscribe(outbound).await.map(|r| r.into_inner())
}

async fn next(s: &mut Inbound) -> Option<Resp> {
    let msg = tokio::time::timeout(Duration::from_secs(5), s.message()).await.expect("timely message");
    msg.unwrap().map(|m| m.response.unwrap())
}

/// Updates until sync_response.
async fn until_sync(s: &mut Inbound) -> Vec<gnmi::Notification> {
    let mut out = Vec::new();
    loop {
        match next(s).await.expect("stream open") {
            Resp::Update(n) => out.push(n),
            Resp::SyncResponse(true) => return out,
            other => panic!("unexpected {other:?}"),
        }
    }
}

fn uint(n: &gnmi::Notification, leaf: &str) -> u64 {
    let u = n.update.iter().find(|u| u.path.as_ref().unwrap().elem.last().unwrap().name == leaf).unwrap();
    match u.val.as_ref().unwrap().value {
        Some(gnmi::typed_value::Value::UintVal(v)) => v,
        ref other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn capabilities_announce_encodings_and_version() {
    let mut h = start().await;
    let caps = h.client.capabilities(gnmi::CapabilityRequest::default()).await.unwrap().into_inner();
    assert_eq!(caps.g_nmi_version, "0.10.0");
    assert_eq!(caps.supported_encodings, vec![gnmi::Encoding::Proto as i32, gnmi::Encoding::JsonIetf as i32]);
    assert!(caps.supported_models.iter().any(|m| m.name == "openconfig-interfaces"));
}

#[tokio::test]
async fn stream_sample_sends_a_full_set_sync_then_fresh_samples() {
    let mut h = start().await;
    let p = "/interfaces/interface[name=eth1]/state/counters";
    let mut s =
        subscribe(&mut h, request("leaf1", Mode::Stream, p, SubscriptionMode::Sample, 100_000_000)).await.unwrap();
    let first = until_sync(&mut s).await;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].prefix.as_ref().unwrap().target, "leaf1");
    assert_eq!(uint(&first[0], "in-octets"), 1000);
    let mut snap = snapshot();
    snap.switches[0].interfaces[0].in_octets = 5000;
    snap.timestamp_ns += 100_000_000;
    h.telemetry.send_replace(Arc::new(snap));
    let mut seen = 0;
    while seen != 5000 {
        let Some(Resp::Update(n)) = next(&mut s).await else { panic!("expected an update") };
        seen = uint(&n, "in-octets");
        assert!(seen == 1000 || seen == 5000);
    }
    h.stop.send_replace(true);
    loop {
        match tokio::time::timeout(Duration::from_secs(5), s.message()).await.expect("stream ends") {
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(status) => {
                assert_eq!(status.code(), Code::Unavailable);
                break;
            }
        }
    }
}

#[tokio::test]
async fn once_sends_the_set_sync_and_ends() {
    let mut h = start().await;
    let req = request("leaf1", Mode::Once, "/lldp/interfaces", SubscriptionMode::TargetDefined, 0);
    let mut s = subscribe(&mut h, req).await.unwrap();
    let notes = until_sync(&mut s).await;
    assert_eq!(notes.iter().map(|n| n.update.len()).sum::<usize>(), 4);
    assert!(next(&mut s).await.is_none(), "ONCE ends after sync_response");
}

#[tokio::test]
async fn updates_only_starts_with_sync_response() {
    let mut h = start().await;
    let mut req = request("leaf1", Mode::Stream, "/interfaces", SubscriptionMode::Sample, 100_000_000);
    if let Some(Req::Subscribe(list)) = req.request.as_mut() {
        list.updates_only = true;
    }
    let mut s = subscribe(&mut h, req).await.unwrap();
    assert_eq!(next(&mut s).await, Some(Resp::SyncResponse(true)));
    assert!(matches!(next(&mut s).await, Some(Resp::Update(_))), "then samples");
}

#[tokio::test]
async fn errors_have_the_right_codes() {
    let mut h = start().await;
    let p = "/interfaces/interface[name=*]/state/counters";
    let cases = [
        (request("ghost", Mode::Stream, p, SubscriptionMode::Sample, 0), Code::NotFound),
        (request("leaf1", Mode::Stream, p, SubscriptionMode::Sample, 10_000_000), Code::InvalidArgument),
        (request("leaf1", Mode::Poll, p, SubscriptionMode::Sample, 0), Code::Unimplemented),
        (request("leaf1", Mode::Stream, "/nothing", SubscriptionMode::Sample, 0), Code::NotFound),
        (gnmi::SubscribeRequest::default(), Code::InvalidArgument),
    ];
    for (req, want) in cases {
        let status = subscribe(&mut h, req).await.unwrap_err();
        assert_eq!(status.code(), want, "{}", status.message());
    }
    let set = h.client.set(gnmi::SetRequest::default()).await.unwrap_err();
    assert_eq!(set.code(), Code::Unimplemented);
}

#[tokio::test]
async fn get_reads_current_values() {
    let mut h = start().await;
    let req = gnmi::GetRequest {
        prefix: Some(target("spine1")),
        path: vec![path("/interfaces/interface[name=eth1]/state/counters/out-octets")],
        encoding: gnmi::Encoding::Proto as i32,
        ..Default::default()
    };
    let resp = h.client.get(req.clone()).await.unwrap().into_inner();
    assert_eq!(uint(&resp.notification[0], "out-octets"), 7001);
    let missing = gnmi::GetRequest { path: vec![path("/interfaces/interface[name=eth7]")], ..req };
    assert_eq!(h.client.get(missing).await.unwrap_err().code(), Code::NotFound);
}
