//! The `amlpe` command line: argument parsing and printing; the work is in the library.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use rayon::prelude::*;

use amlpe::emit::{Mode, Status};
use amlpe::plan::Plan;
use amlpe::render::{self, Context};

/// Plans private-endpoint deployments of Azure Machine Learning workspaces and renders them
/// as Bicep, ARM templates, Azure CLI scripts and runbooks. It never calls Azure.
#[derive(Parser)]
#[command(name = "amlpe", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Expand scenario files into deployable outputs under the output folder.
    Generate {
        /// Scenario files or folders of them.
        #[arg(default_value = "scenarios")]
        paths: Vec<PathBuf>,
        /// Output folder.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Write nothing; print a diff of changed, missing and stray files; exit 1 on any.
        #[arg(long, conflicts_with = "dry_run")]
        check: bool,
        /// Write nothing; list what would be written.
        #[arg(long)]
        dry_run: bool,
        /// Remove stray files that amlpe generated earlier (never other files).
        #[arg(long, conflicts_with_all = ["check", "dry_run"])]
        prune: bool,
        /// Treat warnings as errors.
        #[arg(long)]
        deny_warnings: bool,
        /// A folder of templates that replace the built-in ones of the same relative path
        /// (start from `amlpe templates export DIR`).
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
    },
    /// Check scenario files and print diagnostics; write nothing.
    Validate {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Treat warnings as errors.
        #[arg(long)]
        deny_warnings: bool,
        /// Also load these template overrides and render every valid scenario with them (in
        /// memory), reporting any template error.
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
    },
    /// Work with the templates that spell every output.
    Templates {
        #[command(subcommand)]
        command: TemplatesCommand,
    },
    /// Print the JSON Schema (draft-07) of scenario files.
    Schema,
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand)]
enum TemplatesCommand {
    /// Write the built-in templates under DIR, to start overrides from (overwrites nothing).
    Export { dir: PathBuf },
}

/// The built-in templates, with the overrides of `dir` on top when given.
fn load_templates(dir: Option<&std::path::Path>) -> Result<render::Templates, ExitCode> {
    let loaded = match dir {
        Some(d) => render::Templates::with_overrides(d),
        None => render::Templates::builtin(),
    };
    loaded.map_err(|e| fail(&format!("templates: {e}")))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Generate {
            paths,
            out,
            check,
            dry_run,
            prune,
            deny_warnings,
            templates,
        } => {
            let templates = match load_templates(templates.as_deref()) {
                Ok(t) => t,
                Err(code) => {
                    eprintln!("nothing was written");
                    return code;
                }
            };
            let mode = if check {
                Mode::Check
            } else if dry_run {
                Mode::DryRun
            } else {
                Mode::Write
            };
            generate(&templates, &paths, &out, mode, prune, deny_warnings)
        }
        Command::Validate {
            paths,
            deny_warnings,
            templates,
        } => {
            let templates = match templates.as_deref().map(|d| load_templates(Some(d))) {
                Some(Err(code)) => return code,
                Some(Ok(t)) => Some(t),
                None => None,
            };
            validate(templates.as_ref(), &paths, deny_warnings)
        }
        Command::Templates {
            command: TemplatesCommand::Export { dir },
        } => match render::engine::export(&dir) {
            Ok(files) => {
                eprintln!("wrote {} template(s) under {}", files.len(), dir.display());
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        Command::Schema => {
            let schema = amlpe::scenario::json_schema();
            match render::to_json("schema", &schema) {
                Ok(s) => print_out(&s),
                Err(e) => fail(&e.to_string()),
            }
        }
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "amlpe", &mut buf);
            print_out(&String::from_utf8_lossy(&buf))
        }
    }
}

fn print_out(s: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`amlpe schema | head`) is not an error worth a message.
    let _ = out.write_all(s.as_bytes());
    ExitCode::SUCCESS
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(1)
}

/// Loads and checks every scenario, printing diagnostics; returns them all, or `None` when
/// any has an error.
fn check_all(paths: &[PathBuf], deny_warnings: bool) -> Result<Vec<amlpe::Checked>, ExitCode> {
    let inputs = amlpe::collect_inputs(paths).map_err(|e| fail(&e))?;
    let mut all = Vec::new();
    let (mut errors, mut warnings, mut bad_files) = (0, 0, 0);
    let checked: Vec<amlpe::Checked> = inputs
        .par_iter()
        .map(|path| amlpe::check(path, deny_warnings))
        .collect();
    for c in checked {
        if !c.diagnostics.is_empty() {
            eprintln!("{}", c.render_diagnostics());
        }
        errors += c.errors();
        warnings += c.warnings();
        if c.errors() > 0 {
            bad_files += 1;
        }
        all.push(c);
    }
    // Two scenarios with one name would write the same folder.
    for (i, c) in all.iter().enumerate() {
        if let Some(p) = &c.plan {
            if let Some(first) = all[..i]
                .iter()
                .find(|o| o.plan.as_ref().is_some_and(|q| q.scenario == p.scenario))
            {
                eprintln!(
                    "error: {} and {} both name the scenario `{}`; each needs its own name (it is the output folder)\n",
                    first.source.display_path(),
                    c.source.display_path(),
                    p.scenario
                );
                errors += 1;
                bad_files += 1;
            }
        }
    }
    if errors > 0 {
        eprintln!(
            "error: {errors} error(s) and {warnings} warning(s) in {bad_files} of {} scenario file(s)",
            all.len()
        );
        return Err(ExitCode::from(1));
    }
    if warnings > 0 {
        eprintln!("{warnings} warning(s) in {} scenario file(s)", all.len());
    }
    Ok(all)
}

fn validate(
    templates: Option<&render::Templates>,
    paths: &[PathBuf],
    deny_warnings: bool,
) -> ExitCode {
    match check_all(paths, deny_warnings) {
        Ok(all) => {
            if let Some(t) = templates {
                for c in &all {
                    let Some(plan) = &c.plan else { continue };
                    let ctx = Context::new(&c.source.display_path());
                    if let Err(e) = render::render_scenario(t, plan, &ctx) {
                        return fail(&format!("{}: {e}", ctx.source));
                    }
                }
            }
            eprintln!("ok: {} scenario file(s) are valid", all.len());
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

fn generate(
    templates: &render::Templates,
    paths: &[PathBuf],
    out: &std::path::Path,
    mode: Mode,
    prune: bool,
    deny_warnings: bool,
) -> ExitCode {
    let checked = match check_all(paths, deny_warnings) {
        Ok(c) => c,
        Err(code) => {
            if mode == Mode::Write {
                eprintln!("nothing was written");
            }
            return code;
        }
    };
    let plans: Vec<(Plan, Context)> = checked
        .into_iter()
        .filter_map(|c| {
            let ctx = Context::new(&c.source.display_path());
            Some((c.plan?, ctx))
        })
        .collect();
    let whole_folder = paths.iter().any(|p| p.is_dir());
    let report = match amlpe::write_outputs(templates, &plans, whole_folder, out, mode, prune) {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    let count = |s: Status| report.files.iter().filter(|(_, x)| *x == s).count();
    match mode {
        Mode::Check => {
            if report.drift() {
                print_out(&report.diff);
                eprintln!(
                    "error: {} is not current: {} changed, {} missing, {} stray; run `amlpe generate`",
                    out.display(),
                    count(Status::Changed),
                    count(Status::New),
                    report.strays.len()
                );
                return ExitCode::from(1);
            }
            eprintln!(
                "ok: {} files in {} are current",
                report.files.len(),
                out.display()
            );
        }
        Mode::DryRun => {
            let mut text = String::new();
            for (p, s) in &report.files {
                let tag = match s {
                    Status::New => "new",
                    Status::Changed => "changed",
                    Status::Unchanged => "unchanged",
                };
                text.push_str(&format!("{tag:9} {}\n", out.join(p).display()));
            }
            for p in &report.strays {
                text.push_str(&format!("{:9} {}\n", "stray", out.join(p).display()));
            }
            print_out(&text);
        }
        Mode::Write => {
            for p in &report.pruned {
                eprintln!("pruned {}", out.join(p).display());
            }
            for p in &report.strays {
                eprintln!(
                    "warning: stray file {} was not generated by this run (kept; `--prune` removes amlpe's own)",
                    out.join(p).display()
                );
            }
            eprintln!(
                "wrote {} file(s), {} unchanged, to {}",
                count(Status::New) + count(Status::Changed),
                count(Status::Unchanged),
                out.display()
            );
        }
    }
    ExitCode::SUCCESS
}
