//! The runbook renderer (being written).

use super::{Context, RenderError};
use crate::emit::OutFile;
use crate::plan::Plan;

/// Embedded templates: (name, source).
pub const TEMPLATES: &[(&str, &str)] = &[];

/// The files of this kind for one scenario: (path inside the scenario folder, contents).
pub fn render(_plan: &Plan, _ctx: &Context) -> Result<Vec<(String, String)>, RenderError> {
    Ok(Vec::new())
}

/// `out/README.md`: one line per scenario.
pub fn render_index(_plans: &[(Plan, Context)]) -> Result<Vec<OutFile>, RenderError> {
    Ok(Vec::new())
}
