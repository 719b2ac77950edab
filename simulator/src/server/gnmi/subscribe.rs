//! The task behind one Subscribe RPC: sends the initial data set and `sync_response`, then (STREAM) wakes when a
//! subscription is due and sends its round into the subscriber's bounded queue.
//!
//! Backpressure: the queue holds [`SUBSCRIBER_QUEUE`] messages. Data is built and queued one target (switch) at a
//! time; a target's part that does not fit while the client is still draining older messages is dropped (SAMPLE:
//! that sample is skipped; ON_CHANGE: changes coalesce into the next round, which diffs against what was actually
//! sent). Memory per subscriber is therefore bounded by the queue plus one switch's part, whatever the client's
//! speed and however many switches a `*` subscription covers.

use std::sync::Arc;

use fathom_proto::gnmi::{self, subscribe_response::Response};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tonic::{Status, Streaming};

use crate::telemetry::TelemetrySnapshot;

use super::super::stopped;
use super::plan::ListMode;
use super::session::{Due, Session};

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
    let due = s.session.due_all();
    if !send_due(&mut s.session, &s.telemetry, &s.tx, due, Wake::Initial).await {
        return;
    }
    if s.tx.send(response(Response::SyncResponse(true))).await.is_err() || s.session.plan().mode == ListMode::Once {
        return; // ONCE: dropping the sender ends the stream with OK.
    }
    let mut inbound_open = true;
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(s.session.next_wake()) => {
                let due = s.session.due_at(Instant::now());
                if !send_due(&mut s.session, &s.telemetry, &s.tx, due, Wake::Round).await {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wake {
    /// The first data set: always sent in full (waiting for queue space), or skipped with `updates_only`.
    Initial,
    /// A later wake-up: a target's part that does not fit is dropped.
    Round,
}

/// Sends the due subscriptions' data target by target. False when the client is gone.
async fn send_due(
    session: &mut Session,
    telemetry: &watch::Receiver<Arc<TelemetrySnapshot>>,
    tx: &Tx,
    due: Due,
    wake: Wake,
) -> bool {
    let now = Instant::now();
    let snap = telemetry.borrow().clone();
    let targets = session.plan().targets.clone();
    let mut complete = true;
    for sw in targets.select(&snap) {
        let mut part = session.build(sw, &due, snap.timestamp_ns);
        let mut notes = std::mem::take(&mut part.notifications);
        if wake == Wake::Initial && session.plan().updates_only {
            notes.clear();
        } else if wake == Wake::Round && !fits(notes.len(), tx) {
            tracing::debug!(target = %sw.name, notifications = notes.len(), "slow gNMI subscriber: part dropped");
            complete = false;
            continue;
        }
        session.commit(part);
        for note in notes {
            if tx.send(response(Response::Update(note))).await.is_err() {
                return false;
            }
        }
    }
    session.schedule(due, complete, now);
    true
}

/// Whether `n` messages can go out now. A part larger than the whole queue goes out when the queue is empty,
/// waiting for room as it goes.
fn fits(n: usize, tx: &Tx) -> bool {
    n <= tx.capacity() || tx.capacity() == tx.max_capacity()
}
