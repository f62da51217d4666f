//! Renderers: each turns the plan into the files of one output kind. Templates are embedded
//! in the binary and parsed once per process; they see the plan, never the raw scenario.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde::Serialize;

use crate::emit::{OutFile, HEADER_MARK};
use crate::plan::Plan;

pub mod arm;
pub mod bicep;
pub mod cli;
pub mod escape;
pub mod layout;
pub mod runbook;

/// File names inside a scenario's folder, shared by the renderers that write them and the
/// runbook that links to them.
pub mod paths {
    pub const PLAN: &str = "plan.json";
    pub const BICEP: &str = "main.bicep";
    pub const BICEP_PARAMS: &str = "main.bicepparam";
    pub const ARM: &str = "azuredeploy.json";
    pub const ARM_PARAMS: &str = "azuredeploy.parameters.json";
    pub const WORKSPACE_YAML: &str = "workspace.yml";
    pub const DEPLOY: &str = "deploy.sh";
    pub const RUNBOOK: &str = "RUNBOOK.md";
    pub const ENABLE_PUBLIC: &str = "ops/enable-public-access.sh";
    pub const DISABLE_PUBLIC: &str = "ops/disable-public-access.sh";
    pub const LEGACY_CLI: &str = "legacy/cli-v1.sh";
    pub const LEGACY_SDK: &str = "legacy/sdk-v1.py";

    /// The Bicep module that deploys one resource group's resources.
    pub fn bicep_module(resource_group: &str) -> String {
        format!("modules/{resource_group}.bicep")
    }
    /// The Bicep module of a group's `stage`-th deployment: groups that need each other both
    /// ways are deployed in stages (see `render::layout`); stage 1 is [`bicep_module`].
    pub fn bicep_module_stage(resource_group: &str, stage: usize) -> String {
        if stage <= 1 {
            bicep_module(resource_group)
        } else {
            format!("modules/{resource_group}.stage{stage}.bicep")
        }
    }
    pub fn add_endpoints(vnet: &str) -> String {
        format!("ops/add-private-endpoints-{vnet}.sh")
    }
    pub fn remove_endpoints(vnet: &str) -> String {
        format!("ops/remove-private-endpoints-{vnet}.sh")
    }
}

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
    #[error("template {name}: {source}")]
    Askama {
        name: &'static str,
        #[source]
        source: askama::Error,
    },
    #[error("serializing {0}: {1}")]
    Json(String, serde_json::Error),
}

/// All templates, parsed once.
pub fn tera() -> &'static tera::Tera {
    static TERA: OnceLock<tera::Tera> = OnceLock::new();
    TERA.get_or_init(|| {
        // A template that fails to parse is a bug caught by `templates_parse` in cargo test;
        // at run time an empty set makes every render report which template is missing.
        build_tera().unwrap_or_default()
    })
}

fn build_tera() -> Result<tera::Tera, tera::Error> {
    let mut t = tera::Tera::default();
    t.autoescape_on(Vec::new());
    escape::register(&mut t);
    for set in [cli::TEMPLATES, runbook::TEMPLATES] {
        t.add_raw_templates(set.iter().copied())?;
    }
    Ok(t)
}

/// Renders one compiled template; `name` is its path under `templates/`, for errors.
pub fn render<T: askama::Template>(
    name: &'static str,
    template: &T,
) -> Result<String, RenderError> {
    template
        .render()
        .map_err(|source| RenderError::Askama { name, source })
}

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
        path: dir.join(paths::PLAN),
        contents: plan_json(plan, ctx)?,
    }];
    for render in [bicep::render, arm::render, cli::render, runbook::render] {
        files.extend(render(plan, ctx)?.into_iter().map(|(p, contents)| OutFile {
            path: dir.join(p),
            contents,
        }));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Files that describe all scenarios together (written when a whole folder is generated).
pub fn render_index(plans: &[(Plan, Context)]) -> Result<Vec<OutFile>, RenderError> {
    runbook::render_index(plans)
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
        super::build_tera().expect("every embedded template parses");
    }
}
