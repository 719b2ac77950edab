//! Scenario files. (skeleton)
use crate::error::Result;

#[derive(Debug, Clone)]
pub struct Scenario {}

impl Scenario {
    pub fn from_toml(text: &str) -> Result<Self> {
        let _ = text;
        todo!()
    }
    pub fn from_file(path: &std::path::Path) -> Result<Self> {
        let _ = path;
        todo!()
    }
}
