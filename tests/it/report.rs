//! How diagnostics reach people and machines, through the binary: `--format json` and
//! `--format sarif` documents, colours (`--color`, `NO_COLOR`, a terminal), `amlpe explain`.

use std::path::Path;
use std::process::{Command, Output};

use amlpe::diag::Rule;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn amlpe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_amlpe"))
        .current_dir(root())
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

const TWICE: &str = "tests/fixtures/invalid/dangling-network-twice.yaml";
const MANUAL: &str = "tests/fixtures/warn/manual-approval.yaml";

#[test]
fn json_is_one_document_with_stable_fields() {
    let o = amlpe(&["validate", "--format", "json", TWICE]);
    assert_eq!(o.status.code(), Some(1));
    let want = r#"{
  "version": 1,
  "diagnostics": [
    {
      "rule": "E012",
      "slug": "dangling-reference",
      "severity": "error",
      "file": "tests/fixtures/invalid/dangling-network-twice.yaml",
      "line": 21,
      "column": 76,
      "length": 6,
      "field": "computes[0].network",
      "message": "unknown network `vnet-x`, named in 2 places",
      "hint": "did you mean `vnet-a`?",
      "spec": "Scenario file format (README)",
      "also": [
        {
          "line": 22,
          "column": 74,
          "field": "computes[1].network"
        }
      ]
    }
  ],
  "summary": {
    "files": 1,
    "errors": 1,
    "warnings": 0,
    "omitted": 0
  }
}
"#;
    assert_eq!(text(&o.stdout), want);
    // stderr keeps the one-line summary, and no rendered diagnostic.
    assert_eq!(
        text(&o.stderr),
        "error: 1 error(s) and 0 warning(s) in 1 of 1 scenario file(s)\n"
    );

    // A valid file is a document too, and so is a path that does not exist.
    let o = amlpe(&["validate", "--format", "json", MANUAL]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["diagnostics"][0]["rule"], "W054");
    assert_eq!(
        v["diagnostics"][0]["hint"].as_str().map(|h| h.is_empty()),
        Some(false)
    );
    assert_eq!(v["summary"]["warnings"], 1);
    let o = amlpe(&["validate", "--format", "json", "no/such.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["diagnostics"][0]["rule"], "E001");
    assert_eq!(
        v["diagnostics"][0]["message"],
        "no/such.yaml: no such file or folder"
    );
}

#[test]
fn sarif_is_a_sarif_2_1_0_log_with_every_rule() {
    let o = amlpe(&["validate", "--format", "sarif", TWICE, MANUAL]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "amlpe");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), Rule::ALL.len());
    assert_eq!(rules[0]["id"], "E001");
    let want = serde_json::json!([
        {
            "ruleId": "E012",
            "ruleIndex": Rule::ALL.iter().position(|r| *r == Rule::DanglingReference),
            "level": "error",
            "message": { "text": "unknown network `vnet-x`, named in 2 places\nhint: did you mean `vnet-a`?" },
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": { "uri": TWICE },
                    "region": { "startLine": 21, "startColumn": 76, "endColumn": 82 },
                },
                "logicalLocations": [{ "fullyQualifiedName": "computes[0].network", "kind": "member" }],
            }],
            "relatedLocations": [{
                "id": 1,
                "message": { "text": "another place of the same cause" },
                "physicalLocation": {
                    "artifactLocation": { "uri": TWICE },
                    "region": { "startLine": 22, "startColumn": 74, "endColumn": 80 },
                },
                "logicalLocations": [{ "fullyQualifiedName": "computes[1].network", "kind": "member" }],
            }],
        },
        {
            "ruleId": "W054",
            "ruleIndex": Rule::ALL.iter().position(|r| *r == Rule::ManualApproval),
            "level": "warning",
            "message": { "text": "the endpoints of `vnet-a` stay Pending until the owner of each target approves them\nhint: approve them under Networking > Private endpoint connections, or `az network private-endpoint-connection approve`" },
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": { "uri": MANUAL },
                    "region": { "startLine": 19, "startColumn": 17, "endColumn": 23 },
                },
                "logicalLocations": [{ "fullyQualifiedName": "networks[0].endpoints.approval", "kind": "member" }],
            }],
        },
    ]);
    assert_eq!(run["results"], want);
}

#[test]
fn generate_reports_in_the_format_asked_and_writes_nothing_on_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let out_s = out.to_str().expect("utf-8 path");
    let o = amlpe(&["generate", "--format", "json", TWICE, "--out", out_s]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["summary"]["errors"], 1);
    assert!(!out.exists());
    // With a document on stdout, the dry-run listing goes to stderr.
    let o = amlpe(&[
        "generate",
        "--format",
        "sarif",
        "--dry-run",
        MANUAL,
        "--out",
        out_s,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one SARIF document");
    assert_eq!(v["runs"][0]["results"][0]["ruleId"], "W054");
    assert!(
        text(&o.stderr).contains("new       "),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn colour_always_is_exact_and_never_and_pipes_are_plain() {
    let o = amlpe(&["--color", "always", "validate", MANUAL]);
    let want = "\x1b[1;33mwarning[W054 manual-approval]\x1b[0m\x1b[1m: the endpoints of `vnet-a` stay Pending until the owner of each target approves them\x1b[0m
  \x1b[1;34m-->\x1b[0m tests/fixtures/warn/manual-approval.yaml:19:17
   \x1b[1;34m|\x1b[0m
\x1b[1;34m19 |\x1b[0m       approval: manual
   \x1b[1;34m|\x1b[0m                 \x1b[1;33m^^^^^^\x1b[0m
   \x1b[1;34m=\x1b[0m \x1b[2mfield:\x1b[0m networks[0].endpoints.approval
   \x1b[1;34m=\x1b[0m \x1b[36mhint:\x1b[0m approve them under Networking > Private endpoint connections, or `az network private-endpoint-connection approve`
   \x1b[1;34m=\x1b[0m \x1b[2mspec:\x1b[0m Create a workspace that uses a private endpoint

1 warning(s) in 1 scenario file(s)
ok: 1 scenario file(s) are valid
";
    assert_eq!(text(&o.stderr), want);
    let o = amlpe(&["--color", "always", "validate", TWICE]);
    assert!(
        text(&o.stderr).starts_with("\x1b[1;31merror[E012"),
        "{}",
        text(&o.stderr)
    );
    assert!(text(&o.stderr).contains("\x1b[1;31merror\x1b[0m: 1 error(s)"));
    for args in [
        &["--color", "never", "validate", TWICE][..],
        &["validate", TWICE],
    ] {
        let o = amlpe(args);
        assert!(!o.stderr.contains(&0x1b), "{args:?}: {}", text(&o.stderr));
    }
}

/// Runs amlpe under a pseudo-terminal (util-linux `script`), so that stderr is a terminal.
fn on_a_terminal(no_color: Option<&str>) -> String {
    let bin = env!("CARGO_BIN_EXE_amlpe");
    let mut cmd = Command::new("script");
    cmd.current_dir(root())
        .env_remove("NO_COLOR")
        .env("TERM", "xterm")
        .args(["-qec", &format!("{bin} validate {MANUAL}"), "/dev/null"]);
    if let Some(v) = no_color {
        cmd.env("NO_COLOR", v);
    }
    let o = cmd.output().expect("util-linux `script` runs");
    assert!(o.status.success(), "{}", text(&o.stderr));
    text(&o.stdout)
}

#[test]
fn a_terminal_gets_colour_unless_no_color_is_set() {
    let coloured = on_a_terminal(None);
    assert!(coloured.contains("\x1b[1;33mwarning[W054"), "{coloured:?}");
    let plain = on_a_terminal(Some("1"));
    assert!(plain.contains("warning[W054 manual-approval]"), "{plain:?}");
    assert!(!plain.contains('\x1b'), "{plain:?}");
    // An empty NO_COLOR does not count.
    assert!(on_a_terminal(Some("")).contains('\x1b'));
}

#[test]
fn explain_by_id_and_slug_and_unknown_rules() {
    let by_id = amlpe(&["explain", "E024"]);
    assert!(by_id.status.success());
    let by_slug = amlpe(&["explain", "dns-zone-collision"]);
    assert_eq!(by_id.stdout, by_slug.stdout);
    let want = "E024 dns-zone-collision (error): two endpoints of one target registering in one private DNS zone
spec: Multiple private endpoints

Why:
    A private DNS zone holds one A record per name: the endpoints of one target in two VNets
    would register the same name in the same zone, and each overwrites the other's record,
    so one VNet resolves the other's private address. Zone names are unique per resource
    group, so each isolated VNet needs its own zone set.

Breaks it:
    - name: vnet-b
      dns: { zones: create, resource_group: rg-ml }   # the group of vnet-a's zones

Fix:
    - name: vnet-b
      dns: { zones: create, resource_group: rg-ml-clients-dns }
";
    assert_eq!(text(&by_id.stdout), want);
    // Every rule explains, with its spec section.
    for r in Rule::ALL {
        let o = amlpe(&["explain", r.slug()]);
        assert!(o.status.success(), "{}", r.id());
        let t = text(&o.stdout);
        assert!(t.starts_with(&format!("{} {} (", r.id(), r.slug())), "{t}");
        assert!(
            t.contains("\nWhy:\n    ") && t.contains("\nFix:\n    "),
            "{t}"
        );
    }
    let list = text(&amlpe(&["explain"]).stdout);
    assert_eq!(
        list.lines().filter(|l| l.starts_with(['E', 'W'])).count(),
        Rule::ALL.len()
    );
    let o = amlpe(&["explain", "dns-zone-colision"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr),
        "error: no rule `dns-zone-colision`; did you mean `dns-zone-collision`?\n"
    );
}
