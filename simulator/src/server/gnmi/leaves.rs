//! The leaves one switch serves, produced by walking its [`SwitchTelemetry`] under a [`Pattern`]: subtrees the
//! pattern cannot reach are pruned before any leaf is built, so a narrow subscription costs little.

use std::borrow::Cow;

use crate::telemetry::{InterfaceTelemetry, QueueTelemetry, SwitchTelemetry, WcmpGroupTelemetry};

use super::path::{Elem, Origin, Pattern};

/// A leaf value: counter64/uint32 leaves are numbers, enumerations and identities are strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Uint(u64),
    Str(Cow<'static, str>),
}

/// How TARGET_DEFINED treats a leaf: counters are sampled, state is sent on change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Counter,
    State,
}

/// One served leaf with its full path (relative to the target).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    pub path: Vec<Elem>,
    pub value: Value,
    pub class: Class,
}

/// Every leaf of `sw` at or below `pattern`.
pub fn collect(sw: &SwitchTelemetry, pattern: &Pattern) -> Vec<Leaf> {
    let mut w = Walker { pattern, path: Vec::with_capacity(12), out: Vec::new() };
    match pattern.origin {
        Origin::OpenConfig => openconfig(&mut w, sw),
        Origin::Fathom => fathom(&mut w, sw),
    }
    w.out
}

struct Walker<'p> {
    pattern: &'p Pattern,
    path: Vec<Elem>,
    out: Vec<Leaf>,
}

impl Walker<'_> {
    /// Enters a container (or a list entry when `key` is given) if the pattern can match below it.
    fn node(&mut self, name: &'static str, key: Option<(&'static str, &str)>, f: impl FnOnce(&mut Self)) {
        self.path.push(Elem { name, key: key.map(|(k, v)| (k, v.to_string())) });
        if self.pattern.could_match(&self.path) {
            f(self);
        }
        self.path.pop();
    }

    /// A chain of containers without keys, e.g. `["state", "counters"]`.
    fn nodes(&mut self, names: &[&'static str], f: impl FnOnce(&mut Self)) {
        match names.split_first() {
            None => f(self),
            Some((first, rest)) => self.node(first, None, |w| w.nodes(rest, f)),
        }
    }

    fn leaf(&mut self, name: &'static str, class: Class, value: impl FnOnce() -> Value) {
        self.path.push(Elem { name, key: None });
        if self.pattern.matches(&self.path) {
            self.out.push(Leaf { path: self.path.clone(), value: value(), class });
        }
        self.path.pop();
    }

    fn counters(&mut self, items: &[(&'static str, u64)]) {
        for &(name, v) in items {
            self.leaf(name, Class::Counter, || Value::Uint(v));
        }
    }
}

fn up_down(up: bool) -> Value {
    Value::Str(Cow::Borrowed(if up { "UP" } else { "DOWN" }))
}

fn openconfig(w: &mut Walker, sw: &SwitchTelemetry) {
    w.node("interfaces", None, |w| {
        for i in &sw.interfaces {
            w.node("interface", Some(("name", &i.name)), |w| interface(w, i));
        }
    });
    w.nodes(&["qos", "interfaces"], |w| {
        for i in &sw.interfaces {
            w.node("interface", Some(("interface-id", &i.name)), |w| {
                w.nodes(&["output", "queues"], |w| i.queues.iter().for_each(|q| queue(w, q)))
            });
        }
    });
    w.nodes(&["lldp", "interfaces"], |w| sw.interfaces.iter().for_each(|i| lldp(w, i)));
    w.node("network-instances", None, |w| {
        w.node("network-instance", Some(("name", "default")), |w| w.nodes(&["afts", "ipv4-unicast"], |w| aft(w, sw)))
    });
}

fn interface(w: &mut Walker, i: &InterfaceTelemetry) {
    w.node("state", None, |w| {
        w.leaf("oper-status", Class::State, || up_down(i.oper_up));
        w.leaf("admin-status", Class::State, || up_down(i.admin_up));
        w.leaf("ifindex", Class::State, || Value::Uint(i.ifindex.into()));
        w.node("counters", None, |w| {
            w.counters(&[
                ("in-octets", i.in_octets),
                ("out-octets", i.out_octets),
                ("in-pkts", i.in_pkts),
                ("out-pkts", i.out_pkts),
                ("in-discards", i.in_discards),
                ("out-discards", i.out_discards),
                ("in-errors", i.in_errors),
                ("out-errors", i.out_errors),
            ])
        });
    });
    w.nodes(&["ethernet", "state"], |w| {
        w.leaf("port-speed", Class::State, || Value::Str(Cow::Borrowed(port_speed(i.speed_bps))));
        w.node("counters", None, |w| {
            w.counters(&[("in-mac-pause-frames", i.in_pause_frames), ("out-mac-pause-frames", i.out_pause_frames)])
        });
    });
}

fn queue(w: &mut Walker, q: &QueueTelemetry) {
    w.node("queue", Some(("name", &q.name)), |w| {
        w.node("state", None, |w| {
            w.counters(&[
                ("transmit-octets", q.transmit_octets),
                ("transmit-pkts", q.transmit_pkts),
                ("dropped-pkts", q.dropped_pkts),
                ("max-queue-len", q.max_queue_len),
                ("ecn-marked-pkts", q.ecn_marked_pkts),
            ])
        })
    });
}

fn lldp(w: &mut Walker, i: &InterfaceTelemetry) {
    let Some(n) = &i.lldp else { return };
    w.node("interface", Some(("name", &i.name)), |w| {
        w.node("neighbors", None, |w| {
            w.node("neighbor", Some(("id", &n.id)), |w| {
                w.node("state", None, |w| {
                    w.leaf("system-name", Class::State, || Value::Str(Cow::Owned(n.system_name.clone())));
                    w.leaf("port-id", Class::State, || Value::Str(Cow::Owned(n.port_id.clone())));
                })
            })
        })
    });
}

fn aft(w: &mut Walker, sw: &SwitchTelemetry) {
    for e in &sw.aft {
        w.node("ipv4-entry", Some(("prefix", &e.prefix)), |w| {
            w.nodes(&["state", "counters"], |w| {
                w.counters(&[("octets-forwarded", e.octets_forwarded), ("packets-forwarded", e.packets_forwarded)])
            })
        });
    }
}

fn fathom(w: &mut Walker, sw: &SwitchTelemetry) {
    w.node("interfaces", None, |w| {
        for i in &sw.interfaces {
            w.node("interface", Some(("name", &i.name)), |w| {
                w.node("pfc", None, |w| {
                    for p in &i.pfc {
                        w.node("priority", Some(("id", &p.priority.to_string())), |w| {
                            w.node("state", None, |w| {
                                w.counters(&[
                                    ("rx-pause-frames", p.rx_pause_frames),
                                    ("tx-pause-frames", p.tx_pause_frames),
                                    ("rx-pause-duration-us", p.rx_pause_duration_us),
                                ])
                            })
                        });
                    }
                })
            });
        }
    });
    w.nodes(&["wcmp", "groups"], |w| sw.wcmp.iter().for_each(|g| wcmp_group(w, g)));
}

fn wcmp_group(w: &mut Walker, g: &WcmpGroupTelemetry) {
    w.node("group", Some(("prefix", &g.prefix)), |w| {
        w.node("slots", None, |w| {
            for s in &g.slots {
                w.node("slot", Some(("id", &s.slot.to_string())), |w| {
                    w.node("state", None, |w| {
                        w.leaf("next-hop", Class::State, || Value::Str(Cow::Owned(s.next_hop.clone())));
                        w.counters(&[("octets", s.octets)]);
                    })
                });
            }
        })
    });
}

/// The `openconfig-if-ethernet` speed identity for a port speed.
pub fn port_speed(bps: u64) -> &'static str {
    const G: u64 = 1_000_000_000;
    match bps {
        10_000_000 => "openconfig-if-ethernet:SPEED_10MB",
        100_000_000 => "openconfig-if-ethernet:SPEED_100MB",
        G => "openconfig-if-ethernet:SPEED_1GB",
        2_500_000_000 => "openconfig-if-ethernet:SPEED_2500MB",
        5_000_000_000 => "openconfig-if-ethernet:SPEED_5GB",
        b if b == 10 * G => "openconfig-if-ethernet:SPEED_10GB",
        b if b == 25 * G => "openconfig-if-ethernet:SPEED_25GB",
        b if b == 40 * G => "openconfig-if-ethernet:SPEED_40GB",
        b if b == 50 * G => "openconfig-if-ethernet:SPEED_50GB",
        b if b == 100 * G => "openconfig-if-ethernet:SPEED_100GB",
        b if b == 200 * G => "openconfig-if-ethernet:SPEED_200GB",
        b if b == 400 * G => "openconfig-if-ethernet:SPEED_400GB",
        b if b == 600 * G => "openconfig-if-ethernet:SPEED_600GB",
        b if b == 800 * G => "openconfig-if-ethernet:SPEED_800GB",
        _ => "openconfig-if-ethernet:SPEED_UNKNOWN",
    }
}
