//! The bicep renderer (being written).

use super::{Context, RenderError};
use crate::plan::Plan;

/// Embedded templates: (name, source).
pub const TEMPLATES: &[(&str, &str)] = &[];

/// The files of this kind for one scenario: (path inside the scenario folder, contents).
pub fn render(_plan: &Plan, _ctx: &Context) -> Result<Vec<(String, String)>, RenderError> {
    Ok(Vec::new())
}
