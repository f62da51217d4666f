//! `amlpe init`: a commented scenario of one of the spec's topologies to start from, written
//! as `scenarios/NAME.yaml` so that `amlpe validate` and `amlpe generate` find it with no
//! arguments. It is checked before it is kept, and nothing is overwritten.

use std::path::{Path, PathBuf};

use clap::ValueEnum;

use crate::catalog;

/// The topologies `init` starts from, one per scenario of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Topology {
    /// One VNet holds the workspace's endpoint and its dependencies' endpoints.
    SingleEndpoint,
    /// A workload VNet and a clients VNet, each with its own endpoints and zones.
    IsolatedClients,
    /// An AKS inference cluster in its own VNet, with its own endpoints and zones.
    IsolatedAks,
    /// Endpoints for a workspace and a VNet that exist.
    ExistingWorkspace,
}

impl Topology {
    pub const ALL: [Topology; 4] = [
        Topology::SingleEndpoint,
        Topology::IsolatedClients,
        Topology::IsolatedAks,
        Topology::ExistingWorkspace,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Topology::SingleEndpoint => "single-endpoint",
            Topology::IsolatedClients => "isolated-clients",
            Topology::IsolatedAks => "isolated-aks",
            Topology::ExistingWorkspace => "existing-workspace",
        }
    }
    /// The starter text, with `NAME` where the scenario's name goes.
    fn text(self) -> &'static str {
        match self {
            Topology::SingleEndpoint => include_str!("init/single-endpoint.yaml"),
            Topology::IsolatedClients => include_str!("init/isolated-clients.yaml"),
            Topology::IsolatedAks => include_str!("init/isolated-aks.yaml"),
            Topology::ExistingWorkspace => include_str!("init/existing-workspace.yaml"),
        }
    }
}

/// Names are also part of resource names (`mlw-NAME` is at most 33 characters).
pub const MAX_NAME: usize = 29;

/// The starter scenario of `topology` named `name`.
pub fn scenario(name: &str, topology: Topology) -> String {
    topology.text().replace("NAME", name)
}

/// Writes `scenarios/NAME.yaml` under `dir` (and `schema/scenario.schema.json` when missing);
/// returns the files written. The error is a sentence for the user; then nothing was written.
pub fn init(dir: &Path, name: Option<&str>, topology: Topology) -> Result<Vec<PathBuf>, String> {
    let name = name.unwrap_or(topology.name());
    catalog::check_name(&catalog::NAME_SCENARIO, name)
        .map_err(|e| format!("{e}; the name is the scenario's and its file's"))?;
    if name.chars().count() > MAX_NAME {
        return Err(format!(
            "the name `{name}` has {} characters; at most {MAX_NAME}, as it is part of the workspace's name",
            name.chars().count()
        ));
    }
    let folder = dir.join("scenarios");
    let file = folder.join(format!("{name}.yaml"));
    let shown = Path::new("scenarios").join(format!("{name}.yaml"));
    if file.exists() {
        return Err(format!(
            "{} exists; amlpe init overwrites nothing: choose another name (`amlpe init NAME`) or remove it",
            shown.display()
        ));
    }
    let made_folder = !folder.exists();
    std::fs::create_dir_all(&folder).map_err(|e| format!("creating scenarios/: {e}"))?;
    // Kept only when it checks without an error, so that what init writes always validates.
    let tmp = folder.join(format!(".{name}.yaml.init-{}", std::process::id()));
    let undo = |tmp: &Path| {
        let _ = std::fs::remove_file(tmp);
        if made_folder {
            let _ = std::fs::remove_dir(&folder);
        }
    };
    std::fs::write(&tmp, scenario(name, topology)).map_err(|e| {
        undo(&tmp);
        format!("writing {}: {e}", shown.display())
    })?;
    let checked = crate::check(&tmp, false);
    if checked.errors() > 0 {
        undo(&tmp);
        return Err(format!(
            "the {} scenario named `{name}` does not validate:\n{}",
            topology.name(),
            checked.render_diagnostics()
        ));
    }
    if let Err(e) = std::fs::rename(&tmp, &file) {
        undo(&tmp);
        return Err(format!("writing {}: {e}", shown.display()));
    }
    let mut written = vec![shown];
    let schema = dir.join("schema/scenario.schema.json");
    if !schema.exists() {
        // The same text as `amlpe schema`.
        let text = crate::render::to_json("schema", &crate::scenario::json_schema())
            .map_err(|e| e.to_string())?;
        let made = std::fs::create_dir_all(dir.join("schema"))
            .and_then(|()| std::fs::write(&schema, text));
        // The scenario is written; a schema that cannot be written only costs completion.
        if made.is_ok() {
            written.push(PathBuf::from("schema/scenario.schema.json"));
        }
    }
    Ok(written)
}
