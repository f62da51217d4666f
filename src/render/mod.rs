//! Renderers: each turns the plan into the files of one output kind. Templates under
//! `templates/` are compiled into the binary (askama), so a template error is a build error
//! and rendering parses nothing at run time; they see views of the plan, never the raw
//! scenario.

use std::path::PathBuf;

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
    Askama {
        name: &'static str,
        #[source]
        source: askama::Error,
    },
    #[error("serializing {0}: {1}")]
    Json(String, serde_json::Error),
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

/// Pretty JSON with two-space indentation and a final newline.
pub fn to_json<T: Serialize>(what: &str, v: &T) -> Result<String, RenderError> {
    let mut s =
        serde_json::to_string_pretty(v).map_err(|e| RenderError::Json(what.to_string(), e))?;
    s.push('\n');
    Ok(s)
}

/// How many parts a scenario's files come in: the plan itself, then one part per renderer.
pub const PARTS: usize = 5;

/// The files of one part of a scenario (`part` < [`PARTS`]), relative to the output folder.
/// Parts are independent: a run renders them on every core and writes each as it is done.
pub fn render_part(plan: &Plan, ctx: &Context, part: usize) -> Result<Vec<OutFile>, RenderError> {
    let dir = PathBuf::from(&plan.scenario);
    let files = match part {
        0 => vec![(paths::PLAN.to_string(), plan_json(plan, ctx)?)],
        1 => bicep::render(plan, ctx)?,
        2 => arm::render(plan, ctx)?,
        3 => cli::render(plan, ctx)?,
        4 => runbook::render(plan, ctx)?,
        _ => Vec::new(),
    };
    Ok(files
        .into_iter()
        .map(|(p, contents)| OutFile {
            path: dir.join(p),
            contents,
        })
        .collect())
}

/// Every file of one scenario, relative to the output folder, in path order.
pub fn render_scenario(plan: &Plan, ctx: &Context) -> Result<Vec<OutFile>, RenderError> {
    let mut files = Vec::new();
    for part in 0..PARTS {
        files.extend(render_part(plan, ctx, part)?);
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
