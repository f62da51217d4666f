//! amlpe: plans private-endpoint deployments of Azure Machine Learning workspaces and renders
//! them as Bicep, ARM, Azure CLI scripts and runbooks, checked against the rules of
//! "Configure a private endpoint for an Azure Machine Learning workspace" before anything
//! reaches Azure.
//!
//! The pipeline: [`scenario::load`] → [`validate::validate`] → [`plan::build`] →
//! [`render`] → [`emit`].

pub mod catalog;
pub mod diag;
pub mod emit;
pub mod par;
pub mod plan;
pub mod render;
pub mod scenario;
pub mod source;
pub mod synth;
pub mod validate;

use std::path::{Path, PathBuf};

use diag::{Diagnostic, Severity};
use plan::Plan;
use source::SourceFile;

/// One scenario file after loading, validation and (when it has no errors) planning.
#[derive(Debug)]
pub struct Checked {
    pub source: SourceFile,
    pub diagnostics: Vec<Diagnostic>,
    pub plan: Option<Plan>,
}

impl Checked {
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }
    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }
    fn count(&self, s: Severity) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == s).count()
    }
    /// The diagnostics rendered like a compiler's, in file order.
    pub fn render_diagnostics(&self) -> String {
        self.diagnostics
            .iter()
            .map(|d| d.render(&self.source))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Loads, validates and plans one scenario file. `deny_warnings` turns warnings into errors.
pub fn check(path: &Path, deny_warnings: bool) -> Checked {
    let loaded = match scenario::load(path) {
        Ok(l) => l,
        Err(e) => {
            let (source, d) = *e;
            return Checked {
                source,
                diagnostics: vec![d],
                plan: None,
            };
        }
    };
    let mut diagnostics: Vec<Diagnostic> = validate::validate(&loaded.scenario)
        .into_iter()
        .map(|d| d.locate(&loaded.spans))
        .collect();
    if deny_warnings {
        for d in &mut diagnostics {
            d.severity = Severity::Error;
        }
    }
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| d.span.map(|s| (s.line, s.col)).unwrap_or_default();
        key(a).cmp(&key(b)).then(a.rule.id().cmp(b.rule.id()))
    });
    let has_errors = diagnostics.iter().any(|d| d.severity == Severity::Error);
    let plan = (!has_errors).then(|| plan::build(&loaded.scenario, &diagnostics));
    Checked {
        source: loaded.source,
        diagnostics,
        plan,
    }
}

/// Scenario files named by the arguments: files as given, folders expanded to their
/// `*.yaml`, `*.yml` and `*.json` files in name order.
pub fn collect_inputs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let entries =
                std::fs::read_dir(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            let mut found: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|f| {
                    f.is_file()
                        && f.extension()
                            .and_then(|x| x.to_str())
                            .is_some_and(|x| matches!(x, "yaml" | "yml" | "json"))
                })
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(format!(
                    "{} holds no scenario files (*.yaml, *.yml, *.json)",
                    p.display()
                ));
            }
            out.extend(found);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(format!("{}: no such file or folder", p.display()));
        }
    }
    Ok(out)
}
