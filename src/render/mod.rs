//! Renderers: each turns the plan into the files of one output kind. Templates are embedded
//! in the binary and parsed once per process; they see the plan, never the raw scenario.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde::Serialize;

use crate::emit::{OutFile, HEADER_MARK};
use crate::plan::Plan;

/// What every renderer knows besides the plan.
#[derive(Debug, Clone, Serialize)]
pub struct Context {
    /// The scenario file, as given on the command line, for generated-file headers.
    pub source: String,
    /// The one-line header every generated file carries (in its own comment syntax).
    pub header: String,
}

impl Context {
    pub fn new(source: &str) -> Self {
        Self {
            source: source.to_string(),
            header: format!("{HEADER_MARK} from {source}. Do not edit: change the scenario and run `amlpe generate`."),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template {name}: {source}")]
    Template {
        name: String,
        #[source]
        source: tera::Error,
    },
    #[error("serializing {0}: {1}")]
    Json(String, serde_json::Error),
}

/// All templates, parsed once.
pub fn tera() -> &'static tera::Tera {
    static TERA: OnceLock<tera::Tera> = OnceLock::new();
    TERA.get_or_init(|| {
        let mut t = tera::Tera::default();
        t.autoescape_on(Vec::new());
        // A template that fails to parse is a bug caught by `templates_parse` in cargo test;
        // at run time an empty set makes every render report which template is missing.
        if t.add_raw_templates(TEMPLATES.iter().copied()).is_err() {
            return tera::Tera::default();
        }
        t
    })
}

/// Embedded templates: (name, source).
const TEMPLATES: &[(&str, &str)] = &[];

/// Renders one template with a serializable view.
pub fn render_template<T: Serialize>(name: &str, view: &T) -> Result<String, RenderError> {
    let ctx = tera::Context::from_serialize(view).map_err(|e| RenderError::Template {
        name: name.to_string(),
        source: e,
    })?;
    tera()
        .render(name, &ctx)
        .map_err(|e| RenderError::Template {
            name: name.to_string(),
            source: e,
        })
}

/// Pretty JSON with two-space indentation and a final newline.
pub fn to_json<T: Serialize>(what: &str, v: &T) -> Result<String, RenderError> {
    let mut s =
        serde_json::to_string_pretty(v).map_err(|e| RenderError::Json(what.to_string(), e))?;
    s.push('\n');
    Ok(s)
}

/// Every file of one scenario, relative to the output folder.
pub fn render_scenario(plan: &Plan, ctx: &Context) -> Result<Vec<OutFile>, RenderError> {
    let dir = PathBuf::from(&plan.scenario);
    let mut files = vec![OutFile {
        path: dir.join("plan.json"),
        contents: plan_json(plan, ctx)?,
    }];
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Files that describe all scenarios together (written when a whole folder is generated).
pub fn render_index(_plans: &[(Plan, Context)]) -> Result<Vec<OutFile>, RenderError> {
    Ok(Vec::new())
}

fn plan_json(plan: &Plan, ctx: &Context) -> Result<String, RenderError> {
    #[derive(Serialize)]
    struct WithHeader<'a> {
        #[serde(rename = "$comment")]
        comment: &'a str,
        #[serde(flatten)]
        plan: &'a Plan,
    }
    to_json(
        "plan.json",
        &WithHeader {
            comment: &ctx.header,
            plan,
        },
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn templates_parse() {
        let mut t = tera::Tera::default();
        t.add_raw_templates(super::TEMPLATES.iter().copied())
            .expect("every embedded template parses");
    }
}
