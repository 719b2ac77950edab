//! Async edge of the simulator (skeleton: being implemented): live runner, gNMI target server, control API.
