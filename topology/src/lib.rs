//! `fathom-topology`: the fabric graph and everything computed on it, pure and synchronous.
//!
//! - [`model`]: switches, hosts, directed links, prefixes ([`Fabric`]);
//! - [`builders`]: `leaf-spine:LxS`, `fat-tree:K`;
//! - [`file`]: the JSON topology format;
//! - [`paths`]: ECMP DAGs and k-shortest paths;
//! - [`wcmp`]: slot tables, weights and their quantization;
//! - [`routing`]: a demand matrix routed onto links.
//!
//! Invariant: nothing here does IO or keeps time; every function is deterministic.

pub mod builders;
pub mod error;
pub mod file;
pub mod model;
pub mod paths;
pub mod routing;
pub mod wcmp;

pub use builders::{from_spec, FatTreeSpec, LeafSpineSpec};
pub use error::{Result, TopologyError};
pub use model::{Fabric, Link, LinkId, Node, NodeId, NodeKind, Prefix, PrefixEntry, PrefixId, Role};
pub use paths::{k_shortest_paths, EcmpDag};
pub use routing::{route_demands, Demand, LinkLoads};
pub use wcmp::{quantize, SlotTable, WcmpState, DEFAULT_SLOTS};
