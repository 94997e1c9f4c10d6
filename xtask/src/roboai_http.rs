//! The HTTP half of the roboai benchmark (filled in with the server).
use anyhow::Result;

use crate::roboai::Line;

pub fn run(_base: &str, _lines: &[Line]) -> Result<()> {
    anyhow::bail!("not yet")
}
