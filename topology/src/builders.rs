//! Builders for the fabrics Fathom is tested on: `leaf-spine:LxS` and `fat-tree:K`.
//!
//! Naming is stable so tools can address nodes: `leaf1..`, `spine1..`, fat trees add `agg1..` and `core1..`;
//! hosts are `host<leaf>-<n>`; switch ports are `Ethernet1..` in creation order, host NICs `eth0`.
//! Leaf `i` owns `10.<i/256>.<i%256>.0/24` and its hosts are `.1`, `.2`, ...
//!
//! ASNs (eBGP everywhere, so no two tiers may share one): leaf `i` has `65000+i` below 500 and `4200000000+i`
//! from 500 on; spines `65000`; fat-tree cores `64900`, aggregation switches of pod `p` `64512+p`.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use crate::error::{Result, TopologyError};
use crate::model::{Fabric, NodeId, Prefix, Role};

/// Default NIC and fabric link speed of AI fabrics: 400 Gbit/s.
pub const GBPS_400: f64 = 400e9;

/// Parameters of a two-tier leaf-spine (Clos) fabric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LeafSpineSpec {
    pub leaves: usize,
    pub spines: usize,
    /// Hosts per leaf; 0 means "as many as spines" (non-blocking with equal speeds).
    pub hosts_per_leaf: usize,
    /// Host NIC speed, bit/s.
    pub host_bps: f64,
    /// Leaf-spine link speed, bit/s; 0 derives it from `oversubscription`.
    pub fabric_bps: f64,
    /// Downlink/uplink capacity ratio of each leaf, used when `fabric_bps` is 0.
    pub oversubscription: f64,
}

impl Default for LeafSpineSpec {
    fn default() -> Self {
        LeafSpineSpec {
            leaves: 4,
            spines: 4,
            hosts_per_leaf: 0,
            host_bps: GBPS_400,
            fabric_bps: 0.0,
            oversubscription: 1.0,
        }
    }
}

impl LeafSpineSpec {
    pub fn new(leaves: usize, spines: usize) -> Self {
        LeafSpineSpec { leaves, spines, ..Default::default() }
    }

    fn hosts(&self) -> usize {
        if self.hosts_per_leaf == 0 {
            self.spines
        } else {
            self.hosts_per_leaf
        }
    }

    fn uplink_bps(&self) -> f64 {
        if self.fabric_bps > 0.0 {
            self.fabric_bps
        } else {
            self.hosts() as f64 * self.host_bps / (self.spines as f64 * self.oversubscription)
        }
    }

    fn validate(&self) -> Result<()> {
        let bad = |reason: String| {
            Err(TopologyError::InvalidSpec { spec: format!("leaf-spine:{}x{}", self.leaves, self.spines), reason })
        };
        if self.leaves == 0 || self.spines == 0 {
            return bad("leaves and spines must be at least 1".into());
        }
        if self.leaves > 65_000 || self.spines > 4096 || self.hosts() > 254 {
            return bad("at most 65000 leaves, 4096 spines and 254 hosts per leaf".into());
        }
        if !positive(self.host_bps) || !(self.fabric_bps == 0.0 || positive(self.fabric_bps)) {
            return bad("speeds must be positive and finite (fabric_bps 0 derives it)".into());
        }
        if !positive(self.oversubscription) {
            return bad("oversubscription must be positive and finite".into());
        }
        Ok(())
    }

    /// Builds the fabric.
    pub fn build(&self) -> Result<Fabric> {
        self.validate()?;
        let mut f = Fabric::new();
        let spines: Vec<NodeId> = (1..=self.spines)
            .map(|s| f.add_switch(&format!("spine{s}"), Role::Spine, 65000, router_id(1, s)))
            .collect::<Result<_>>()?;
        let up_bps = self.uplink_bps();
        let mut spine_port = vec![0usize; self.spines];
        for l in 1..=self.leaves {
            let leaf = f.add_switch(&format!("leaf{l}"), Role::Leaf, leaf_asn(l), router_id(2, l))?;
            let mut port = 0;
            for (si, &s) in spines.iter().enumerate() {
                port += 1;
                spine_port[si] += 1;
                f.connect(leaf, &format!("Ethernet{port}"), s, &format!("Ethernet{}", spine_port[si]), up_bps)?;
            }
            attach_hosts(&mut f, leaf, l, self.hosts(), self.host_bps, &mut port)?;
        }
        Ok(f)
    }
}

/// Parameters of a three-tier k-ary fat tree (k pods of k/2 leaves and k/2 aggregation switches, (k/2)² cores).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FatTreeSpec {
    pub k: usize,
    pub host_bps: f64,
    pub fabric_bps: f64,
}

impl Default for FatTreeSpec {
    fn default() -> Self {
        FatTreeSpec { k: 4, host_bps: GBPS_400, fabric_bps: GBPS_400 }
    }
}

impl FatTreeSpec {
    pub fn build(&self) -> Result<Fabric> {
        let k = self.k;
        let bad =
            |reason: &str| Err(TopologyError::InvalidSpec { spec: format!("fat-tree:{k}"), reason: reason.into() });
        if k < 2 || k % 2 != 0 || k > 128 {
            return bad("k must be even, 2..=128");
        }
        if !positive(self.host_bps) || !positive(self.fabric_bps) {
            return bad("speeds must be positive and finite");
        }
        let h = k / 2;
        let mut f = Fabric::new();
        let mut port = std::collections::HashMap::<NodeId, usize>::new();
        let mut next_port = |n: NodeId| {
            let p = port.entry(n).or_insert(0);
            *p += 1;
            format!("Ethernet{p}")
        };
        let cores: Vec<NodeId> = (1..=h * h)
            .map(|c| f.add_switch(&format!("core{c}"), Role::SuperSpine, 64900, router_id(0, c)))
            .collect::<Result<_>>()?;
        let mut leaf_no = 0;
        for pod in 0..k {
            let aggs: Vec<NodeId> = (0..h)
                .map(|a| {
                    let n = pod * h + a + 1;
                    f.add_switch(&format!("agg{n}"), Role::Spine, 64512 + pod as u32, router_id(1, n))
                })
                .collect::<Result<_>>()?;
            for (ai, &a) in aggs.iter().enumerate() {
                for c in 0..h {
                    let core = cores[ai * h + c];
                    let (pa, pc) = (next_port(a), next_port(core));
                    f.connect(a, &pa, core, &pc, self.fabric_bps)?;
                }
            }
            for _ in 0..h {
                leaf_no += 1;
                let leaf =
                    f.add_switch(&format!("leaf{leaf_no}"), Role::Leaf, leaf_asn(leaf_no), router_id(2, leaf_no))?;
                let mut lp = 0;
                for &a in &aggs {
                    lp += 1;
                    let pa = next_port(a);
                    f.connect(leaf, &format!("Ethernet{lp}"), a, &pa, self.fabric_bps)?;
                }
                attach_hosts(&mut f, leaf, leaf_no, h, self.host_bps, &mut lp)?;
            }
        }
        Ok(f)
    }
}

fn positive(bps: f64) -> bool {
    bps.is_finite() && bps > 0.0
}

fn attach_hosts(f: &mut Fabric, leaf: NodeId, l: usize, hosts: usize, bps: f64, port: &mut usize) -> Result<()> {
    let prefix = leaf_prefix(l);
    f.add_prefix(leaf, prefix)?;
    let base = u32::from(prefix.addr);
    for h in 1..=hosts {
        let host = f.add_host(&format!("host{l}-{h}"), leaf, Ipv4Addr::from(base + h as u32))?;
        *port += 1;
        f.connect(leaf, &format!("Ethernet{port}"), host, "eth0", bps)?;
    }
    Ok(())
}

/// The /24 owned by leaf number `l` (1-based).
pub fn leaf_prefix(l: usize) -> Prefix {
    Prefix { addr: Ipv4Addr::new(10, (l >> 8) as u8, (l & 0xff) as u8, 0), len: 24 }
}

fn leaf_asn(l: usize) -> u32 {
    if l < 500 {
        65000 + l as u32
    } else {
        4_200_000_000 + l as u32
    }
}

fn router_id(tier: u8, n: usize) -> Ipv4Addr {
    Ipv4Addr::new(10, 254 - tier, (n >> 8) as u8, (n & 0xff) as u8)
}

/// Builds a fabric from a compact spec: `leaf-spine:LxS` or `fat-tree:K`, with the default speeds.
pub fn from_spec(spec: &str) -> Result<Fabric> {
    let bad = |reason: &str| TopologyError::InvalidSpec { spec: spec.into(), reason: reason.into() };
    let (kind, args) = spec.split_once(':').ok_or_else(|| bad("expected 'leaf-spine:LxS' or 'fat-tree:K'"))?;
    match kind {
        "leaf-spine" => {
            let (l, s) = args.split_once('x').ok_or_else(|| bad("expected LxS, e.g. 32x8"))?;
            let leaves = l.trim().parse().map_err(|_| bad("leaf count is not a number"))?;
            let spines = s.trim().parse().map_err(|_| bad("spine count is not a number"))?;
            LeafSpineSpec::new(leaves, spines).build()
        }
        "fat-tree" => {
            let k = args.trim().parse().map_err(|_| bad("k is not a number"))?;
            FatTreeSpec { k, ..Default::default() }.build()
        }
        _ => Err(bad("unknown kind (expected leaf-spine or fat-tree)")),
    }
}
