//! Served leaves to gNMI messages: values by requested encoding, paths, and notifications split into bounded
//! chunks (so one message stays far below the 4 MiB default receive limit of common gRPC clients).

use std::collections::BTreeMap;

use fathom_proto::gnmi::{self, typed_value};
use tonic::Status;

use super::leaves::{Leaf, Value};
use super::path::Elem;

/// Most updates (plus deletes) one notification carries.
pub const MAX_UPDATES_PER_NOTIFICATION: usize = 1_000;

/// How leaf values travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Scalar `TypedValue`s: `uint_val` for counters, `string_val` for enumerations and identities.
    Proto,
    /// `json_ietf_val` per RFC 7951 (64-bit integers as JSON strings).
    JsonIetf,
    /// `json_val`, encoded like JSON_IETF (accepted for clients that default to JSON; not advertised).
    Json,
}

impl Encoding {
    pub fn from_wire(v: i32) -> Result<Encoding, Status> {
        match gnmi::Encoding::try_from(v) {
            Ok(gnmi::Encoding::Proto) => Ok(Encoding::Proto),
            Ok(gnmi::Encoding::JsonIetf) => Ok(Encoding::JsonIetf),
            Ok(gnmi::Encoding::Json) => Ok(Encoding::Json),
            Ok(other) => Err(Status::unimplemented(format!(
                "encoding {} is not supported: use PROTO or JSON_IETF",
                other.as_str_name()
            ))),
            Err(_) => Err(Status::invalid_argument(format!("encoding {v} is not a gNMI encoding"))),
        }
    }
}

pub fn typed_value(v: &Value, enc: Encoding) -> gnmi::TypedValue {
    let value = match (enc, v) {
        (Encoding::Proto, Value::Uint(n)) => typed_value::Value::UintVal(*n),
        (Encoding::Proto, Value::Str(s)) => typed_value::Value::StringVal(s.to_string()),
        (Encoding::JsonIetf, v) => typed_value::Value::JsonIetfVal(json(v).into_bytes()),
        (Encoding::Json, v) => typed_value::Value::JsonVal(json(v).into_bytes()),
    };
    gnmi::TypedValue { value: Some(value) }
}

fn json(v: &Value) -> String {
    match v {
        Value::Uint(n) => format!("\"{n}\""),
        Value::Str(s) => serde_json::Value::String(s.to_string()).to_string(),
    }
}

pub fn path(elems: &[Elem]) -> gnmi::Path {
    let elem = elems.iter().map(|e| gnmi::PathElem { name: e.name.to_string(), key: keys(e) }).collect();
    gnmi::Path { origin: String::new(), elem, target: String::new() }
}

fn keys(e: &Elem) -> BTreeMap<String, String> {
    e.key.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

pub fn update(leaf: &Leaf, enc: Encoding) -> gnmi::Update {
    gnmi::Update { path: Some(path(&leaf.path)), val: Some(typed_value(&leaf.value, enc)), duplicates: 0 }
}

/// Updates and deletes of one target and origin at one instant.
#[derive(Debug, Default)]
pub struct Batch {
    pub updates: Vec<gnmi::Update>,
    pub deletes: Vec<gnmi::Path>,
}

/// Splits a batch into notifications whose prefix names the target and origin.
pub fn notifications(target: &str, origin: &str, timestamp: i64, batch: Batch) -> Vec<gnmi::Notification> {
    let prefix = gnmi::Path { origin: origin.to_string(), elem: Vec::new(), target: target.to_string() };
    let make =
        |update, delete| gnmi::Notification { timestamp, prefix: Some(prefix.clone()), update, delete, atomic: false };
    let mut out: Vec<_> = chunks(batch.updates).into_iter().map(|u| make(u, Vec::new())).collect();
    out.extend(chunks(batch.deletes).into_iter().map(|d| make(Vec::new(), d)));
    out
}

fn chunks<T>(mut v: Vec<T>) -> Vec<Vec<T>> {
    let mut out = Vec::with_capacity(v.len().div_ceil(MAX_UPDATES_PER_NOTIFICATION));
    while !v.is_empty() {
        let rest = v.split_off(v.len().min(MAX_UPDATES_PER_NOTIFICATION));
        out.push(std::mem::replace(&mut v, rest));
    }
    out
}
