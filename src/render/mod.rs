//! Renderers: each turns the plan into the files of one output kind. The tera templates under
//! `templates/` spell every file (see `engine`); the renderers build small views of the plan
//! for them, never the raw scenario.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::OnceLock;

use serde::Serialize;

use crate::emit::{OutFile, HEADER_MARK};
use crate::plan::Plan;
pub use engine::Templates;

pub mod arm;
pub mod bicep;
pub mod cli;
pub mod engine;
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
    #[error("serializing {0}: {1}")]
    Json(String, serde_json::Error),
    #[error("{0}")]
    Template(#[from] engine::TemplateError),
    /// The plan lacks what a renderer needs: a bug, since plans are built to be rendered.
    #[error("the plan cannot be rendered: {0}")]
    Plan(String),
}

/// Pretty JSON with two-space indentation and a final newline.
pub fn to_json<T: Serialize>(what: &str, v: &T) -> Result<String, RenderError> {
    let mut s =
        serde_json::to_string_pretty(v).map_err(|e| RenderError::Json(what.to_string(), e))?;
    s.push('\n');
    Ok(s)
}

/// A piece of a scenario's output that is rendered on its own: a run renders the parts of
/// every scenario on every core and writes each as soon as it is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// workspace.yml, deploy.sh, the public-access scripts and the legacy files.
    Scripts,
    Arm,
    /// plan.json.
    Plan,
    Runbook,
    Bicep,
    /// The add and remove scripts of a run of VNets (positions among those with endpoints).
    Ops(Range<usize>),
}

/// How many VNets' add and remove scripts one [`Part::Ops`] renders: enough that each part
/// is worth a job, few enough that hundreds of VNets spread over every core.
const OPS_PER_PART: usize = 64;

/// A plan with what its parts share: the scripts' index of the plan, built once, when the
/// parts are listed.
pub struct Prepared<'p> {
    pub plan: &'p Plan,
    scripts: OnceLock<cli::Scripts<'p>>,
}

impl<'p> Prepared<'p> {
    pub fn new(plan: &'p Plan) -> Self {
        Self {
            plan,
            scripts: OnceLock::new(),
        }
    }

    fn scripts(&self) -> &cli::Scripts<'p> {
        self.scripts.get_or_init(|| cli::Scripts::new(self.plan))
    }

    /// The parts of the scenario, the costliest first: a free core takes the next part in
    /// this order, so the long ones start at once and the short ones fill in at the end.
    pub fn parts(&self) -> Vec<Part> {
        let networks = self.scripts().networks();
        let mut parts = vec![
            Part::Scripts,
            Part::Arm,
            Part::Plan,
            Part::Runbook,
            Part::Bicep,
        ];
        parts.extend(
            (0..networks)
                .step_by(OPS_PER_PART)
                .map(|first| Part::Ops(first..networks.min(first + OPS_PER_PART))),
        );
        parts
    }
}

/// The files of one part of a scenario, relative to the output folder.
pub fn render_part(
    templates: &Templates,
    prepared: &Prepared<'_>,
    ctx: &Context,
    part: &Part,
) -> Result<Vec<OutFile>, RenderError> {
    let plan = prepared.plan;
    let files = match part {
        Part::Plan => vec![(paths::PLAN.to_string(), plan_json(plan, ctx)?)],
        Part::Bicep => bicep::render(templates, plan, ctx)?,
        Part::Arm => arm::render(templates, plan, ctx)?,
        Part::Scripts => prepared.scripts().main(templates, ctx)?,
        Part::Ops(networks) => prepared.scripts().ops(templates, ctx, networks.clone())?,
        Part::Runbook => runbook::render(templates, plan, ctx)?,
    };
    let dir = PathBuf::from(&plan.scenario);
    Ok(files
        .into_iter()
        .map(|(p, contents)| OutFile {
            path: dir.join(p),
            contents,
        })
        .collect())
}

/// Every file of one scenario, relative to the output folder, in path order.
pub fn render_scenario(
    templates: &Templates,
    plan: &Plan,
    ctx: &Context,
) -> Result<Vec<OutFile>, RenderError> {
    let prepared = Prepared::new(plan);
    let mut files = Vec::new();
    for part in prepared.parts() {
        files.extend(render_part(templates, &prepared, ctx, &part)?);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Files that describe all scenarios together (written when a whole folder is generated).
pub fn render_index(
    templates: &Templates,
    plans: &[(Plan, Context)],
) -> Result<Vec<OutFile>, RenderError> {
    runbook::render_index(templates, plans)
}

/// plan.json: the plan itself, serialized (it is data, not a rendering of it), with the
/// generated-file header as its first key.
pub fn plan_json(plan: &Plan, ctx: &Context) -> Result<String, RenderError> {
    #[derive(Serialize)]
    struct WithHeader<'a> {
        #[serde(rename = "$comment")]
        comment: &'a str,
        #[serde(flatten)]
        plan: &'a Plan,
    }
    let with_header = WithHeader {
        comment: &ctx.header,
        plan,
    };
    to_json(paths::PLAN, &with_header)
}
