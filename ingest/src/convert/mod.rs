//! The one prost edge of the crate: gNMI wire messages to domain [`Batch`]es, and subscription specs to
//! `SubscribeRequest`s. Nothing outside this module names a `fathom_proto` type.

mod classify;
mod decode;
#[cfg(test)]
mod reference;
mod request;
mod wire;

pub(crate) use request::{SubscribeSpec, Subscription};

use crate::error::{IngestError, Result};
use crate::telemetry::{Batch, IfLeaf, Leaf, LldpLeaf, SlotLeaf, Value};

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

/// Decodes and converts one encoded `SubscribeResponse` (the hot path: see [`decode`]).
pub fn decode_response(bytes: &[u8], endpoint: u32, session: u64, stats: &mut ConvertStats) -> Result<Received> {
    decode::response(bytes, endpoint, session, stats).map_err(|e| IngestError::Decode { reason: e.0 })
}

/// Whether a leaf carries text (enumerations, identities, names) rather than a number.
fn is_text(leaf: &Leaf) -> bool {
    match leaf {
        Leaf::Interface { leaf, .. } => matches!(leaf, IfLeaf::OperStatus | IfLeaf::AdminStatus | IfLeaf::PortSpeed),
        Leaf::Lldp { leaf: LldpLeaf::SystemName | LldpLeaf::PortId, .. } => true,
        Leaf::Slot { leaf: SlotLeaf::NextHop, .. } => true,
        _ => false,
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

#[cfg(test)]
mod tests;
