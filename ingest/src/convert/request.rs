//! Subscription specs to a gNMI `SubscribeRequest`, and the Subscribe RPC itself: requests are encoded with prost,
//! responses are handed over as raw bytes to the in-place decoder ([`super::decode`]).

use bytes::{Buf, Bytes};
use fathom_proto::gnmi::{self, subscription_list::Mode};
use prost::Message;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::Channel;
use tonic::Status;

use super::{decode, ConvertStats, Received};
use crate::config::SubscriptionMode;
use crate::path::PathSpec;

/// What one Subscribe RPC asks for.
#[derive(Debug, Clone)]
pub(crate) struct SubscribeSpec {
    /// A switch name, or `*` for every switch behind the endpoint.
    pub target: String,
    pub paths: Vec<(PathSpec, SubscriptionMode)>,
    pub sample_interval_ns: u64,
}

fn path(p: &PathSpec) -> gnmi::Path {
    let elem = p
        .elems
        .iter()
        .map(|e| gnmi::PathElem { name: e.name.clone(), key: e.keys.iter().cloned().collect() })
        .collect();
    gnmi::Path { origin: p.origin.clone(), elem, ..gnmi::Path::default() }
}

fn request(spec: &SubscribeSpec) -> gnmi::SubscribeRequest {
    let subscription = spec
        .paths
        .iter()
        .map(|(p, mode)| {
            let (mode, sample_interval) = match mode {
                SubscriptionMode::Sample => (gnmi::SubscriptionMode::Sample, spec.sample_interval_ns),
                SubscriptionMode::OnChange => (gnmi::SubscriptionMode::OnChange, 0),
            };
            gnmi::Subscription { path: Some(path(p)), mode: mode as i32, sample_interval, ..Default::default() }
        })
        .collect();
    let prefix = gnmi::Path { target: spec.target.clone(), ..gnmi::Path::default() };
    let list = gnmi::SubscriptionList {
        prefix: Some(prefix),
        subscription,
        mode: Mode::Stream as i32,
        encoding: gnmi::Encoding::Proto as i32,
        ..Default::default()
    };
    gnmi::SubscribeRequest { request: Some(gnmi::subscribe_request::Request::Subscribe(list)), ..Default::default() }
}

/// gRPC codec of the Subscribe RPC: prost-encoded requests out, raw response bytes in.
#[derive(Debug, Clone, Copy, Default)]
struct RawResponses;

impl Codec for RawResponses {
    type Encode = gnmi::SubscribeRequest;
    type Decode = Bytes;
    type Encoder = RawResponses;
    type Decoder = RawResponses;

    fn encoder(&mut self) -> Self::Encoder {
        RawResponses
    }

    fn decoder(&mut self) -> Self::Decoder {
        RawResponses
    }
}

impl Encoder for RawResponses {
    type Item = gnmi::SubscribeRequest;
    type Error = Status;

    fn encode(&mut self, item: Self::Item, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        item.encode(dst).map_err(|e| Status::internal(format!("encoding SubscribeRequest: {e}")))
    }
}

impl Decoder for RawResponses {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}

/// Largest message accepted from a target (the simulator sends at most 1000 updates per notification).
const MAX_MESSAGE: usize = 64 << 20;

/// An open STREAM subscription.
#[derive(Debug)]
pub(crate) struct Subscription {
    inner: tonic::Streaming<Bytes>,
}

impl Subscription {
    /// Sends the subscription list and keeps the request side open (some targets end the RPC when it closes).
    pub async fn open(channel: Channel, spec: &SubscribeSpec) -> Result<Subscription, Status> {
        let requests = tokio_stream::StreamExt::chain(tokio_stream::once(request(spec)), tokio_stream::pending());
        let mut grpc = tonic::client::Grpc::new(channel).max_decoding_message_size(MAX_MESSAGE);
        grpc.ready().await.map_err(|e| Status::unavailable(format!("gNMI endpoint not ready: {e}")))?;
        let path = PathAndQuery::from_static("/gnmi.gNMI/Subscribe");
        let inner = grpc.streaming(tonic::Request::new(requests), path, RawResponses).await?.into_inner();
        Ok(Subscription { inner })
    }

    /// The next message, converted; `None` when the target ended the stream.
    pub async fn next(
        &mut self,
        endpoint: u32,
        session: u64,
        stats: &mut ConvertStats,
    ) -> Result<Option<Received>, Status> {
        let Some(bytes) = self.inner.message().await? else { return Ok(None) };
        let received = decode::response(&bytes, endpoint, session, stats)
            .map_err(|e| Status::data_loss(format!("malformed SubscribeResponse: {}", e.0)))?;
        Ok(Some(received))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_carries_target_modes_and_interval() {
        let spec = SubscribeSpec {
            target: "*".into(),
            paths: vec![
                (PathSpec::parse("/interfaces/interface[name=*]/state/counters").unwrap(), SubscriptionMode::Sample),
                (PathSpec::parse("fathom:/wcmp/groups").unwrap(), SubscriptionMode::OnChange),
            ],
            sample_interval_ns: 200_000_000,
        };
        let Some(gnmi::subscribe_request::Request::Subscribe(list)) = request(&spec).request else { panic!() };
        assert_eq!(list.prefix.unwrap().target, "*");
        assert_eq!(list.subscription[0].sample_interval, 200_000_000);
        assert_eq!(list.subscription[1].mode, gnmi::SubscriptionMode::OnChange as i32);
        assert_eq!(list.subscription[1].path.as_ref().unwrap().origin, "fathom");
        assert_eq!(list.subscription[0].path.as_ref().unwrap().elem[1].key["name"], "*");
    }
}
