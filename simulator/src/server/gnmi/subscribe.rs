//! The task behind one Subscribe RPC: sends the initial data set and `sync_response`, then (STREAM) wakes when a
//! subscription is due and sends its round into the subscriber's bounded queue.
//!
//! Backpressure: the queue holds [`SUBSCRIBER_QUEUE`] messages. A round that does not fit while the client is
//! still draining older messages is dropped whole (SAMPLE: that sample is skipped; ON_CHANGE: changes coalesce
//! into the next round, which diffs against what was actually sent). Memory per subscriber is therefore bounded
//! by the queue plus one round, whatever the client's speed.

use std::sync::Arc;

use fathom_proto::gnmi::{self, subscribe_response::Response};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tonic::{Status, Streaming};

use crate::telemetry::TelemetrySnapshot;

use super::super::stopped;
use super::plan::ListMode;
use super::session::Session;

/// Messages buffered per subscriber.
pub const SUBSCRIBER_QUEUE: usize = 32;

pub type Tx = mpsc::Sender<Result<gnmi::SubscribeResponse, Status>>;

/// Inputs of one subscription task.
#[derive(Debug)]
pub struct Stream {
    pub session: Session,
    pub telemetry: watch::Receiver<Arc<TelemetrySnapshot>>,
    pub tx: Tx,
    pub inbound: Streaming<gnmi::SubscribeRequest>,
    pub shutdown: watch::Receiver<bool>,
}

fn response(r: Response) -> Result<gnmi::SubscribeResponse, Status> {
    Ok(gnmi::SubscribeResponse { response: Some(r), extension: Vec::new() })
}

/// Runs until the client goes away, sends something invalid, or the server shuts down.
pub async fn run(mut s: Stream) {
    let snap = s.telemetry.borrow().clone();
    for n in s.session.initial(&snap, Instant::now()) {
        if s.tx.send(response(Response::Update(n))).await.is_err() {
            return;
        }
    }
    if s.tx.send(response(Response::SyncResponse(true))).await.is_err() || s.session.plan().mode == ListMode::Once {
        return; // ONCE: dropping the sender ends the stream with OK.
    }
    let mut inbound_open = true;
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(s.session.next_wake()) => {
                if !send_round(&mut s.session, &s.telemetry, &s.tx).await {
                    return;
                }
            }
            _ = s.tx.closed() => return,
            _ = stopped(&mut s.shutdown) => {
                let _ = s.tx.try_send(Err(Status::unavailable("the simulator is shutting down")));
                return;
            }
            msg = s.inbound.message(), if inbound_open => match msg {
                Ok(None) => inbound_open = false,
                Ok(Some(_)) => {
                    let why = "only one SubscriptionList per Subscribe RPC, and POLL is not supported";
                    let _ = s.tx.send(Err(Status::invalid_argument(why))).await;
                    return;
                }
                Err(_) => return,
            },
        }
    }
}

/// Builds and sends the due round, or drops it when the client is behind. False when the client is gone.
async fn send_round(session: &mut Session, telemetry: &watch::Receiver<Arc<TelemetrySnapshot>>, tx: &Tx) -> bool {
    let now = Instant::now();
    let snap = telemetry.borrow().clone();
    let mut round = session.round(&snap, now);
    let n = round.notifications.len();
    // A round larger than the whole queue is sent when the queue is empty, waiting for room as it goes.
    let fits = n <= tx.capacity() || tx.capacity() == tx.max_capacity();
    if !fits {
        tracing::debug!(notifications = n, "slow gNMI subscriber: round dropped");
        session.finish(round, false, now);
        return true;
    }
    let notifications = std::mem::take(&mut round.notifications);
    session.finish(round, true, now);
    for note in notifications {
        if tx.send(response(Response::Update(note))).await.is_err() {
            return false;
        }
    }
    true
}
