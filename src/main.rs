//! The `amlpe` command line: argument parsing and printing; the work is in the library.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use rayon::prelude::*;

use amlpe::diag::{Diagnostic, Rule, Style};
use amlpe::emit::{Mode, Status};
use amlpe::plan::Plan;
use amlpe::render::{self, Context};

/// Plans private-endpoint deployments of Azure Machine Learning workspaces and renders them
/// as Bicep, ARM templates, Azure CLI scripts and runbooks. It never calls Azure.
#[derive(Parser)]
#[command(name = "amlpe", version, about, long_about = None)]
struct Cli {
    /// When to colour diagnostics: on a terminal unless NO_COLOR is set (auto), always, never.
    #[arg(long, value_enum, global = true, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// How diagnostics are reported.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Like a compiler, on stderr.
    Text,
    /// One JSON document on stdout (fields: rule, severity, file, line, column, field,
    /// message, hint, ...).
    Json,
    /// One SARIF 2.1.0 log on stdout, for code-scanning uploads.
    Sarif,
}

/// How `amlpe plan` prints the plan.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PlanFormat {
    /// A short view for people.
    Text,
    /// The whole plan, the JSON of `out/<scenario>/plan.json`.
    Json,
}

/// Where and how diagnostics go.
#[derive(Clone, Copy)]
struct Output {
    format: Format,
    style: Style,
}

impl ColorChoice {
    /// The style of stderr: colour on a terminal (auto) unless `NO_COLOR` is set to anything
    /// but the empty text or `TERM` is `dumb`; `always` and `never` override both.
    fn style(self) -> Style {
        use std::io::IsTerminal as _;
        let auto = || {
            std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
        };
        match self {
            ColorChoice::Always => Style::COLOUR,
            ColorChoice::Auto if auto() => Style::COLOUR,
            _ => Style::PLAIN,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Expand scenario files into deployable outputs under the output folder.
    Generate {
        /// Scenario files or folders of them.
        #[arg(default_value = DEFAULT_SCENARIOS)]
        paths: Vec<PathBuf>,
        /// Output folder.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Write nothing; print a diff of changed and missing files, list stray ones, and say
        /// what fixes each; exit 1 on any.
        #[arg(long, conflicts_with = "dry_run")]
        check: bool,
        /// Write nothing; list what would be written.
        #[arg(long)]
        dry_run: bool,
        /// Remove stray files that amlpe generated earlier (never other files, nor those
        /// listed in the output folder's .amlpeignore); with --dry-run, list them.
        #[arg(long, conflicts_with = "check")]
        prune: bool,
        /// Treat warnings as errors.
        #[arg(long)]
        deny_warnings: bool,
        /// A folder of templates that replace the built-in ones of the same relative path
        /// (start from `amlpe templates export DIR`).
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
        /// How diagnostics are reported.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Show what one scenario deploys: its resources by resource group, its endpoints by VNet
    /// and the numbered steps. Writes nothing.
    Plan {
        /// The scenario file.
        file: PathBuf,
        /// How the plan is printed.
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
        /// Treat warnings as errors.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Check scenario files and print diagnostics; write nothing.
    Validate {
        /// Scenario files or folders of them.
        #[arg(default_value = DEFAULT_SCENARIOS)]
        paths: Vec<PathBuf>,
        /// How diagnostics are reported.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
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
    /// Write a commented scenario to start from: scenarios/NAME.yaml (the folder is created
    /// when missing), and schema/scenario.schema.json for editors when there is none.
    /// Overwrites nothing.
    Init {
        /// The scenario's name and file name (default: the topology's name).
        name: Option<String>,
        #[arg(long, value_enum, default_value_t = amlpe::init::Topology::SingleEndpoint)]
        topology: amlpe::init::Topology,
    },
    /// Explain a rule (by id, `E024`, or slug, `dns-zone-collision`): why it holds, an
    /// example that breaks it and the fix. Without RULE, list the rules.
    Explain { rule: Option<String> },
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

/// Where `generate` and `validate` look for scenarios when given no path.
const DEFAULT_SCENARIOS: &str = "scenarios";

fn main() -> ExitCode {
    let cli = Cli::parse();
    let style = cli.color.style();
    match cli.command {
        Command::Generate {
            paths,
            out,
            check,
            dry_run,
            prune,
            deny_warnings,
            templates,
            format,
        } => {
            let output = Output { format, style };
            let rerun = rerun_command(&paths, &out, templates.as_deref());
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
            let run = Run {
                paths: &paths,
                out: &out,
                mode,
                prune,
                deny_warnings,
                rerun: &rerun,
            };
            generate(&templates, &run, output)
        }
        Command::Validate {
            paths,
            format,
            deny_warnings,
            templates,
        } => {
            let output = Output { format, style };
            let templates = match templates.as_deref().map(|d| load_templates(Some(d))) {
                Some(Err(code)) => return code,
                Some(Ok(t)) => Some(t),
                None => None,
            };
            validate(templates.as_ref(), &paths, deny_warnings, output)
        }
        Command::Plan {
            file,
            format,
            deny_warnings,
        } => plan(&file, format, deny_warnings, style),
        Command::Templates {
            command: TemplatesCommand::Export { dir },
        } => match render::engine::export(&dir) {
            Ok(files) => {
                eprintln!("wrote {} template(s) under {}", files.len(), dir.display());
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        Command::Init { name, topology } => {
            match amlpe::init::init(Path::new("."), name.as_deref(), topology) {
                Ok(written) => {
                    for w in &written {
                        eprintln!("wrote {}", w.display());
                    }
                    eprintln!("next: edit it, then `amlpe validate` and `amlpe generate`");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{}error{}: {e}", style.error, style.reset);
                    ExitCode::from(1)
                }
            }
        }
        Command::Explain { rule: None } => {
            let mut text = String::new();
            for r in Rule::ALL {
                let x = amlpe::explain::of(*r);
                text.push_str(&format!("{} {:30} {}\n", r.id(), r.slug(), x.summary));
            }
            text.push_str("\n`amlpe explain RULE` explains one (by id or slug).\n");
            print_out(&text)
        }
        Command::Explain { rule: Some(name) } => match amlpe::explain::find(&name) {
            Some(r) => print_out(&amlpe::explain::render(r)),
            None => {
                let names = Rule::ALL.iter().flat_map(|r| [r.id(), r.slug()]);
                let hint = match amlpe::diag::closest(&name, names) {
                    Some(c) => format!("; did you mean `{c}`?"),
                    None => "; `amlpe explain` lists them".to_string(),
                };
                eprintln!(
                    "{}error{}: no rule `{name}`{hint}",
                    style.error, style.reset
                );
                ExitCode::from(2)
            }
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

/// Text for the user: on stdout, unless stdout holds a `--format json|sarif` document.
fn print_text(output: Output, s: &str) {
    if output.format == Format::Text {
        print_out(s);
    } else {
        eprint!("{s}");
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

/// Prints a document of `--format json|sarif` on stdout.
fn print_document(
    format: Format,
    findings: &[amlpe::report::Finding],
    summary: amlpe::report::Summary,
) {
    let doc = match format {
        Format::Sarif => amlpe::report::sarif(findings),
        _ => amlpe::report::json(findings, summary),
    };
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    print_out(&format!("{text}\n"));
}

/// The paths to read, or the exit code of a failure already reported. Without a path and
/// without a scenarios/ folder, the user is pointed at `amlpe init`.
fn inputs(paths: &[PathBuf], output: Output) -> Result<Vec<PathBuf>, ExitCode> {
    let error = if paths == [PathBuf::from(DEFAULT_SCENARIOS)] && !paths[0].exists() {
        Err("there is no scenarios/ folder here; `amlpe init NAME` writes a first scenario (scenarios/NAME.yaml), or name scenario files or folders as arguments".to_string())
    } else {
        amlpe::collect_inputs(paths)
    };
    error.map_err(|e| {
        if output.format == Format::Text {
            eprintln!("{}error{}: {e}", output.style.error, output.style.reset);
        } else {
            let d = Diagnostic::error(Rule::Io, amlpe::span::FieldPath::root(), e);
            let finding = amlpe::report::Finding {
                file: None,
                diagnostic: &d,
            };
            let summary = amlpe::report::Summary {
                errors: 1,
                ..Default::default()
            };
            print_document(output.format, &[finding], summary);
        }
        ExitCode::from(1)
    })
}

/// Loads and checks every scenario, reporting diagnostics as `output` says; returns them all,
/// or the exit code when any has an error.
fn check_all(
    paths: &[PathBuf],
    deny_warnings: bool,
    output: Output,
) -> Result<Vec<amlpe::Checked>, ExitCode> {
    let inputs = inputs(paths, output)?;
    let mut all: Vec<amlpe::Checked> = inputs
        .par_iter()
        .map(|path| amlpe::check(path, deny_warnings))
        .collect();
    // Two scenarios with one name would write the same folder.
    for i in 0..all.len() {
        let Some(name) = all[i].plan.as_ref().map(|p| p.scenario.clone()) else {
            continue;
        };
        let first = all[..i]
            .iter()
            .find(|o| o.plan.as_ref().is_some_and(|q| q.scenario == name));
        if let Some(first) = first {
            let d = Diagnostic::new(
                Rule::DuplicateName,
                amlpe::span::FieldPath::parse("name"),
                format!(
                    "{} also names the scenario `{name}`; each needs its own name (it is the output folder)",
                    first.source.display_path()
                ),
            )
            .at(all[i].name_span.unwrap_or_default())
            .hint("rename one of the two scenarios");
            all[i].diagnostics.push(d);
            all[i].plan = None;
        }
    }
    let errors: usize = all.iter().map(amlpe::Checked::errors).sum();
    let warnings: usize = all.iter().map(amlpe::Checked::warnings).sum();
    let bad_files = all.iter().filter(|c| c.errors() > 0).count();
    let style = output.style;
    if output.format == Format::Text {
        for c in &all {
            if !c.diagnostics.is_empty() {
                eprintln!("{}", c.render_styled(style));
            }
        }
    } else {
        let files: Vec<String> = all.iter().map(|c| c.source.display_path()).collect();
        let findings: Vec<amlpe::report::Finding> = all
            .iter()
            .zip(&files)
            .flat_map(|(c, f)| {
                c.diagnostics.iter().map(|d| amlpe::report::Finding {
                    file: Some(f.clone()),
                    diagnostic: d,
                })
            })
            .collect();
        let summary = amlpe::report::Summary {
            files: all.len(),
            errors,
            warnings,
            omitted: all.iter().map(|c| c.omitted).sum(),
        };
        print_document(output.format, &findings, summary);
    }
    if errors > 0 {
        eprintln!(
            "{}error{}: {errors} error(s) and {warnings} warning(s) in {bad_files} of {} scenario file(s)",
            style.error,
            style.reset,
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
    output: Output,
) -> ExitCode {
    match check_all(paths, deny_warnings, output) {
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

/// Prints one scenario's plan on stdout; diagnostics go to stderr as `validate` reports
/// them, and an invalid scenario prints no plan.
fn plan(file: &Path, format: PlanFormat, deny_warnings: bool, style: Style) -> ExitCode {
    if file.is_dir() {
        eprintln!(
            "{}error{}: {} is a folder; `amlpe plan` takes one scenario file",
            style.error,
            style.reset,
            file.display()
        );
        return ExitCode::from(1);
    }
    let output = Output {
        format: Format::Text,
        style,
    };
    let checked = match check_all(&[file.to_path_buf()], deny_warnings, output) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let Some(c) = checked.first() else {
        return ExitCode::from(1);
    };
    let Some(p) = &c.plan else {
        return ExitCode::from(1);
    };
    match format {
        PlanFormat::Text => print_out(&amlpe::overview::render(p)),
        PlanFormat::Json => match render::plan_json(p, &Context::new(&c.source.display_path())) {
            Ok(s) => print_out(&s),
            Err(e) => fail(&e.to_string()),
        },
    }
}

/// What one `generate` does.
struct Run<'a> {
    paths: &'a [PathBuf],
    out: &'a Path,
    mode: Mode,
    prune: bool,
    deny_warnings: bool,
    /// The `amlpe generate` command that writes the same outputs, to suggest as a fix.
    rerun: &'a str,
}

/// `amlpe generate` with the paths, `--out` and `--templates` the user gave (defaults left
/// out), quoted for a shell.
fn rerun_command(paths: &[PathBuf], out: &Path, templates: Option<&Path>) -> String {
    let mut words = vec!["amlpe".to_string(), "generate".to_string()];
    if paths != [PathBuf::from(DEFAULT_SCENARIOS)] {
        words.extend(paths.iter().map(|p| shell_quote(&p.to_string_lossy())));
    }
    if out != Path::new("out") {
        words.push("--out".to_string());
        words.push(shell_quote(&out.to_string_lossy()));
    }
    if let Some(t) = templates {
        words.push("--templates".to_string());
        words.push(shell_quote(&t.to_string_lossy()));
    }
    words.join(" ")
}

/// `word` as a shell reads it back: as it is when it holds only safe characters, else in
/// single quotes.
fn shell_quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// What `--check` found, drift and strays apart, each with the command that fixes it.
fn check_report(report: &amlpe::emit::Report, out: &Path, rerun: &str) -> String {
    let mut text = String::new();
    let shown = |p: &Path| out.join(p).display().to_string();
    let drifted: Vec<_> = report
        .files
        .iter()
        .filter(|(_, s)| *s != Status::Unchanged)
        .collect();
    if !drifted.is_empty() {
        let changed = drifted
            .iter()
            .filter(|(_, s)| *s == Status::Changed)
            .count();
        text.push_str(&format!(
            "drift: {changed} changed, {} missing in {}\n",
            drifted.len() - changed,
            out.display()
        ));
        for (p, s) in &drifted {
            let tag = if *s == Status::Changed {
                "changed"
            } else {
                "missing"
            };
            text.push_str(&format!("  {tag:8} {}\n", shown(p)));
        }
        text.push_str(&format!("  fix: {rerun}\n"));
    }
    if !report.strays.is_empty() {
        text.push_str(&format!(
            "strays: {} file(s) in {} that amlpe would not write\n",
            report.strays.len(),
            out.display()
        ));
        let mut theirs = Vec::new();
        for p in &report.strays {
            if report.prunable.contains(p) {
                text.push_str(&format!("  {} (generated by amlpe earlier)\n", shown(p)));
            } else {
                text.push_str(&format!(
                    "  {} (not generated by amlpe; `--prune` keeps it)\n",
                    shown(p)
                ));
                theirs.push(shell_quote(&p.to_string_lossy()));
            }
        }
        if !report.prunable.is_empty() {
            text.push_str(&format!("  fix: {rerun} --prune\n"));
        }
        if !theirs.is_empty() {
            let ignore = out.join(amlpe::emit::IGNORE_FILE);
            text.push_str(&format!(
                "  keep: printf '%s\\n' {} >> {}\n",
                theirs.join(" "),
                shell_quote(&ignore.to_string_lossy())
            ));
        }
    }
    text
}

fn generate(templates: &render::Templates, run: &Run, output: Output) -> ExitCode {
    let Run {
        paths,
        out,
        mode,
        prune,
        deny_warnings,
        rerun,
    } = *run;
    let checked = match check_all(paths, deny_warnings, output) {
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
                print_text(output, &report.diff);
                eprint!("{}", check_report(&report, out, rerun));
                eprintln!(
                    "error: {} is not current: {} changed, {} missing, {} stray",
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
                let tag = if prune && report.prunable.contains(p) {
                    "prune"
                } else {
                    "stray"
                };
                text.push_str(&format!("{tag:9} {}\n", out.join(p).display()));
            }
            print_text(output, &text);
        }
        Mode::Write => {
            for p in &report.pruned {
                eprintln!("pruned {}", out.join(p).display());
            }
            let ignore = out.join(amlpe::emit::IGNORE_FILE);
            for p in &report.strays {
                let why = if report.prunable.contains(p) {
                    "generated by amlpe earlier, not by this run (kept; `--prune` removes it)"
                        .to_string()
                } else {
                    format!(
                        "not generated by amlpe (kept; list it in {} to say it belongs there)",
                        ignore.display()
                    )
                };
                eprintln!("warning: stray file {}: {why}", out.join(p).display());
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
