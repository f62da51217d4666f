//! `amlpe init` through the binary: every topology's starter validates as written, nothing is
//! overwritten, and a bad name writes nothing.

use std::path::Path;
use std::process::Output;

use super::support::stderr;
use amlpe::init::Topology;

fn amlpe(dir: &Path, args: &[&str]) -> Output {
    super::support::run_in(dir, args)
}

#[test]
fn every_topology_writes_a_commented_scenario_that_validates_without_a_finding() {
    for t in Topology::ALL {
        let dir = tempfile::tempdir().expect("tempdir");
        let o = amlpe(dir.path(), &["init", "--topology", t.name()]);
        assert!(o.status.success(), "{}: {}", t.name(), stderr(&o));
        assert_eq!(
            stderr(&o),
            format!("wrote scenarios/{}.yaml\nwrote schema/scenario.schema.json\nnext: edit it, then `amlpe validate` and `amlpe generate`\n", t.name())
        );
        let text = std::fs::read_to_string(dir.path().join(format!("scenarios/{}.yaml", t.name())))
            .expect("written");
        assert!(
            text.starts_with("# yaml-language-server: $schema=../schema/scenario.schema.json\n"),
            "{text}"
        );
        assert!(text.contains(&format!("\nname: {} ", t.name())), "{text}");
        assert!(
            text.lines().filter(|l| l.contains('#')).count() > 5,
            "{text}"
        );
        // No error and no warning: the starter is clean.
        let o = amlpe(dir.path(), &["validate"]);
        assert_eq!(
            stderr(&o),
            "ok: 1 scenario file(s) are valid\n",
            "{}",
            t.name()
        );
        let o = amlpe(dir.path(), &["generate", "--dry-run"]);
        assert!(o.status.success(), "{}: {}", t.name(), stderr(&o));
        // The schema beside it is the one `amlpe schema` prints.
        let schema = std::fs::read(dir.path().join("schema/scenario.schema.json")).expect("schema");
        assert_eq!(schema, amlpe(dir.path(), &["schema"]).stdout);
    }
}

#[test]
fn a_name_is_used_and_nothing_is_overwritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = amlpe(
        dir.path(),
        &["init", "team-a", "--topology", "isolated-clients"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let file = dir.path().join("scenarios/team-a.yaml");
    let first = std::fs::read_to_string(&file).expect("written");
    assert!(first.contains("\nname: team-a "), "{first}");
    assert!(first.contains("vnet-clients"), "{first}");
    std::fs::write(&file, "# mine\n").expect("edit");
    let o = amlpe(dir.path(), &["init", "team-a"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "error: scenarios/team-a.yaml exists; amlpe init overwrites nothing: choose another name (`amlpe init NAME`) or remove it\n"
    );
    assert_eq!(std::fs::read_to_string(&file).expect("kept"), "# mine\n");
    // A second scenario beside it is fine, and the schema is not rewritten.
    let o = amlpe(dir.path(), &["init", "team-b"]);
    assert_eq!(
        stderr(&o),
        "wrote scenarios/team-b.yaml\nnext: edit it, then `amlpe validate` and `amlpe generate`\n"
    );
}

#[test]
fn a_bad_name_writes_nothing() {
    for (name, want) in [
        ("Team_A", "error: scenario name `Team_A` contains `T`; it may contain only lowercase letters, digits and hyphens; the name is the scenario's and its file's\n"),
        ("../x", "error: scenario name `../x` contains `.`; it may contain only lowercase letters, digits and hyphens; the name is the scenario's and its file's\n"),
        ("a-name-far-too-long-for-a-workspace", "error: the name `a-name-far-too-long-for-a-workspace` has 35 characters; at most 29, as it is part of the workspace's name\n"),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let o = amlpe(dir.path(), &["init", name]);
        assert_eq!(o.status.code(), Some(1), "{name}");
        assert_eq!(stderr(&o), want);
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0, "{name} wrote something");
    }
}
