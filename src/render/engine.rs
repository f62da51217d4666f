//! The template engine (tera 2). Every file under `templates/` is embedded in the binary and
//! loaded into one [`Templates`] at start, under the prefix `builtin/`; `--templates DIR` loads
//! the files of DIR on top, unprefixed. A name is looked up as given first and under the prefix
//! second, so a file in DIR replaces the built-in file of the same relative path (includes
//! included), and a component defined in DIR replaces the built-in component of that name.
//!
//! Templates are plain text: nothing is escaped unless a template asks, through the filters of
//! [`super::escape`], one per output language.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::escape;

/// The built-in templates: (path under `templates/`, text), in path order (see `build.rs`).
pub const BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/templates.rs"));

/// Where the built-in templates are loaded, so that overrides (unprefixed) win.
const PREFIX: &str = "builtin/";

/// A template set that failed to load, or a template that failed to render: tera's report
/// (with file, line and column), the file named as the user knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError(pub String);

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TemplateError {}

/// The loaded templates, with the filters registered.
pub struct Templates {
    tera: tera::Tera,
    /// The override folder and the names of the templates read from it.
    overrides: Option<(PathBuf, Vec<String>)>,
}

impl fmt::Debug for Templates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Templates")
            .field("overrides", &self.overrides)
            .finish_non_exhaustive()
    }
}

impl Templates {
    /// The built-in templates.
    pub fn builtin() -> Result<Self, TemplateError> {
        Self::load(Vec::new(), None)
    }

    /// The built-in templates with the files of `dir` on top: each file is a template named by
    /// its path relative to `dir` (`cli/deploy.sh`).
    pub fn with_overrides(dir: &Path) -> Result<Self, TemplateError> {
        let mut files = Vec::new();
        collect(dir, dir, &mut files)?;
        if files.is_empty() {
            return Err(TemplateError(format!(
                "{}: no template files (see `amlpe templates export DIR` for the built-in set)",
                dir.display()
            )));
        }
        Self::load(files, Some(dir))
    }

    fn load(user: Vec<(String, String)>, dir: Option<&Path>) -> Result<Self, TemplateError> {
        let mut tera = tera::Tera::new();
        tera.autoescape_on(Vec::<&str>::new());
        escape::register(&mut tera);
        tera.global_context()
            .insert("catalog", &crate::catalog::template_facts());
        let fail = |e: tera::Error| TemplateError(e.to_string());
        tera.set_fallback_prefixes([PREFIX]).map_err(fail)?;
        let names: Vec<String> = user.iter().map(|(n, _)| n.clone()).collect();
        let overrides = dir.map(|d| (d.to_path_buf(), names));
        let builtin = BUILTIN.iter().map(|(n, t)| (format!("{PREFIX}{n}"), *t));
        let user = user.iter().map(|(n, t)| (n.clone(), t.as_str()));
        tera.add_raw_templates(builtin.chain(user))
            .map_err(|e| TemplateError(locate(e.to_string(), overrides.as_ref())))?;
        Ok(Self { tera, overrides })
    }

    /// Renders template `name` (a path under `templates/`) with `view` as its context. A view
    /// given by value is dropped once it is the template's context, before the text is spelled.
    pub fn render(&self, name: &str, view: impl Serialize) -> Result<String, TemplateError> {
        let context = tera::Context::from_serialize(&view)
            .map_err(|e| TemplateError(format!("{name}: {e}")))?;
        drop(view);
        let mut text = self
            .tera
            .render(name, &context)
            .map_err(|e| TemplateError(locate(e.to_string(), self.overrides.as_ref())))?;
        text.shrink_to_fit();
        Ok(text)
    }
}

impl Templates {
    /// Renders a piece that goes into another template's view (a script's step, a nested
    /// deployment): as a template value, which that view's context shares instead of copying.
    pub fn render_piece(
        &self,
        name: &str,
        view: impl Serialize,
    ) -> Result<tera::Value, TemplateError> {
        Ok(tera::Value::from(self.render(name, view)?))
    }
}

/// Tera names a template as it was loaded: a built-in one under its prefix, an override by its
/// relative path. The user reads them as a path under `templates/` and a file in DIR.
fn locate(report: String, overrides: Option<&(PathBuf, Vec<String>)>) -> String {
    // Tera's report starts as a compiler's does; the caller says `error:` itself.
    let report = report.strip_prefix("error: ").unwrap_or(&report);
    let mut report = report.replace(&format!("--> {PREFIX}"), "--> templates/");
    if let Some((dir, names)) = overrides {
        for n in names {
            report = report.replace(
                &format!("--> {n}:"),
                &format!("--> {}:", dir.join(n).display()),
            );
        }
    }
    report
}

/// Every file under `dir` as (name relative to `root`, text).
fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> Result<(), TemplateError> {
    let fail = |p: &Path, e: std::io::Error| TemplateError(format!("{}: {e}", p.display()));
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| fail(dir, e))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(|e| fail(dir, e))?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(root, &p, out)?;
            continue;
        }
        let bytes = std::fs::read(&p).map_err(|e| fail(&p, e))?;
        let text = String::from_utf8(bytes).map_err(|_| {
            TemplateError(format!(
                "{}: not UTF-8 text; templates are UTF-8",
                p.display()
            ))
        })?;
        let name = p
            .strip_prefix(root)
            .unwrap_or(&p)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        out.push((name, text));
    }
    Ok(())
}

/// Writes the built-in templates under `dir`, to start overrides from. Refuses to overwrite a
/// file; returns the files written.
pub fn export(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let targets: Vec<(PathBuf, &str)> = BUILTIN
        .iter()
        .map(|(name, text)| (dir.join(name), *text))
        .collect();
    if let Some((p, _)) = targets.iter().find(|(p, _)| p.exists()) {
        return Err(format!(
            "{} exists: export writes into a new or empty folder and overwrites nothing",
            p.display()
        ));
    }
    for (p, text) in &targets {
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(p, text).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    Ok(targets.into_iter().map(|(p, _)| p).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_templates_load() {
        // Every template parses, and every filter, include and component it names exists.
        let t = Templates::builtin().expect("the built-in templates load");
        assert!(!BUILTIN.is_empty());
        drop(t);
    }

    #[test]
    fn an_override_replaces_the_built_in_file_and_a_broken_one_is_located() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (name, _) = BUILTIN[0];
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, "mine\n").expect("write");
        let t = Templates::with_overrides(dir.path()).expect("loads");
        assert_eq!(
            t.render(name, serde_json::json!({})).expect("renders"),
            "mine\n"
        );

        std::fs::write(&path, "line one\n{% if %}\n").expect("write");
        let e = Templates::with_overrides(dir.path()).expect_err("broken");
        assert!(
            e.0.contains(&format!("--> {}:2:", path.display())),
            "the report names the user's file and line: {e}"
        );
    }
}
