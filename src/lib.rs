//! amlpe: plans private-endpoint deployments of Azure Machine Learning workspaces and renders
//! them as Bicep, ARM, Azure CLI scripts and runbooks, checked against the rules of
//! "Configure a private endpoint for an Azure Machine Learning workspace" before anything
//! reaches Azure.
//!
//! The pipeline: [`scenario::load`] → [`validate::validate`] → [`plan::build`] →
//! [`render`] → [`emit`]. Modules only use the ones below them: `span` (where a value is in its
//! file) → `diag` → `source` (reading files) → `scenario` → `catalog` (Azure facts) → `names`
//! (names amlpe derives) → `validate` → `plan` → `render` → `emit`; `overview` is the
//! plan as text for `amlpe plan`.

pub mod catalog;
pub mod diag;
pub mod emit;
pub mod explain;
pub mod init;
pub mod names;
pub mod overview;
pub mod plan;
pub mod render;
pub mod report;
pub mod scenario;
pub mod schema_check;
pub mod source;
pub mod span;
pub mod synth;
pub mod validate;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

use diag::{Diagnostic, Severity};
use emit::{Emitter, Mode, Owned, Report};
use plan::Plan;
use render::Context;
use span::SourceFile;

/// One scenario file after loading, validation and (when it has no errors) planning.
#[derive(Debug)]
pub struct Checked {
    pub source: SourceFile,
    pub diagnostics: Vec<Diagnostic>,
    /// Schema errors found beyond the first [`MAX_SCHEMA_ERRORS`], not reported one by one.
    pub omitted: usize,
    /// Where the scenario's `name` is written, when the file loaded.
    pub name_span: Option<span::Span>,
    pub plan: Option<Plan>,
}

/// A file is reported with at most this many schema errors; the rest are counted.
pub const MAX_SCHEMA_ERRORS: usize = 20;

impl Checked {
    pub fn errors(&self) -> usize {
        self.count(Severity::Error) + self.omitted
    }
    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }
    fn count(&self, s: Severity) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == s).count()
    }
    /// The diagnostics rendered like a compiler's, in file order.
    pub fn render_diagnostics(&self) -> String {
        self.render_styled(diag::Style::PLAIN)
    }
    /// [`Checked::render_diagnostics`] in the colours of `style`.
    pub fn render_styled(&self, style: diag::Style) -> String {
        let mut text = self
            .diagnostics
            .iter()
            .map(|d| d.render_styled(&self.source, style))
            .collect::<Vec<_>>()
            .join("\n");
        if self.omitted > 0 {
            text.push_str(&format!(
                "\n{}error{}: {} more schema error(s) in {} are not shown; fix these and run again\n",
                style.error,
                style.reset,
                self.omitted,
                self.source.display_path()
            ));
        }
        text
    }
}

/// Loads, validates and plans one scenario file. `deny_warnings` turns warnings into errors.
pub fn check(path: &Path, deny_warnings: bool) -> Checked {
    let loaded = match scenario::load(path) {
        Ok(l) => l,
        Err(e) => {
            let (source, mut diagnostics) = *e;
            let omitted = diagnostics.len().saturating_sub(MAX_SCHEMA_ERRORS);
            diagnostics.truncate(MAX_SCHEMA_ERRORS);
            return Checked {
                source,
                diagnostics,
                omitted,
                name_span: None,
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
        omitted: 0,
        name_span: Some(loaded.spans.value_span(&span::FieldPath::parse("name"))),
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

/// A failure to write (or check) the output folder, as the user reads it.
fn writing(out: &Path, e: &std::io::Error) -> String {
    format!("writing {}: {e}", out.display())
}

/// Renders every part of every plan and hands it to one [`Emitter`] over `out`: parts are
/// rendered on whichever core is free and written (or checked) as soon as each is done, so a
/// run never holds its whole output at once. With `whole_folder`, the index of all scenarios
/// is written too and the top of `out` is owned (its strays are reported). Any failure leaves
/// `out` as it was; the error is a sentence for the user.
pub fn write_outputs(
    templates: &render::Templates,
    plans: &[(Plan, Context)],
    whole_folder: bool,
    out: &Path,
    mode: Mode,
    prune: bool,
) -> Result<Report, String> {
    let owned = Owned {
        dirs: plans
            .iter()
            .map(|(p, _)| PathBuf::from(&p.scenario))
            .collect(),
        top_level: whole_folder,
    };
    let emitter = Mutex::new(Emitter::new(out, &owned, mode));
    let prepared: Vec<render::Prepared> = plans
        .iter()
        .map(|(plan, _)| render::Prepared::new(plan))
        .collect();
    // All scenarios' costliest parts first (see `render::Prepared::parts`).
    let mut jobs: Vec<(usize, usize, render::Part)> = prepared
        .iter()
        .enumerate()
        .flat_map(|(p, prepared)| {
            prepared
                .parts()
                .into_iter()
                .enumerate()
                .map(move |(rank, part)| (rank, p, part))
        })
        .collect();
    jobs.sort_by_key(|&(rank, p, _)| (rank, p));
    // Each part is written as soon as it is rendered, so a run never holds its whole output.
    let results: Vec<Result<(), String>> = jobs
        .par_iter()
        .map(|(_, p, part)| {
            let ctx = &plans[*p].1;
            let files = render::render_part(templates, &prepared[*p], ctx, part)
                .map_err(|e| format!("{}: {e}\nnothing was written", ctx.source))?;
            let mut emitter = emitter.lock().unwrap_or_else(PoisonError::into_inner);
            emitter.add(&files).map_err(|e| writing(out, &e))
        })
        .collect();
    // The first failure in job order, whichever thread met it first.
    results.into_iter().collect::<Result<(), String>>()?;
    let mut emitter = emitter.into_inner().unwrap_or_else(PoisonError::into_inner);
    if whole_folder {
        let files = render::render_index(templates, plans)
            .map_err(|e| format!("{e}\nnothing was written"))?;
        emitter.add(&files).map_err(|e| writing(out, &e))?;
    }
    emitter.finish(prune).map_err(|e| writing(out, &e))
}
