//! The fabric graph: switches and hosts as nodes, directed links as edges.

use std::collections::HashMap;
use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use serde::{Deserialize, Serialize};

use crate::error::{Result, TopologyError};

/// Index of a node (switch or host) in the fabric graph. Stable: nodes are never removed.
pub type NodeId = NodeIndex<u32>;
/// Index of a directed link in the fabric graph. Stable: links are never removed.
pub type LinkId = EdgeIndex<u32>;
/// Index of a destination prefix in [`Fabric::prefixes`].
pub type PrefixId = usize;

/// Tier of a switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Leaf,
    Spine,
    SuperSpine,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Leaf => "leaf",
            Role::Spine => "spine",
            Role::SuperSpine => "super-spine",
        })
    }
}

/// What a node is.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// A switch of the given tier, with its BGP identity.
    Switch { role: Role, asn: u32, router_id: Ipv4Addr },
    /// A host (one NIC endpoint) attached to `leaf`.
    Host { leaf: NodeId, ip: Ipv4Addr },
}

/// A switch or a host.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub name: String,
    pub kind: NodeKind,
    /// Operational state: a switch that is down forwards nothing.
    pub up: bool,
}

impl Node {
    /// The switch role, or `None` for hosts.
    pub fn role(&self) -> Option<Role> {
        match self.kind {
            NodeKind::Switch { role, .. } => Some(role),
            NodeKind::Host { .. } => None,
        }
    }
    pub fn is_switch(&self) -> bool {
        matches!(self.kind, NodeKind::Switch { .. })
    }
}

/// One direction of a physical link, from `src_if` on the source node to `dst_if` on the target.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub src_if: String,
    pub dst_if: String,
    /// Capacity in bit/s.
    pub capacity_bps: f64,
    /// Operational state (carrier).
    pub up: bool,
    /// Administratively drained: kept up, but no traffic is routed over it.
    pub drained: bool,
}

/// An IPv4 prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Prefix {
    pub addr: Ipv4Addr,
    pub len: u8,
}

impl Prefix {
    /// Builds a prefix, masking host bits.
    pub fn new(addr: Ipv4Addr, len: u8) -> Result<Self> {
        if len > 32 {
            return Err(TopologyError::InvalidPrefix {
                text: format!("{addr}/{len}"),
                reason: "length must be 0..=32".into(),
            });
        }
        let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
        Ok(Prefix { addr: Ipv4Addr::from(u32::from(addr) & mask), len })
    }
    /// Whether `ip` lies inside this prefix.
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        let mask = if self.len == 0 { 0 } else { u32::MAX << (32 - self.len) };
        u32::from(ip) & mask == u32::from(self.addr)
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

impl FromStr for Prefix {
    type Err = TopologyError;
    fn from_str(s: &str) -> Result<Self> {
        let bad = |reason: &str| TopologyError::InvalidPrefix { text: s.to_string(), reason: reason.into() };
        let (a, l) = s.split_once('/').ok_or_else(|| bad("expected a.b.c.d/len"))?;
        let addr: Ipv4Addr = a.parse().map_err(|_| bad("address is not dotted IPv4"))?;
        let len: u8 = l.parse().map_err(|_| bad("length is not a number"))?;
        Prefix::new(addr, len)
    }
}

/// A destination prefix and the leaf that owns it.
#[derive(Debug, Clone, PartialEq)]
pub struct PrefixEntry {
    pub prefix: Prefix,
    pub leaf: NodeId,
}

/// The fabric: a directed multigraph of switches and hosts, plus the prefixes leaves own.
///
/// Every physical link is two directed links; [`Fabric::reverse`] maps one to the other.
#[derive(Debug, Clone)]
pub struct Fabric {
    graph: DiGraph<Node, Link, u32>,
    reverse: Vec<LinkId>,
    by_name: HashMap<String, NodeId>,
    by_interface: HashMap<(NodeId, String), LinkId>,
    prefixes: Vec<PrefixEntry>,
    prefix_of_leaf: HashMap<NodeId, Vec<PrefixId>>,
}

impl Default for Fabric {
    fn default() -> Self {
        Self::new()
    }
}

impl Fabric {
    pub fn new() -> Self {
        Fabric {
            graph: DiGraph::default(),
            reverse: Vec::new(),
            by_name: HashMap::new(),
            by_interface: HashMap::new(),
            prefixes: Vec::new(),
            prefix_of_leaf: HashMap::new(),
        }
    }

    /// Adds a switch. Names must be unique.
    pub fn add_switch(&mut self, name: &str, role: Role, asn: u32, router_id: Ipv4Addr) -> Result<NodeId> {
        self.add_node(Node { name: name.to_string(), kind: NodeKind::Switch { role, asn, router_id }, up: true })
    }

    /// Adds a host attached (logically) to `leaf`; connect it with [`Fabric::connect`].
    pub fn add_host(&mut self, name: &str, leaf: NodeId, ip: Ipv4Addr) -> Result<NodeId> {
        self.add_node(Node { name: name.to_string(), kind: NodeKind::Host { leaf, ip }, up: true })
    }

    fn add_node(&mut self, node: Node) -> Result<NodeId> {
        if self.by_name.contains_key(&node.name) {
            return Err(TopologyError::InvalidField {
                field: format!("name '{}'", node.name),
                reason: "duplicate node name".into(),
            });
        }
        let name = node.name.clone();
        let id = self.graph.add_node(node);
        self.by_name.insert(name, id);
        Ok(id)
    }

    /// Connects `a:a_if` and `b:b_if` with a full-duplex link of `capacity_bps` each way.
    /// Returns the two directed links (a→b, b→a).
    pub fn connect(
        &mut self,
        a: NodeId,
        a_if: &str,
        b: NodeId,
        b_if: &str,
        capacity_bps: f64,
    ) -> Result<(LinkId, LinkId)> {
        if !(capacity_bps.is_finite() && capacity_bps > 0.0) {
            return Err(TopologyError::InvalidField {
                field: format!("{}:{a_if} capacity", self.graph[a].name),
                reason: format!("capacity must be a positive number of bit/s, got {capacity_bps}"),
            });
        }
        for (n, i) in [(a, a_if), (b, b_if)] {
            if self.by_interface.contains_key(&(n, i.to_string())) {
                return Err(TopologyError::InvalidField {
                    field: format!("{}:{i}", self.graph[n].name),
                    reason: "interface already connected".into(),
                });
            }
        }
        if a == b {
            return Err(TopologyError::InvalidField {
                field: format!("{}:{a_if}", self.graph[a].name),
                reason: "a link cannot connect a node to itself".into(),
            });
        }
        let mk = |s: &str, d: &str| Link { src_if: s.into(), dst_if: d.into(), capacity_bps, up: true, drained: false };
        let ab = self.graph.add_edge(a, b, mk(a_if, b_if));
        let ba = self.graph.add_edge(b, a, mk(b_if, a_if));
        self.reverse.push(ba);
        self.reverse.push(ab);
        self.by_interface.insert((a, a_if.to_string()), ab);
        self.by_interface.insert((b, b_if.to_string()), ba);
        Ok((ab, ba))
    }

    /// Declares that `leaf` owns `prefix` (hosts behind it are addressed from it).
    pub fn add_prefix(&mut self, leaf: NodeId, prefix: Prefix) -> Result<PrefixId> {
        if self.prefixes.iter().any(|p| p.prefix == prefix) {
            return Err(TopologyError::InvalidField {
                field: format!("prefix {prefix}"),
                reason: "owned twice".into(),
            });
        }
        let id = self.prefixes.len();
        self.prefixes.push(PrefixEntry { prefix, leaf });
        self.prefix_of_leaf.entry(leaf).or_default().push(id);
        Ok(id)
    }

    pub fn graph(&self) -> &DiGraph<Node, Link, u32> {
        &self.graph
    }
    pub fn node(&self, id: NodeId) -> &Node {
        &self.graph[id]
    }
    pub fn node_mut(&mut self, id: NodeId) -> &mut Node {
        &mut self.graph[id]
    }
    pub fn link(&self, id: LinkId) -> &Link {
        &self.graph[id]
    }
    pub fn link_mut(&mut self, id: LinkId) -> &mut Link {
        &mut self.graph[id]
    }
    /// Source and target of a directed link.
    pub fn endpoints(&self, id: LinkId) -> (NodeId, NodeId) {
        self.graph.edge_endpoints(id).expect("link ids are never removed")
    }
    /// The opposite direction of a link.
    pub fn reverse(&self, id: LinkId) -> LinkId {
        self.reverse[id.index()]
    }
    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }
    pub fn link_count(&self) -> usize {
        self.graph.edge_count()
    }
    pub fn node_ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.graph.node_indices()
    }
    pub fn link_ids(&self) -> impl Iterator<Item = LinkId> + '_ {
        self.graph.edge_indices()
    }
    pub fn switches(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.graph.node_indices().filter(|&n| self.graph[n].is_switch())
    }
    pub fn hosts(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.graph.node_indices().filter(|&n| !self.graph[n].is_switch())
    }
    pub fn with_role(&self, role: Role) -> impl Iterator<Item = NodeId> + '_ {
        self.graph.node_indices().filter(move |&n| self.graph[n].role() == Some(role))
    }
    /// Outgoing links of a node, in creation order.
    pub fn out_links(&self, n: NodeId) -> Vec<LinkId> {
        let mut v: Vec<LinkId> = self.graph.edges_directed(n, Direction::Outgoing).map(|e| e.id()).collect();
        v.sort();
        v
    }
    pub fn find(&self, name: &str) -> Result<NodeId> {
        self.by_name.get(name).copied().ok_or_else(|| TopologyError::Unknown { kind: "node", name: name.into() })
    }
    /// The outgoing link on interface `ifname` of node `n`.
    pub fn interface(&self, n: NodeId, ifname: &str) -> Result<LinkId> {
        self.by_interface.get(&(n, ifname.to_string())).copied().ok_or_else(|| TopologyError::Unknown {
            kind: "interface",
            name: format!("{}:{ifname}", self.graph[n].name),
        })
    }
    pub fn prefixes(&self) -> &[PrefixEntry] {
        &self.prefixes
    }
    /// Prefixes owned by `leaf`.
    pub fn prefixes_of(&self, leaf: NodeId) -> &[PrefixId] {
        self.prefix_of_leaf.get(&leaf).map(Vec::as_slice).unwrap_or(&[])
    }
    pub fn find_prefix(&self, p: &Prefix) -> Result<PrefixId> {
        self.prefixes
            .iter()
            .position(|e| e.prefix == *p)
            .ok_or_else(|| TopologyError::Unknown { kind: "prefix", name: p.to_string() })
    }
    /// The prefix that contains `ip`, longest match.
    pub fn prefix_for(&self, ip: Ipv4Addr) -> Option<PrefixId> {
        self.prefixes
            .iter()
            .enumerate()
            .filter(|(_, e)| e.prefix.contains(ip))
            .max_by_key(|(_, e)| e.prefix.len)
            .map(|(i, _)| i)
    }
    /// The leaf a host hangs off, or `None` for switches.
    pub fn host_leaf(&self, h: NodeId) -> Option<NodeId> {
        match self.graph[h].kind {
            NodeKind::Host { leaf, .. } => Some(leaf),
            NodeKind::Switch { .. } => None,
        }
    }
    pub fn host_ip(&self, h: NodeId) -> Option<Ipv4Addr> {
        match self.graph[h].kind {
            NodeKind::Host { ip, .. } => Some(ip),
            NodeKind::Switch { .. } => None,
        }
    }
    /// Whether traffic may be routed over this link: both directions' carrier up, not drained, both ends up.
    pub fn usable(&self, id: LinkId) -> bool {
        let l = &self.graph[id];
        let (a, b) = self.endpoints(id);
        l.up && !l.drained && self.graph[a].up && self.graph[b].up
    }
    /// Sets the carrier of both directions of the physical link containing `id`.
    pub fn set_link_up(&mut self, id: LinkId, up: bool) {
        let r = self.reverse(id);
        self.graph[id].up = up;
        self.graph[r].up = up;
    }
    /// Drains or undrains both directions of the physical link containing `id`.
    pub fn set_link_drained(&mut self, id: LinkId, drained: bool) {
        let r = self.reverse(id);
        self.graph[id].drained = drained;
        self.graph[r].drained = drained;
    }
    /// Drains every link of a switch (or undrains them).
    pub fn set_switch_drained(&mut self, n: NodeId, drained: bool) {
        for l in self.out_links(n) {
            self.set_link_drained(l, drained);
        }
    }
    pub fn set_node_up(&mut self, n: NodeId, up: bool) {
        self.graph[n].up = up;
    }
    /// The access link host→leaf of a host.
    pub fn host_uplink(&self, h: NodeId) -> Option<LinkId> {
        let leaf = self.host_leaf(h)?;
        // The lowest-numbered link to the leaf (as in `out_links` order), without collecting them.
        self.graph.edges_directed(h, Direction::Outgoing).filter(|e| e.target() == leaf).map(|e| e.id()).min()
    }
    /// A human-readable name `node:interface` for a directed link (its source side).
    pub fn link_name(&self, id: LinkId) -> String {
        let (a, _) = self.endpoints(id);
        format!("{}:{}", self.graph[a].name, self.graph[id].src_if)
    }
}

impl Serialize for Prefix {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Prefix {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
