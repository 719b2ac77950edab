//! `fathom-proto`: the generated gRPC types, kept in their own crate. Other crates convert at their edge and never
//! expose these types in their domain APIs.
//!
//! - [`gnmi`] (+ [`gnmi_ext`]): a wire-compatible subset of gNMI 0.10 (`gnmi.proto`), client and server.
//! - [`sim::v1`]: `fathom.sim.v1.FabricControl`, the simulator's control and ground-truth API.
//! - [`v1`]: `fathom.v1.Operator`, fathomd's operator API.

#![allow(missing_debug_implementations)] // reason: generated tonic clients/servers do not derive Debug everywhere
#![allow(clippy::all, clippy::pedantic)] // reason: generated code

/// gNMI extensions (`gnmi_ext`), kept minimal: Fathom ignores every extension it receives.
pub mod gnmi_ext {
    include!(concat!(env!("OUT_DIR"), "/gnmi_ext.rs"));
}

/// gNMI 0.10 subset (`package gnmi`).
pub mod gnmi {
    include!(concat!(env!("OUT_DIR"), "/gnmi.rs"));
}

/// The simulator's own API (`package fathom.sim.v1`).
pub mod sim {
    /// Version 1.
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/fathom.sim.v1.rs"));
    }
}

/// Fathom's operator API (`package fathom.v1`), served by `fathomd`.
pub mod v1 {
    include!(concat!(env!("OUT_DIR"), "/fathom.v1.rs"));
}

/// Encoded `FileDescriptorSet` of every service here, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/fathom_descriptor.bin"));

/// gNMI protocol version these definitions follow (`CapabilityResponse.gNMI_version`).
pub const GNMI_VERSION: &str = "0.10.0";
