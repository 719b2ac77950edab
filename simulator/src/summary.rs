//! Run summary. (skeleton)
use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {}
