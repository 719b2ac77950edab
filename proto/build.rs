//! Compiles the `.proto` files with `protox` (pure Rust, no system `protoc`) and generates prost messages plus
//! tonic clients and servers.

use std::path::PathBuf;

const PROTOS: &[&str] =
    &["gnmi_ext/gnmi_ext.proto", "gnmi/gnmi.proto", "fathom/sim/v1/sim.proto", "fathom/v1/fathom.proto"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("proto");
    let files: Vec<PathBuf> = PROTOS.iter().map(|p| root.join(p)).collect();
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    let fds = protox::compile(&files, [&root])?;
    // The descriptor set, for gRPC server reflection.
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("fathom_descriptor.bin"), prost::Message::encode_to_vec(&fds))?;
    tonic_prost_build::configure().btree_map(".").build_client(true).build_server(true).compile_fds(fds)?;
    Ok(())
}
