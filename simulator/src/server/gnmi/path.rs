//! gNMI paths: a request's prefix + path becomes a [`Pattern`] (origin plus elements with optional key filters,
//! `*` wildcards and `...`); served leaves are [`Elem`] sequences; matching is prefix-based, so a pattern selects
//! every leaf below it. Patterns are checked against the [`super::schema`] when the request arrives.

use std::collections::BTreeMap;
use std::fmt;

use fathom_proto::gnmi;
use tonic::Status;

use super::schema;

/// The two path families served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Origin {
    /// OpenConfig models; requested with origin `""` or `"openconfig"`.
    OpenConfig,
    /// Fathom-specific models (per-priority PFC, WCMP slots); origin `"fathom"`.
    Fathom,
}

impl Origin {
    pub fn parse(s: &str) -> Result<Origin, Status> {
        match s {
            "" | "openconfig" => Ok(Origin::OpenConfig),
            "fathom" => Ok(Origin::Fathom),
            other => Err(Status::invalid_argument(format!(
                "origin '{other}' is not served: use \"\" or \"openconfig\" for OpenConfig paths, \"fathom\" for Fathom paths"
            ))),
        }
    }
}

/// One element of a served leaf path; every list served here has exactly one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elem {
    pub name: &'static str,
    pub key: Option<(&'static str, String)>,
}

/// One element of a requested path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatElem {
    /// A name (`*` matches any) with key filters (a `*` value matches any); keys not given match any entry.
    Named { name: String, keys: BTreeMap<String, String> },
    /// `...`: zero or more elements.
    AnyDepth,
}

impl PatElem {
    fn accepts(&self, e: &Elem) -> bool {
        match self {
            PatElem::AnyDepth => true,
            PatElem::Named { name, keys } => {
                (name == "*" || name == e.name)
                    && keys.iter().all(|(k, v)| matches!(&e.key, Some((ek, ev)) if ek == k && (v == "*" || v == ev)))
            }
        }
    }
}

/// A requested path: origin as the client spelled it, and its elements (prefix elements first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub origin: Origin,
    /// Echoed in the prefix of notifications.
    pub origin_str: String,
    pub elems: Vec<PatElem>,
}

impl Pattern {
    /// Joins the request prefix and one path, then checks the result against the served schema.
    pub fn new(prefix: Option<&gnmi::Path>, path: Option<&gnmi::Path>) -> Result<Pattern, Status> {
        let origin_str = pick_origin(prefix, path)?;
        let origin = Origin::parse(&origin_str)?;
        let raw = prefix.into_iter().chain(path).flat_map(|p| p.elem.iter());
        let elems = raw.map(pat_elem).collect::<Result<Vec<_>, _>>()?;
        let pattern = Pattern { origin, origin_str, elems };
        if !schema::serves(origin, &pattern.elems) {
            return Err(Status::not_found(format!("path {pattern} is not served; served: {}", schema::roots_help())));
        }
        Ok(pattern)
    }

    /// Whether the leaf `path` lies at or below this pattern.
    pub fn matches(&self, path: &[Elem]) -> bool {
        matches(&self.elems, path)
    }

    /// Whether some leaf below the partial `path` could match (used to prune the walk).
    pub fn could_match(&self, path: &[Elem]) -> bool {
        compatible(&self.elems, path)
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.origin_str.is_empty() {
            write!(f, "{}:", self.origin_str)?;
        }
        if self.elems.is_empty() {
            return f.write_str("/");
        }
        for e in &self.elems {
            match e {
                PatElem::AnyDepth => f.write_str("/...")?,
                PatElem::Named { name, keys } => {
                    write!(f, "/{name}")?;
                    for (k, v) in keys {
                        write!(f, "[{k}={v}]")?;
                    }
                }
            }
        }
        Ok(())
    }
}

fn pick_origin(prefix: Option<&gnmi::Path>, path: Option<&gnmi::Path>) -> Result<String, Status> {
    let p = prefix.map(|p| p.origin.as_str()).unwrap_or("");
    let q = path.map(|p| p.origin.as_str()).unwrap_or("");
    match (p, q) {
        (p, "") => Ok(p.to_string()),
        ("", q) => Ok(q.to_string()),
        (p, q) if p == q => Ok(p.to_string()),
        (p, q) => Err(Status::invalid_argument(format!("prefix origin '{p}' and path origin '{q}' differ"))),
    }
}

fn pat_elem(e: &gnmi::PathElem) -> Result<PatElem, Status> {
    match e.name.as_str() {
        "" => Err(Status::invalid_argument("a path element has an empty name")),
        "..." if !e.key.is_empty() => Err(Status::invalid_argument("the `...` path element cannot carry keys")),
        "..." => Ok(PatElem::AnyDepth),
        name => Ok(PatElem::Named { name: name.to_string(), keys: e.key.clone() }),
    }
}

fn matches(pat: &[PatElem], path: &[Elem]) -> bool {
    match pat.split_first() {
        None => true,
        Some((PatElem::AnyDepth, rest)) => (0..=path.len()).any(|i| matches(rest, &path[i..])),
        Some((p, rest)) => match path.split_first() {
            None => false,
            Some((e, tail)) => p.accepts(e) && matches(rest, tail),
        },
    }
}

fn compatible(pat: &[PatElem], path: &[Elem]) -> bool {
    match (pat.split_first(), path.split_first()) {
        (None, _) | (_, None) | (Some((PatElem::AnyDepth, _)), _) => true,
        (Some((p, rest)), Some((e, tail))) => p.accepts(e) && compatible(rest, tail),
    }
}

/// `name[key=value]/...` form of a served leaf path, used as a cache key and in messages.
pub fn leaf_key(path: &[Elem]) -> String {
    let mut s = String::new();
    for (i, e) in path.iter().enumerate() {
        if i > 0 {
            s.push('/');
        }
        s.push_str(e.name);
        if let Some((k, v)) = &e.key {
            s.push('[');
            s.push_str(k);
            s.push('=');
            s.push_str(v);
            s.push(']');
        }
    }
    s
}
