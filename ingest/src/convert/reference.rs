//! The reference conversion (tests only): prost decodes, then the prost tree is converted field by field. The
//! hot path ([`super::decode`]) must give the same result on the same bytes.

use fathom_proto::gnmi::{self, subscribe_response::Response, typed_value::Value as Tv};

use super::classify::{self, Origin};
use super::{is_text, json_scalar, ConvertStats, Received};
use crate::telemetry::{Batch, Leaf, Update, Value};

/// The reference conversion: a prost-decoded message converted field by field. [`decode_response`] must agree
/// with it (tests compare the two on generated messages).
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

fn notification(n: gnmi::Notification, endpoint: u32, session: u64, stats: &mut ConvertStats) -> Option<Batch> {
    let prefix = n.prefix.unwrap_or_default();
    if prefix.target.is_empty() {
        stats.unknown_paths += (n.update.len() + n.delete.len()) as u64;
        return None;
    }
    let mut updates = Vec::with_capacity(n.update.len() + n.delete.len());
    for u in n.update {
        let Some(leaf) = path_leaf(&prefix, u.path.as_ref(), stats) else { continue };
        match u.val.and_then(|v| v.value).and_then(|v| value(&leaf, v)) {
            Some(value) => updates.push(Update { leaf, value }),
            None => stats.bad_values += 1,
        }
    }
    for d in &n.delete {
        if let Some(leaf) = path_leaf(&prefix, Some(d), stats) {
            updates.push(Update { leaf, value: Value::Deleted });
        }
    }
    Some(Batch { endpoint, session, target: prefix.target, timestamp_ns: n.timestamp, updates })
}

fn path_leaf(prefix: &gnmi::Path, path: Option<&gnmi::Path>, stats: &mut ConvertStats) -> Option<Leaf> {
    let empty = gnmi::Path::default();
    let path = path.unwrap_or(&empty);
    let origin = if path.origin.is_empty() { &prefix.origin } else { &path.origin };
    let mut elems = classify::Elems::default();
    for e in prefix.elem.iter().chain(&path.elem) {
        let mut r = classify::ElemRef::new(&e.name);
        for (k, v) in &e.key {
            elems.overflow |= !r.push_key(k.as_bytes(), v.as_bytes());
        }
        elems.push(r);
    }
    let leaf = Origin::parse(origin).and_then(|o| classify::leaf(o, &elems));
    if leaf.is_none() {
        stats.unknown_paths += 1;
    }
    leaf
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
