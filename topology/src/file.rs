//! The topology JSON file format (version 1), for import and export.
//!
//! ```json
//! {
//!   "version": 1,
//!   "switches": [ {"name": "leaf1", "role": "leaf", "asn": 65001, "router_id": "10.252.0.1",
//!                  "prefixes": ["10.0.1.0/24"]} ],
//!   "hosts":    [ {"name": "host1-1", "leaf": "leaf1", "ip": "10.0.1.1"} ],
//!   "links":    [ {"a": "leaf1", "a_if": "Ethernet1", "b": "spine1", "b_if": "Ethernet1",
//!                  "capacity_bps": 4e11, "up": true, "drained": false} ]
//! }
//! ```
//! `role` is `leaf`, `spine` or `super-spine`; `up` (switches, hosts, links) and `drained` (links) are optional
//! (default true / false); every link is full duplex with `capacity_bps` each way; host links are links like any
//! other. Unknown fields are rejected.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use crate::error::{Result, TopologyError};
use crate::model::{Fabric, NodeKind, Prefix, Role};

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileV1 {
    version: u32,
    switches: Vec<SwitchJ>,
    #[serde(default)]
    hosts: Vec<HostJ>,
    links: Vec<LinkJ>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SwitchJ {
    name: String,
    role: Role,
    asn: u32,
    router_id: Ipv4Addr,
    #[serde(default)]
    prefixes: Vec<String>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    up: bool,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HostJ {
    name: String,
    leaf: String,
    ip: Ipv4Addr,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    up: bool,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkJ {
    a: String,
    a_if: String,
    b: String,
    b_if: String,
    capacity_bps: f64,
    #[serde(default = "yes")]
    up: bool,
    #[serde(default)]
    drained: bool,
}

fn yes() -> bool {
    true
}
fn is_true(b: &bool) -> bool {
    *b
}

fn field(field: String, e: TopologyError) -> TopologyError {
    let reason = match e {
        TopologyError::InvalidField { reason, .. } => reason,
        other => other.to_string(),
    };
    TopologyError::InvalidField { field, reason }
}

/// Parses and validates a topology file. Errors name the JSON line or the offending field (`links[3].b`).
pub fn from_json(text: &str) -> Result<Fabric> {
    let file: FileV1 = serde_json::from_str(text).map_err(|e| TopologyError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    if file.version != 1 {
        return Err(TopologyError::InvalidField {
            field: "version".into(),
            reason: format!("unsupported version {}, expected 1", file.version),
        });
    }
    let mut f = Fabric::new();
    for (i, s) in file.switches.iter().enumerate() {
        let id =
            f.add_switch(&s.name, s.role, s.asn, s.router_id).map_err(|e| field(format!("switches[{i}].name"), e))?;
        f.set_node_up(id, s.up);
    }
    for (i, s) in file.switches.iter().enumerate() {
        let id = f.find(&s.name)?;
        for (j, p) in s.prefixes.iter().enumerate() {
            let prefix: Prefix = p.parse().map_err(|e| field(format!("switches[{i}].prefixes[{j}]"), e))?;
            f.add_prefix(id, prefix).map_err(|e| field(format!("switches[{i}].prefixes[{j}]"), e))?;
        }
    }
    for (i, h) in file.hosts.iter().enumerate() {
        let leaf = f.find(&h.leaf).map_err(|e| field(format!("hosts[{i}].leaf"), e))?;
        if f.node(leaf).role() != Some(Role::Leaf) {
            return Err(TopologyError::InvalidField {
                field: format!("hosts[{i}].leaf"),
                reason: format!("'{}' is not a leaf", h.leaf),
            });
        }
        let id = f.add_host(&h.name, leaf, h.ip).map_err(|e| field(format!("hosts[{i}].name"), e))?;
        f.set_node_up(id, h.up);
    }
    for (i, l) in file.links.iter().enumerate() {
        let a = f.find(&l.a).map_err(|e| field(format!("links[{i}].a"), e))?;
        let b = f.find(&l.b).map_err(|e| field(format!("links[{i}].b"), e))?;
        let (ab, _) = f.connect(a, &l.a_if, b, &l.b_if, l.capacity_bps).map_err(|e| field(format!("links[{i}]"), e))?;
        f.set_link_up(ab, l.up);
        f.set_link_drained(ab, l.drained);
    }
    Ok(f)
}

/// Serializes a fabric to the version-1 JSON format (pretty-printed). `from_json(to_json(f))` rebuilds `f`.
pub fn to_json(f: &Fabric) -> String {
    let mut switches = Vec::new();
    let mut hosts = Vec::new();
    for n in f.node_ids() {
        let node = f.node(n);
        match node.kind {
            NodeKind::Switch { role, asn, router_id } => switches.push(SwitchJ {
                name: node.name.clone(),
                role,
                asn,
                router_id,
                prefixes: f.prefixes_of(n).iter().map(|&p| f.prefixes()[p].prefix.to_string()).collect(),
                up: node.up,
            }),
            NodeKind::Host { leaf, ip } => {
                hosts.push(HostJ { name: node.name.clone(), leaf: f.node(leaf).name.clone(), ip, up: node.up })
            }
        }
    }
    let links = f
        .link_ids()
        .filter(|&l| l < f.reverse(l))
        .map(|l| {
            let (a, b) = f.endpoints(l);
            let k = f.link(l);
            LinkJ {
                a: f.node(a).name.clone(),
                a_if: k.src_if.clone(),
                b: f.node(b).name.clone(),
                b_if: k.dst_if.clone(),
                capacity_bps: k.capacity_bps,
                up: k.up,
                drained: k.drained,
            }
        })
        .collect();
    serde_json::to_string_pretty(&FileV1 { version: 1, switches, hosts, links }).expect("topology serializes")
}
