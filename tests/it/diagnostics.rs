//! Every fixture under tests/fixtures/{invalid,warn} is run through the real binary; its
//! stderr must equal the `.expected` file beside it, byte for byte, and its exit code must be
//! 1 (invalid) or 0 (warnings only). `AMLPE_BLESS=1 cargo test` rewrites the expectations
//! after a deliberate change; review the diff before committing it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use amlpe::diag::Rule;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures").join(dir))
        .expect("fixture folder exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e != "expected"))
        .collect();
    v.sort();
    v
}

/// Runs `amlpe validate` on each fixture and compares; returns every expected text.
fn run_corpus(dir: &str, want_code: i32) -> Vec<String> {
    let bless = std::env::var_os("AMLPE_BLESS").is_some();
    let mut failures = Vec::new();
    let mut texts = Vec::new();
    let files = fixtures(dir);
    assert!(!files.is_empty(), "no fixtures in {dir}");
    for f in files {
        let rel = f.strip_prefix(root()).expect("inside the repo");
        let out = Command::new(env!("CARGO_BIN_EXE_amlpe"))
            .current_dir(root())
            .arg("validate")
            .arg(rel)
            .output()
            .expect("the binary runs");
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        let expected_path = f.with_extension("expected");
        if bless {
            std::fs::write(&expected_path, &stderr).expect("write expectation");
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if out.status.code() != Some(want_code) {
            failures.push(format!(
                "{}: exit {:?}, want {want_code}\n{stderr}",
                rel.display(),
                out.status.code()
            ));
        } else if stderr != expected {
            failures.push(format!(
                "{}: stderr differs from {}\n--- got ---\n{stderr}--- want ---\n{expected}",
                rel.display(),
                expected_path.display()
            ));
        }
        if !out.stdout.is_empty() {
            failures.push(format!("{}: validate wrote to stdout", rel.display()));
        }
        texts.push(expected);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    texts
}

#[test]
fn invalid_scenarios_fail_with_their_exact_diagnostics() {
    let texts = run_corpus("invalid", 1);
    for t in &texts {
        assert!(
            t.contains("error["),
            "an invalid fixture must report an error:\n{t}"
        );
        assert!(
            t.contains(" --> tests/fixtures/invalid/"),
            "location missing:\n{t}"
        );
    }
}

#[test]
fn warnings_do_not_block() {
    let texts = run_corpus("warn", 0);
    for t in &texts {
        assert!(t.contains("warning[") && !t.contains("error["), "{t}");
    }
}

#[test]
fn every_rule_is_exercised_by_a_fixture() {
    let mut seen = BTreeSet::new();
    for dir in ["invalid", "warn"] {
        for f in fixtures(dir) {
            let text = std::fs::read_to_string(f.with_extension("expected")).unwrap_or_default();
            for r in Rule::ALL {
                if text.contains(&format!("[{} {}]", r.id(), r.slug())) {
                    seen.insert(r.id());
                }
            }
        }
    }
    // E001 (unreadable file) is exercised through the CLI tests.
    let missing: Vec<_> = Rule::ALL
        .iter()
        .filter(|r| r.id() != "E001" && !seen.contains(r.id()))
        .map(|r| format!("{} {}", r.id(), r.slug()))
        .collect();
    assert!(missing.is_empty(), "rules without a fixture: {missing:?}");
}

#[test]
fn deny_warnings_turns_warnings_into_errors() {
    let out = Command::new(env!("CARGO_BIN_EXE_amlpe"))
        .current_dir(root())
        .args([
            "validate",
            "--deny-warnings",
            "tests/fixtures/warn/manual-approval.yaml",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error[W054 manual-approval]"),
        "{stderr}"
    );
}

#[test]
fn readme_documents_every_rule() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let missing: Vec<_> = Rule::ALL
        .iter()
        .filter(|r| !readme.contains(&format!("| {} | {} |", r.id(), r.slug())))
        .map(|r| r.id())
        .collect();
    assert!(missing.is_empty(), "README's rule table lacks {missing:?}");
}

#[test]
fn readme_justifies_every_checkov_skip() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let skips = std::fs::read_to_string(root().join("scripts/validate/checkov-skip.txt"))
        .expect("the skip list exists");
    let ids: Vec<&str> = skips
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(!ids.is_empty());
    for id in ids {
        assert!(
            readme.contains(&format!("| {id} | ")),
            "README does not justify the skipped check {id}"
        );
    }
}
