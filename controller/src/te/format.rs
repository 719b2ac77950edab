//! The file formats of public TE datasets (DOTE/FIGRET/YATES layout): node-link topology JSON, `s d:path,...`
//! tunnels, `.hist` matrices (one N*N row-major matrix per line) and `.opt` optima (one number per line).
//! Every rejection names the file, the 1-based line and the reason.

use std::collections::BTreeMap;
use std::path::Path;

use fathom_optimizer::{Instance, LinkSpec};
use serde::Deserialize;

use crate::error::{malformed, ControllerError, Result};

/// A directed graph with capacities.
#[derive(Debug, Clone, PartialEq)]
pub struct TeTopology {
    pub nodes: usize,
    /// `(source, target, capacity)` per directed link, in file order.
    pub links: Vec<(usize, usize, f64)>,
}

#[derive(Deserialize)]
struct NodeLink {
    nodes: Vec<JsonNode>,
    links: Vec<JsonLink>,
}
#[derive(Deserialize)]
struct JsonNode {
    id: usize,
}
#[derive(Deserialize)]
struct JsonLink {
    source: usize,
    target: usize,
    capacity: f64,
}

fn read(file: &Path) -> Result<String> {
    std::fs::read_to_string(file).map_err(|source| ControllerError::Io { file: file.to_path_buf(), source })
}

/// Parses a node-link JSON topology (ids 0..N-1, positive capacities).
pub fn parse_topology(file: &Path, text: &str) -> Result<TeTopology> {
    let g: NodeLink = serde_json::from_str(text).or_else(|e| malformed(file, e.line(), e.to_string()))?;
    let n = g.nodes.len();
    if let Some((i, node)) = g.nodes.iter().enumerate().find(|(i, node)| node.id != *i) {
        return malformed(file, 0, format!("node {i} has id {}, ids must be 0..{n} in order", node.id));
    }
    let mut links = Vec::with_capacity(g.links.len());
    for (i, l) in g.links.iter().enumerate() {
        if l.source >= n || l.target >= n || l.source == l.target {
            return malformed(file, 0, format!("link {i}: bad endpoints {} -> {}", l.source, l.target));
        }
        if !(l.capacity.is_finite() && l.capacity > 0.0) {
            return malformed(file, 0, format!("link {i}: capacity must be positive, got {}", l.capacity));
        }
        links.push((l.source, l.target, l.capacity));
    }
    Ok(TeTopology { nodes: n, links })
}

/// Reads [`parse_topology`] from a file.
pub fn load_topology(file: &Path) -> Result<TeTopology> {
    parse_topology(file, &read(file)?)
}

/// Candidate tunnels: one demand per line, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Tunnels {
    /// `(source, destination)` per demand.
    pub pairs: Vec<(usize, usize)>,
    /// Per demand, per tunnel, the link indices (into `TeTopology::links`).
    pub paths: Vec<Vec<Vec<usize>>>,
}

impl Tunnels {
    /// The optimizer instance over these tunnels.
    pub fn instance(&self, topo: &TeTopology) -> Result<Instance> {
        let links = topo.links.iter().map(|&(_, _, c)| LinkSpec::new(c)).collect();
        Ok(Instance::new(links, &self.paths)?)
    }
}

/// Parses `s d:s-a-d,s-b-d` lines against `topo` (paths must follow existing links from s to d).
pub fn parse_tunnels(file: &Path, text: &str, topo: &TeTopology) -> Result<Tunnels> {
    let by_ends: BTreeMap<(usize, usize), usize> =
        topo.links.iter().enumerate().map(|(i, &(s, t, _))| ((s, t), i)).collect();
    let mut seen = BTreeMap::new();
    let mut out = Tunnels { pairs: Vec::new(), paths: Vec::new() };
    for (no, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        if line.is_empty() {
            continue;
        }
        let bad = |r: String| malformed(file, no, r);
        let Some((head, list)) = line.split_once(':') else { return bad("expected `s d:path,path`".into()) };
        let ends: Vec<usize> = match head.split_whitespace().map(str::parse).collect() {
            Ok(v) => v,
            Err(e) => return bad(format!("bad node id in `{head}`: {e}")),
        };
        let [s, d] = ends[..] else { return bad(format!("expected two node ids, got `{head}`")) };
        if s >= topo.nodes || d >= topo.nodes || s == d {
            return bad(format!("bad pair {s} {d}"));
        }
        if let Some(prev) = seen.insert((s, d), no) {
            return bad(format!("pair {s} {d} already listed on line {prev}"));
        }
        let paths = list.split(',').map(|p| parse_path(p, s, d, &by_ends)).collect::<std::result::Result<_, _>>();
        match paths {
            Ok(p) => out.paths.push(p),
            Err(r) => return bad(r),
        }
        out.pairs.push((s, d));
    }
    if out.pairs.is_empty() {
        return malformed(file, 0, "no tunnels");
    }
    Ok(out)
}

fn parse_path(
    p: &str,
    s: usize,
    d: usize,
    by_ends: &BTreeMap<(usize, usize), usize>,
) -> std::result::Result<Vec<usize>, String> {
    let nodes: Vec<usize> = p
        .trim()
        .split('-')
        .map(str::parse)
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| format!("bad path `{p}`: {e}"))?;
    if nodes.first() != Some(&s) || nodes.last() != Some(&d) || nodes.len() < 2 {
        return Err(format!("path `{p}` does not go from {s} to {d}"));
    }
    nodes
        .windows(2)
        .map(|w| by_ends.get(&(w[0], w[1])).copied().ok_or_else(|| format!("path `{p}`: no link {} -> {}", w[0], w[1])))
        .collect()
}

/// Reads [`parse_tunnels`] from a file.
pub fn load_tunnels(file: &Path, topo: &TeTopology) -> Result<Tunnels> {
    parse_tunnels(file, &read(file)?, topo)
}

/// Parses `.hist` matrices: each non-empty line has `nodes * nodes` non-negative numbers.
pub fn parse_matrices(file: &Path, text: &str, nodes: usize) -> Result<Vec<Vec<f64>>> {
    let mut out = Vec::new();
    for (no, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l)) {
        if line.trim().is_empty() {
            continue;
        }
        let mut row = Vec::with_capacity(nodes * nodes);
        for tok in line.split_whitespace() {
            match tok.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => row.push(v),
                _ => return malformed(file, no, format!("`{tok}` is not a non-negative number")),
            }
        }
        if row.len() != nodes * nodes {
            return malformed(file, no, format!("{} values, expected {nodes}*{nodes} = {}", row.len(), nodes * nodes));
        }
        out.push(row);
    }
    Ok(out)
}

/// Reads [`parse_matrices`] from a file.
pub fn load_matrices(file: &Path, nodes: usize) -> Result<Vec<Vec<f64>>> {
    parse_matrices(file, &read(file)?, nodes)
}

/// Reads `.opt` optima, one positive number per line.
pub fn load_optima(file: &Path) -> Result<Vec<f64>> {
    let text = read(file)?;
    let mut out = Vec::new();
    for (no, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        match line.parse::<f64>() {
            _ if line.is_empty() => continue,
            Ok(v) if v.is_finite() && v > 0.0 => out.push(v),
            _ => return malformed(file, no, format!("`{line}` is not a positive number")),
        }
    }
    Ok(out)
}
