//! `SubscribeResponse` bytes straight to a domain [`Batch`]: the fields ingest uses are read in place from the
//! wire buffer (no prost tree, no per-element strings or maps); only the names a leaf keeps are copied. Its
//! output equals prost decoding followed by conversion (a property test checks this).

use super::classify::{self, ElemRef, Elems, Origin};
use super::wire::{text, Field, Reader, WireError};
use super::{is_text, json_scalar, ConvertStats, Received};
use crate::telemetry::{Batch, Leaf, Update, Value};

/// Decodes one encoded `SubscribeResponse`.
pub fn response(buf: &[u8], endpoint: u32, session: u64, stats: &mut ConvertStats) -> Result<Received, WireError> {
    let mut r = Reader::new(buf);
    let mut out = Received::Nothing;
    while let Some((number, f)) = r.field()? {
        match (number, f) {
            (1, Field::Len(n)) => out = notification(n, endpoint, session, stats)?,
            (3, Field::Varint(v)) if v != 0 => out = Received::Sync,
            (4, Field::Len(e)) => out = Received::Error(error(e)?),
            _ => {}
        }
    }
    Ok(out)
}

/// gNMI `Error{code = 1, message = 2}` (deprecated, still sent by some targets).
fn error(buf: &[u8]) -> Result<String, WireError> {
    let (mut code, mut message) = (0, "");
    let mut r = Reader::new(buf);
    while let Some((number, f)) = r.field()? {
        match (number, f) {
            (1, Field::Varint(v)) => code = v,
            (2, Field::Len(m)) => message = text(m)?,
            _ => {}
        }
    }
    Ok(format!("code {code}: {message}"))
}

/// `Path{origin = 2, elem = 3, target = 4}`, borrowed.
#[derive(Debug, Default)]
struct PathRef<'a> {
    origin: &'a str,
    target: &'a str,
    elems: Elems<'a>,
}

/// Fills `p` (expected empty) from `buf`, in place: a path is large enough that moving it costs.
fn path<'a>(buf: &'a [u8], p: &mut PathRef<'a>) -> Result<(), WireError> {
    let mut r = Reader::new(buf);
    while let Some((number, f)) = r.field()? {
        match (number, f) {
            (2, Field::Len(o)) => p.origin = text(o)?,
            (3, Field::Len(e)) => {
                let mut overflow = false;
                p.elems.push(elem(e, &mut overflow)?);
                p.elems.overflow |= overflow;
            }
            (4, Field::Len(t)) => p.target = text(t)?,
            _ => {}
        }
    }
    Ok(())
}

/// `PathElem{name = 1, key = 2 (map entry {1: key, 2: value})}`.
fn elem<'a>(buf: &'a [u8], overflow: &mut bool) -> Result<ElemRef<'a>, WireError> {
    let mut e = ElemRef::default();
    let mut r = Reader::new(buf);
    while let Some((number, f)) = r.field()? {
        match (number, f) {
            (1, Field::Len(n)) => e.name = n,
            (2, Field::Len(entry)) => {
                let (k, v) = map_entry(entry)?;
                if !e.push_key(k, v) {
                    *overflow = true;
                }
            }
            _ => {}
        }
    }
    Ok(e)
}

fn map_entry(buf: &[u8]) -> Result<(&[u8], &[u8]), WireError> {
    let (mut k, mut v): (&[u8], &[u8]) = (b"", b"");
    let mut r = Reader::new(buf);
    while let Some((number, f)) = r.field()? {
        match (number, f) {
            (1, Field::Len(b)) => k = b,
            (2, Field::Len(b)) => v = b,
            _ => {}
        }
    }
    Ok((k, v))
}

/// `Notification{timestamp = 1, prefix = 2, update = 4, delete = 5}`: the prefix is found first (fields may come
/// in any order), then updates and deletes are converted in order (updates first, as prost would).
fn notification(buf: &[u8], endpoint: u32, session: u64, stats: &mut ConvertStats) -> Result<Received, WireError> {
    let (mut timestamp_ns, mut prefix, mut count) = (0i64, &[][..], 0usize);
    let mut r = Reader::new(buf);
    while let Some((number, f)) = r.field()? {
        match (number, f) {
            (1, Field::Varint(t)) => timestamp_ns = t as i64,
            (2, Field::Len(p)) => prefix = p,
            (4 | 5, Field::Len(_)) => count += 1,
            _ => {}
        }
    }
    let mut prefix_path = PathRef::default();
    path(prefix, &mut prefix_path)?;
    let prefix = &prefix_path;
    if prefix.target.is_empty() {
        stats.unknown_paths += count as u64;
        return Ok(Received::Nothing);
    }
    let mut updates = Vec::with_capacity(count);
    for wanted in [4, 5] {
        let mut r = Reader::new(buf);
        while let Some((number, f)) = r.field()? {
            match (number, f) {
                (4, Field::Len(u)) if wanted == 4 => updates.extend(update(u, prefix, stats)?),
                (5, Field::Len(d)) if wanted == 5 => {
                    updates.extend(leaf(d, prefix, stats)?.map(|leaf| Update { leaf, value: Value::Deleted }))
                }
                _ => {}
            }
        }
    }
    let target = prefix.target.to_string();
    Ok(Received::Batch(Batch { endpoint, session, target, timestamp_ns, updates }))
}

/// `Update{path = 1, val = 3}`.
fn update(buf: &[u8], prefix: &PathRef<'_>, stats: &mut ConvertStats) -> Result<Option<Update>, WireError> {
    let (mut p, mut val) = (&[][..], None);
    let mut r = Reader::new(buf);
    while let Some((number, f)) = r.field()? {
        match (number, f) {
            (1, Field::Len(b)) => p = b,
            (3, Field::Len(b)) => val = Some(b),
            _ => {}
        }
    }
    let Some(leaf) = leaf(p, prefix, stats)? else { return Ok(None) };
    match val.map(|v| value(&leaf, v)).transpose()?.flatten() {
        Some(value) => Ok(Some(Update { leaf, value })),
        None => {
            stats.bad_values += 1;
            Ok(None)
        }
    }
}

fn leaf(buf: &[u8], prefix: &PathRef<'_>, stats: &mut ConvertStats) -> Result<Option<Leaf>, WireError> {
    let mut p = PathRef::default();
    path(buf, &mut p)?;
    let origin = if p.origin.is_empty() { prefix.origin } else { p.origin };
    let found = Origin::parse(origin).and_then(|o| {
        if prefix.elems.as_slice().is_empty() {
            classify::leaf(o, &p.elems)
        } else {
            let mut full = prefix.elems;
            p.elems.as_slice().iter().for_each(|e| full.push(*e));
            full.overflow |= p.elems.overflow;
            classify::leaf(o, &full)
        }
    });
    if found.is_none() {
        stats.unknown_paths += 1;
    }
    Ok(found)
}

/// `TypedValue` (the last scalar wins, as with prost's oneof), in the type the leaf has.
fn value(leaf: &Leaf, buf: &[u8]) -> Result<Option<Value>, WireError> {
    let want_text = is_text(leaf);
    let mut out = None;
    let mut r = Reader::new(buf);
    while let Some((number, f)) = r.field()? {
        out = match (number, f) {
            (3, Field::Varint(u)) if !want_text => Some(Value::Uint(u)),
            (2, Field::Varint(i)) if !want_text => u64::try_from(i as i64).ok().map(Value::Uint),
            (1, Field::Len(s)) if want_text => Some(Value::Text(text(s)?.to_string())),
            (10 | 11, Field::Len(j)) => json_scalar(j, want_text),
            _ => None,
        };
    }
    Ok(out)
}
