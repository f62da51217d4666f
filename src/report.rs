//! Diagnostics as documents for machines: `--format json` (amlpe's own, stable fields) and
//! `--format sarif` (SARIF 2.1.0, for code-scanning uploads). Both are one document for the
//! whole run, on stdout.

use serde_json::{json, Value};

use crate::diag::{Diagnostic, Rule, Severity};
use crate::span::Span;

/// Version of the `--format json` document; it changes only when a field changes meaning
/// or goes away.
pub const JSON_VERSION: u32 = 1;

/// One diagnostic and the file it is about (`None` when it is about no file, like a path that
/// does not exist).
pub struct Finding<'a> {
    pub file: Option<String>,
    pub diagnostic: &'a Diagnostic,
}

/// The counts of a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    /// Schema errors counted but not reported one by one.
    pub omitted: usize,
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A known span: line 0 means "somewhere in the file".
fn known(span: Option<Span>) -> Option<Span> {
    span.filter(|s| s.line > 0)
}

/// `--format json`: `{version, diagnostics: [...], summary}`. Every diagnostic has `rule`,
/// `slug`, `severity`, `file`, `line`, `column`, `length`, `field`, `message`, `hint`, `spec`
/// and `also` (the other places of the same cause); a value that is not known is `null`.
pub fn json(findings: &[Finding], summary: Summary) -> Value {
    let diagnostics: Vec<Value> = findings
        .iter()
        .map(|f| {
            let d = f.diagnostic;
            let span = known(d.span);
            let spec = d.rule.spec();
            json!({
                "rule": d.rule.id(),
                "slug": d.rule.slug(),
                "severity": severity(d.severity),
                "file": f.file,
                "line": span.map(|s| s.line),
                "column": span.map(|s| s.col),
                "length": span.map(|s| s.len),
                "field": (!d.path.0.is_empty()).then(|| d.path.to_string()),
                "message": d.message,
                "hint": d.hint,
                "spec": (spec != "-").then_some(spec),
                "also": d.also.iter().map(|(p, at)| {
                    let at = known(*at);
                    json!({
                        "line": at.map(|s| s.line),
                        "column": at.map(|s| s.col),
                        "field": p.to_string(),
                    })
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "version": JSON_VERSION,
        "diagnostics": diagnostics,
        "summary": {
            "files": summary.files,
            "errors": summary.errors,
            "warnings": summary.warnings,
            "omitted": summary.omitted,
        },
    })
}

/// A SARIF location of `file` at `span`.
fn location(file: &Option<String>, span: Option<Span>, field: String) -> Value {
    let mut physical = json!({});
    if let Some(f) = file {
        physical["artifactLocation"] = json!({ "uri": f.replace('\\', "/") });
    }
    if let Some(s) = known(span) {
        physical["region"] = json!({
            "startLine": s.line,
            "startColumn": s.col,
            "endColumn": s.col + s.len.max(1),
        });
    }
    json!({
        "physicalLocation": physical,
        "logicalLocations": [{ "fullyQualifiedName": field, "kind": "member" }],
    })
}

/// `--format sarif`: one run of the amlpe driver, every rule described, one result per
/// diagnostic. Columns count characters (`columnKind: unicodeCodePoints`), as amlpe's do.
pub fn sarif(findings: &[Finding]) -> Value {
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.id(),
                "name": r.slug(),
                "shortDescription": { "text": crate::explain::of(*r).summary },
                "fullDescription": { "text": crate::explain::of(*r).why },
                "defaultConfiguration": { "level": severity(r.severity()) },
                "helpUri": crate::diag::SPEC_URL,
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let d = f.diagnostic;
            let mut text = d.message.clone();
            if let Some(h) = &d.hint {
                text.push_str("\nhint: ");
                text.push_str(h);
            }
            let index = Rule::ALL.iter().position(|r| *r == d.rule);
            let mut result = json!({
                "ruleId": d.rule.id(),
                "ruleIndex": index,
                "level": severity(d.severity),
                "message": { "text": text },
                "locations": [location(&f.file, d.span, d.path.to_string())],
            });
            if !d.also.is_empty() {
                result["relatedLocations"] = d
                    .also
                    .iter()
                    .enumerate()
                    .map(|(i, (p, at))| {
                        let mut l = location(&f.file, *at, p.to_string());
                        l["id"] = json!(i + 1);
                        l["message"] = json!({ "text": "another place of the same cause" });
                        l
                    })
                    .collect();
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "amlpe",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": crate::diag::SPEC_URL,
                    "rules": rules,
                },
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}
