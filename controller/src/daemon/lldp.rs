//! The fabric graph (fathom-topology, petgraph) built from LLDP neighbor telemetry: switches are the telemetry
//! targets, links join two targets that see each other, hosts are neighbors that are not targets (attached to the
//! switch that sees them, which is then a leaf), and each leaf owns the /24 of its hosts' addresses (their LLDP
//! chassis ids). Pure.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use fathom_ingest::{InterfaceView, NeighborView};
use fathom_topology::{Fabric, Prefix, Role};

/// A switch's tier from the graph's shape: switches with hosts are leaves, their switch neighbors spines, the rest
/// super-spines. Only when LLDP shows no host at all (hosts that do not run LLDP) do names decide.
fn role_of(name: &str, leaves: &BTreeSet<&str>, next_to_leaf: &BTreeSet<&str>) -> Role {
    if leaves.is_empty() {
        return if name.starts_with("leaf") || name.starts_with("edge") || name.starts_with("tor") {
            Role::Leaf
        } else if name.starts_with("core") || name.starts_with("super") {
            Role::SuperSpine
        } else {
            Role::Spine
        };
    }
    if leaves.contains(name) {
        Role::Leaf
    } else if next_to_leaf.contains(name) {
        Role::Spine
    } else {
        Role::SuperSpine
    }
}

/// Builds the fabric, or explains why the neighbor table cannot make one.
pub fn fabric(neighbors: &[NeighborView], interfaces: &[InterfaceView]) -> Result<Fabric, String> {
    let targets: BTreeSet<&str> = interfaces.iter().map(|i| &*i.switch).collect();
    let speed: BTreeMap<(&str, &str), f64> =
        interfaces.iter().filter_map(|i| i.speed_bps.map(|s| ((&*i.switch, &*i.interface), s as f64))).collect();
    let hosts_of: BTreeMap<&str, Vec<&NeighborView>> =
        neighbors.iter().filter(|n| !targets.contains(&*n.system_name)).fold(BTreeMap::new(), |mut m, n| {
            m.entry(&*n.switch).or_insert_with(Vec::new).push(n);
            m
        });
    let leaves: BTreeSet<&str> = hosts_of.keys().copied().collect();
    let next_to_leaf: BTreeSet<&str> = neighbors
        .iter()
        .filter(|n| leaves.contains(&*n.switch) && targets.contains(&*n.system_name))
        .map(|n| &*n.system_name)
        .filter(|s| !leaves.contains(s))
        .collect();
    let mut f = Fabric::new();
    for (i, &t) in targets.iter().enumerate() {
        let role = role_of(t, &leaves, &next_to_leaf);
        f.add_switch(t, role, 64_512 + i as u32, Ipv4Addr::from(0x0afe_0000 + i as u32)).map_err(|e| e.to_string())?;
    }
    let mut done = BTreeSet::new();
    for n in neighbors.iter().filter(|n| targets.contains(&*n.system_name)) {
        let key = if (&*n.switch, &*n.interface) < (&*n.system_name, &*n.port_id) {
            (n.switch.clone(), n.interface.clone(), n.system_name.clone(), n.port_id.clone())
        } else {
            (n.system_name.clone(), n.port_id.clone(), n.switch.clone(), n.interface.clone())
        };
        if !done.insert(key) {
            continue;
        }
        let a = f.find(&n.switch).map_err(|e| e.to_string())?;
        let b = f.find(&n.system_name).map_err(|e| e.to_string())?;
        let cap = speed.get(&(&*n.switch, &*n.interface)).copied().unwrap_or(0.0);
        if cap > 0.0 {
            f.connect(a, &n.interface, b, &n.port_id, cap).map_err(|e| format!("{}:{}: {e}", n.switch, n.interface))?;
        }
    }
    for (sw, hosts) in hosts_of {
        let leaf = f.find(sw).map_err(|e| e.to_string())?;
        let mut prefix = None;
        for h in hosts {
            let Ok(ip) = h.neighbor_id.parse::<Ipv4Addr>() else { continue };
            prefix.get_or_insert(Prefix::new(ip, 24).map_err(|e| e.to_string())?);
            if f.find(&h.system_name).is_ok() {
                continue;
            }
            let host = f.add_host(&h.system_name, leaf, ip).map_err(|e| e.to_string())?;
            let cap = speed.get(&(&*h.switch, &*h.interface)).copied().unwrap_or(0.0);
            if cap > 0.0 {
                f.connect(leaf, &h.interface, host, &h.port_id, cap)
                    .map_err(|e| format!("{}:{}: {e}", h.switch, h.interface))?;
            }
        }
        if let Some(p) = prefix {
            f.add_prefix(leaf, p).map_err(|e| e.to_string())?;
        }
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A simulated fabric (`topology` is the body of its `[topology]` table) and the rate engine's first snapshot
    /// of its telemetry.
    fn simulated(topology: &str) -> (fathom_sim::Simulation, fathom_ingest::IngestSnapshot) {
        let sc = fathom_sim::Scenario::from_toml(&format!("duration_s = 1.0\n[topology]\n{topology}\n")).unwrap();
        let sim = fathom_sim::Simulation::new(&sc).unwrap();
        let mut eng = fathom_ingest::RateEngine::new(fathom_ingest::EngineConfig {
            sample_interval_ns: 100_000_000,
            stale_after_intervals: 5,
            max_counter_rate: 1e13,
        });
        eng.handle(&fathom_ingest::IngestEvent::Telemetry(crate::daemon::offline::batches(&sim.telemetry())), 0);
        let snap = eng.snapshot(0);
        (sim, snap)
    }

    #[test]
    fn a_simulated_leaf_spine_round_trips_through_lldp() {
        let (sim, snap) = simulated("kind = \"leaf-spine\"\nleaves = 4\nspines = 2\nhosts_per_leaf = 3");
        let f = fabric(&snap.neighbors, &snap.interfaces).unwrap();
        let truth = sim.fabric();
        assert_eq!(f.switches().count(), truth.switches().count());
        assert_eq!(f.hosts().count(), truth.hosts().count());
        assert_eq!(f.link_count(), truth.link_count());
        assert_eq!(f.prefixes().len(), 4);
        for p in truth.prefixes() {
            let leaf = &truth.node(p.leaf).name;
            let q = f.find_prefix(&p.prefix).unwrap();
            assert_eq!(&f.node(f.prefixes()[q].leaf).name, leaf);
        }
        assert_eq!(f.with_role(Role::Spine).count(), 2);
    }

    #[test]
    fn roles_come_from_the_graph_shape_not_from_names() {
        let (sim, mut snap) = simulated("kind = \"fat-tree\"\nk = 4");
        // Switches renamed to opaque names: roles must come from the shape alone.
        let truth = sim.fabric();
        let opaque: BTreeMap<String, String> =
            truth.switches().enumerate().map(|(i, n)| (truth.node(n).name.clone(), format!("sw{i:03}"))).collect();
        let rename = |x: &mut std::sync::Arc<str>| {
            if let Some(o) = opaque.get(&**x) {
                *x = o.as_str().into();
            }
        };
        snap.interfaces.iter_mut().for_each(|i| rename(&mut i.switch));
        for n in &mut snap.neighbors {
            rename(&mut n.switch);
            rename(&mut n.system_name);
        }
        let f = fabric(&snap.neighbors, &snap.interfaces).unwrap();
        for n in truth.switches() {
            let name = &truth.node(n).name;
            let got = f.node(f.find(&opaque[name]).unwrap()).role();
            assert_eq!(got, truth.node(n).role(), "{name} (as {})", opaque[name]);
        }
    }
}
