//! The binary's behaviour: exit codes, what goes to stdout and stderr, and that nothing is
//! written when any scenario is invalid.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn amlpe(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_amlpe"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// A temporary project with the shipped scenarios copied in.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let scen = dir.path().join("scenarios");
    std::fs::create_dir_all(&scen).expect("mkdir");
    for e in std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios")
        .flatten()
    {
        std::fs::copy(e.path(), scen.join(e.file_name())).expect("copy");
    }
    dir
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).expect("inside").to_path_buf());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn committed_out_is_current() {
    let o = amlpe(root(), &["generate", "--check"]);
    assert!(
        o.status.success(),
        "out/ is stale: run `cargo run -- generate`\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        stderr(&o)
    );
}

#[test]
fn generate_then_check_then_drift_and_strays() {
    let p = project();
    let o = amlpe(p.path(), &["generate"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("wrote "), "{}", stderr(&o));
    let o = amlpe(p.path(), &["generate", "--check"]);
    assert!(o.status.success(), "{}", stderr(&o));

    let plan = p.path().join("out/single-endpoint/plan.json");
    let text = std::fs::read_to_string(&plan).expect("plan written");
    std::fs::write(&plan, text.replace("eastus2", "westus")).expect("edit");
    std::fs::write(p.path().join("out/single-endpoint/notes.txt"), "mine\n").expect("stray");
    let o = amlpe(p.path(), &["generate", "--check"]);
    assert_eq!(o.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("--- a/single-endpoint/plan.json"),
        "{stdout}"
    );
    assert!(stdout.contains("+  \"location\": \"eastus2\","), "{stdout}");
    assert!(
        stdout.contains("stray file: single-endpoint/notes.txt"),
        "{stdout}"
    );
    assert!(
        stderr(&o).contains("1 changed, 0 missing, 1 stray"),
        "{}",
        stderr(&o)
    );

    // A write mends the drift, keeps the stray and says so.
    let o = amlpe(p.path(), &["generate"]);
    assert!(o.status.success());
    assert!(stderr(&o).contains("stray file"), "{}", stderr(&o));
    assert!(p.path().join("out/single-endpoint/notes.txt").exists());
    assert!(std::fs::read_to_string(&plan)
        .expect("plan")
        .contains("eastus2"));
}

#[test]
fn nothing_is_written_when_any_scenario_is_invalid() {
    let p = project();
    std::fs::write(
        p.path().join("scenarios/zz-broken.yaml"),
        "name: broken\nlocation: eastus2\n",
    )
    .expect("write");
    let o = amlpe(p.path(), &["generate"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("missing field `resource_group`"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!p.path().join("out").exists(), "out/ must not be created");
}

#[test]
fn dry_run_lists_and_writes_nothing() {
    let p = project();
    let o = amlpe(p.path(), &["generate", "--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("new       out/isolated-clients/plan.json"),
        "{stdout}"
    );
    assert!(!p.path().join("out").exists());
}

#[test]
fn usage_errors_exit_2_and_missing_files_exit_1() {
    let o = amlpe(root(), &["generate", "--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));
    let o = amlpe(root(), &["validate", "--format", "yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let o = amlpe(root(), &["validate", "no/such/file.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no/such/file.yaml: no such file or folder"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn validate_defaults_to_scenarios_and_outside_a_project_points_at_init() {
    let o = amlpe(root(), &["validate"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let shipped = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios")
        .count();
    assert!(
        stderr(&o).ends_with(&format!("ok: {shipped} scenario file(s) are valid\n")),
        "{}",
        stderr(&o)
    );
    assert_eq!(o.stdout, amlpe(root(), &["validate", "scenarios"]).stdout);
    let empty = tempfile::tempdir().expect("tempdir");
    for cmd in ["validate", "generate"] {
        let o = amlpe(empty.path(), &[cmd]);
        assert_eq!(o.status.code(), Some(1), "{cmd}");
        let written = if cmd == "generate" {
            "nothing was written\n"
        } else {
            ""
        };
        assert_eq!(
            stderr(&o),
            format!("error: there is no scenarios/ folder here; `amlpe init NAME` writes a first scenario (scenarios/NAME.yaml), or name scenario files or folders as arguments\n{written}"),
            "{cmd}"
        );
        assert!(
            files_under(empty.path()).is_empty(),
            "{cmd} wrote something"
        );
    }
}

#[test]
fn unreadable_file_is_a_located_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("x.yaml");
    std::fs::create_dir(&f).expect("a folder where a file is expected");
    let o = amlpe(dir.path(), &["validate", "x.yaml/."]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let o = amlpe(dir.path(), &["validate", "x.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("holds no scenario files"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir(&f).expect("rmdir");
    std::fs::write(&f, [0xff, 0xfe, 0x00]).expect("write");
    let o = amlpe(dir.path(), &["validate", "x.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("error[E002 syntax]: the file is UTF-16 (little-endian) text"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn two_scenarios_with_one_name_are_refused() {
    let p = project();
    std::fs::copy(
        p.path().join("scenarios/single-endpoint.yaml"),
        p.path().join("scenarios/single-endpoint-copy.yaml"),
    )
    .expect("copy");
    let o = amlpe(p.path(), &["generate"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("error[E011 duplicate-name]: scenarios/single-endpoint-copy.yaml also names the scenario `single-endpoint`; each needs its own name (it is the output folder)\n --> scenarios/single-endpoint.yaml:4:7\n"),
        "{}",
        stderr(&o)
    );
    assert!(!p.path().join("out").exists());
}

#[test]
fn json_and_yaml_scenarios_plan_the_same_deployment() {
    let p = project();
    let yaml = p.path().join("scenarios/single-endpoint.yaml");
    // The loader's own YAML reader turns the file into JSON text for the comparison.
    let text = std::fs::read_to_string(&yaml).expect("read");
    let (value, _) = amlpe::source::parse_text(&text, false).expect("parses");
    let json_dir = p.path().join("json");
    std::fs::create_dir_all(&json_dir).expect("mkdir");
    std::fs::write(
        json_dir.join("single-endpoint.json"),
        serde_json::to_string_pretty(&value).expect("json"),
    )
    .expect("write");
    let a = amlpe(
        p.path(),
        &["generate", "scenarios/single-endpoint.yaml", "--out", "a"],
    );
    let b = amlpe(
        p.path(),
        &["generate", "json/single-endpoint.json", "--out", "b"],
    );
    assert!(
        a.status.success() && b.status.success(),
        "{}{}",
        stderr(&a),
        stderr(&b)
    );
    let files_a = files_under(&p.path().join("a"));
    assert_eq!(files_a, files_under(&p.path().join("b")));
    for f in files_a {
        let read = |d: &str| std::fs::read_to_string(p.path().join(d).join(&f)).expect("read");
        let strip = |s: String| {
            s.replace("json/single-endpoint.json", "X")
                .replace("scenarios/single-endpoint.yaml", "X")
        };
        assert_eq!(strip(read("a")), strip(read("b")), "{}", f.display());
    }
}

#[test]
fn schema_command_matches_the_committed_schema() {
    let o = amlpe(root(), &["schema"]);
    assert!(o.status.success());
    let committed = std::fs::read_to_string(root().join("schema/scenario.schema.json"))
        .expect("schema/scenario.schema.json is committed");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        committed,
        "schema/scenario.schema.json is stale: run `cargo run -- schema > schema/scenario.schema.json`"
    );
    let v: serde_json::Value = serde_json::from_str(&committed).expect("valid JSON");
    assert_eq!(v["$schema"], "http://json-schema.org/draft-07/schema#");
    assert_eq!(v["additionalProperties"], false);
}

#[test]
fn completions_are_printed() {
    let o = amlpe(root(), &["completions", "bash"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("_amlpe()"));
}

/// A UTF-8 byte order mark and CRLF line endings are plain UTF-8 text: the file is valid, and
/// a diagnostic in it points at the line and column of the value, the mark not counted.
#[test]
fn a_byte_order_mark_and_crlf_line_endings_are_accepted() {
    let p = project();
    let text =
        std::fs::read_to_string(p.path().join("scenarios/single-endpoint.yaml")).expect("read");
    let crlf = text.replace('\n', "\r\n");
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend(crlf.as_bytes());
    std::fs::write(p.path().join("bom.yaml"), &bytes).expect("write");
    let o = amlpe(p.path(), &["validate", "bom.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("error["), "{}", stderr(&o));
    // The same file as JSON, BOM and CRLF included, reads too.
    let json = "\u{feff}{\r\n  \"name\": \"bom-json\",\r\n  \"location\": \"eastus2\",\r\n  \"resource_group\": \"rg\",\r\n  \"cloud\": \"Mars\"\r\n}\r\n";
    std::fs::write(p.path().join("bom.json"), json).expect("write");
    let o = amlpe(p.path(), &["validate", "bom.json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("--> bom.json:5:12"), "{}", stderr(&o));
    // A bad value on line 7 of the YAML: its place is the one an editor shows.
    let bad = crlf.replacen("location: eastus2", "location: eastus2x", 1);
    let line = bad
        .lines()
        .position(|l| l.starts_with("location:"))
        .expect("a location line")
        + 1;
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend(bad.as_bytes());
    std::fs::write(p.path().join("bom.yaml"), &bytes).expect("write");
    let o = amlpe(p.path(), &["validate", "bom.yaml"]);
    assert!(
        stderr(&o).contains(&format!("--> bom.yaml:{line}:11")),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains(&format!("{line} | location: eastus2x\n")),
        "the excerpt carries no carriage return: {}",
        stderr(&o)
    );
    // Nothing is written for the warning-free file either way; generate works on it.
    let o = amlpe(p.path(), &["generate", "bom.json", "--out", "o"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!p.path().join("o").exists());
}

/// A file in another encoding is refused with the encoding named, and nothing is written.
#[test]
fn other_encodings_are_refused_by_name() {
    let p = project();
    let text =
        std::fs::read_to_string(p.path().join("scenarios/single-endpoint.yaml")).expect("read");
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let mut be = vec![0xFE, 0xFF];
    be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    let bare: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let latin1 = b"name: x\nlocation: eastus2\nresource_group: rg\ndescription: caf\xe9\n".to_vec();
    for (name, bytes, want) in [
        ("le.yaml", le, "the file is UTF-16 (little-endian) text"),
        ("be.yaml", be, "the file is UTF-16 (big-endian) text"),
        ("bare.yaml", bare, "the file holds NUL bytes, as UTF-16"),
        ("latin1.yaml", latin1, "byte 0xE9 starts no UTF-8 character"),
    ] {
        std::fs::write(p.path().join(name), bytes).expect("write");
        let o = amlpe(p.path(), &["generate", name, "--out", "o"]);
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{name}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("save the scenario as UTF-8"),
            "{}",
            stderr(&o)
        );
        assert!(
            !p.path().join("o").exists(),
            "{name}: something was written"
        );
    }
    let o = amlpe(p.path(), &["validate", "latin1.yaml"]);
    assert!(
        stderr(&o).contains("--> latin1.yaml:4:17"),
        "{}",
        stderr(&o)
    );
}

/// A hub's zone list may hold zones amlpe does not use: the scenario is valid (W057 names
/// them), and no output refers to them, while every needed zone is taken from the list.
#[test]
fn unused_existing_zones_are_named_and_left_alone() {
    let p = project();
    let fixture = root().join("tests/fixtures/warn/unused-existing-zones.yaml");
    let o = amlpe(
        p.path(),
        &["generate", &fixture.to_string_lossy(), "--out", "o"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning[W057 unused-existing-zones]"));
    let mut all = String::new();
    for f in super::support::files_under(&p.path().join("o")) {
        let text = std::fs::read_to_string(p.path().join("o").join(f)).expect("read");
        // The warning itself is carried by plan.json and the runbook.
        for line in text
            .lines()
            .filter(|l| !l.contains("use none of these listed zones"))
        {
            all.push_str(line);
            all.push('\n');
        }
    }
    for unused in [
        "privatelink.database.windows.net",
        "privatelink.documents.azure.com",
        "privatelink.azurecr.io",
    ] {
        assert!(!all.contains(unused), "an output refers to {unused}");
    }
    for needed in [
        "privateDnsZones/privatelink.api.azureml.ms",
        "privateDnsZones/privatelink.notebooks.azure.net",
        "privateDnsZones/privatelink.vaultcore.azure.net",
    ] {
        assert!(all.contains(needed), "no output refers to {needed}");
    }
    let o = amlpe(
        p.path(),
        &["validate", "--deny-warnings", &fixture.to_string_lossy()],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}
