//! The one prost edge of the crate: gNMI wire messages to domain [`Batch`]es, and subscription specs to
//! `SubscribeRequest`s. Nothing outside this module names a `fathom_proto` type.

mod classify;
mod request;

pub(crate) use request::{SubscribeSpec, Subscription};

use fathom_proto::gnmi::{self, subscribe_response::Response, typed_value::Value as Tv};

use crate::telemetry::{Batch, IfLeaf, Leaf, LldpLeaf, QueueLeaf, SlotLeaf, Update, Value};
use classify::Origin;

/// What one `SubscribeResponse` carried, in domain terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    Batch(Batch),
    /// `sync_response`: the first full data set is complete.
    Sync,
    /// A (deprecated) in-band error.
    Error(String),
    /// Nothing usable (an empty message, or a notification without a target).
    Nothing,
}

/// Counts of what was skipped while converting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConvertStats {
    /// Updates and deletes whose path is none of the leaves ingest knows.
    pub unknown_paths: u64,
    /// Known leaves whose value had the wrong type.
    pub bad_values: u64,
}

/// Converts one decoded `SubscribeResponse`, consuming it so list keys and strings move instead of being copied.
pub(crate) fn response(r: gnmi::SubscribeResponse, endpoint: u32, session: u64, stats: &mut ConvertStats) -> Received {
    match r.response {
        Some(Response::Update(n)) => match notification(n, endpoint, session, stats) {
            Some(b) => Received::Batch(b),
            None => Received::Nothing,
        },
        Some(Response::SyncResponse(true)) => Received::Sync,
        #[allow(deprecated)] // reason: the deprecated in-band error is still what some targets send
        Some(Response::Error(e)) => Received::Error(format!("code {}: {}", e.code, e.message)),
        _ => Received::Nothing,
    }
}

/// Decodes and converts one encoded `SubscribeResponse` (what the benchmark measures end to end).
pub fn decode_response(bytes: &[u8], endpoint: u32, session: u64, stats: &mut ConvertStats) -> Option<Received> {
    let r = <gnmi::SubscribeResponse as prost::Message>::decode(bytes).ok()?;
    Some(response(r, endpoint, session, stats))
}

fn notification(n: gnmi::Notification, endpoint: u32, session: u64, stats: &mut ConvertStats) -> Option<Batch> {
    let prefix = n.prefix.unwrap_or_default();
    if prefix.target.is_empty() {
        stats.unknown_paths += (n.update.len() + n.delete.len()) as u64;
        return None;
    }
    let mut updates = Vec::with_capacity(n.update.len() + n.delete.len());
    for u in n.update {
        let Some(leaf) = path_leaf(&prefix, u.path, stats) else { continue };
        match u.val.and_then(|v| v.value).and_then(|v| value(&leaf, v)) {
            Some(value) => updates.push(Update { leaf, value }),
            None => stats.bad_values += 1,
        }
    }
    for d in n.delete {
        if let Some(leaf) = path_leaf(&prefix, Some(d), stats) {
            updates.push(Update { leaf, value: Value::Deleted });
        }
    }
    Some(Batch { endpoint, session, target: prefix.target, timestamp_ns: n.timestamp, updates })
}

fn path_leaf(prefix: &gnmi::Path, path: Option<gnmi::Path>, stats: &mut ConvertStats) -> Option<Leaf> {
    let mut path = path.unwrap_or_default();
    let origin = if path.origin.is_empty() { &prefix.origin } else { &path.origin };
    let leaf = Origin::parse(origin).and_then(|o| {
        if prefix.elem.is_empty() {
            classify::leaf(o, &mut path.elem)
        } else {
            let mut full: Vec<gnmi::PathElem> = prefix.elem.clone();
            full.append(&mut path.elem);
            classify::leaf(o, &mut full)
        }
    });
    if leaf.is_none() {
        stats.unknown_paths += 1;
    }
    leaf
}

/// Whether a leaf carries text (enumerations, identities, names) rather than a number.
fn is_text(leaf: &Leaf) -> bool {
    match leaf {
        Leaf::Interface { leaf, .. } => matches!(leaf, IfLeaf::OperStatus | IfLeaf::AdminStatus | IfLeaf::PortSpeed),
        Leaf::Lldp { leaf: LldpLeaf::SystemName | LldpLeaf::PortId, .. } => true,
        Leaf::Slot { leaf: SlotLeaf::NextHop, .. } => true,
        Leaf::Queue { leaf: QueueLeaf::MaxQueueLen, .. } => false,
        _ => false,
    }
}

/// The leaf's value in the type the leaf has: PROTO scalars, or RFC 7951 JSON scalars (64-bit numbers as strings).
fn value(leaf: &Leaf, v: Tv) -> Option<Value> {
    let text = is_text(leaf);
    match v {
        Tv::UintVal(u) if !text => Some(Value::Uint(u)),
        Tv::IntVal(i) if !text => u64::try_from(i).ok().map(Value::Uint),
        Tv::StringVal(s) if text => Some(Value::Text(s)),
        Tv::JsonIetfVal(b) | Tv::JsonVal(b) => json_scalar(&b, text),
        _ => None,
    }
}

fn json_scalar(bytes: &[u8], text: bool) -> Option<Value> {
    let s = std::str::from_utf8(bytes).ok()?.trim();
    let unquoted = s.strip_prefix('"').and_then(|s| s.strip_suffix('"'));
    if text {
        unquoted.map(|s| Value::Text(s.to_string()))
    } else {
        unquoted.unwrap_or(s).parse().ok().map(Value::Uint)
    }
}
