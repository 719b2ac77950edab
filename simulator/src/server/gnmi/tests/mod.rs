//! Unit tests of the gNMI target on hand-built snapshots (no engine): path parsing and matching, the leaf walk
//! against the schema, encodings, request planning, session diffs, and the service over a real socket.

mod fixtures;
mod paths;
mod session;
mod wire;
