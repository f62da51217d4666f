//! `--templates DIR` through the binary: an override changes exactly what it spells, a
//! component can be replaced alone, and a broken override is refused with its file and line,
//! writing nothing.

use super::support::stderr;
use std::path::Path;
use std::process::Output;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn amlpe(args: &[&str]) -> Output {
    super::support::run_in(root(), args)
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

const SCENARIO: &str = "scenarios/single-endpoint.yaml";

fn generate(templates: Option<&Path>, out: &Path) -> Output {
    let mut args = vec!["generate", SCENARIO, "--out", out.to_str().expect("utf-8")];
    if let Some(t) = templates {
        args.extend(["--templates", t.to_str().expect("utf-8")]);
    }
    amlpe(&args)
}

#[test]
fn export_writes_the_built_in_set_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let t = dir.path().join("t");
    let o = amlpe(&["templates", "export", t.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    for (name, text) in amlpe::render::engine::BUILTIN {
        assert_eq!(
            std::fs::read_to_string(t.join(name)).expect("exported"),
            *text,
            "{name}"
        );
    }
    // The exported set, used as overrides, gives the built-in outputs.
    let (plain, same) = (dir.path().join("plain"), dir.path().join("same"));
    assert!(generate(None, &plain).status.success());
    let o = generate(Some(&t), &same);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        super::support::files_under(&plain),
        super::support::files_under(&same)
    );
    for f in super::support::files_under(&plain) {
        assert_eq!(
            std::fs::read(plain.join(&f)).expect("read"),
            std::fs::read(same.join(&f)).expect("read"),
            "{}",
            f.display()
        );
    }
    let again = amlpe(&["templates", "export", t.to_str().expect("utf-8")]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("overwrites nothing"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn an_override_changes_the_file_it_spells_and_a_component_can_be_replaced_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let t = dir.path().join("t");
    // A company header on the storage step, and one more tag flag on every tagged command.
    let storage = amlpe::render::engine::BUILTIN
        .iter()
        .find(|(n, _)| *n == "cli/steps/storage-account.sh")
        .expect("built in")
        .1;
    write(
        &t.join("cli/steps/storage-account.sh"),
        &format!("# Contoso: storage accounts are reviewed by the data team.\n{storage}"),
    );
    write(
        &t.join("company/tags.sh"),
        "{% component cli.tags(array) %}{% if array %} \\\n    --tags \"${{ \"{\" }}{{ array }}[@]{{ \"}\" }}\" 'costcenter=ml'{% endif %}{% endcomponent cli.tags %}\n",
    );
    let (plain, custom) = (dir.path().join("plain"), dir.path().join("custom"));
    assert!(generate(None, &plain).status.success());
    let o = generate(Some(&t), &custom);
    assert!(o.status.success(), "{}", stderr(&o));
    let deploy =
        |d: &Path| std::fs::read_to_string(d.join("single-endpoint/deploy.sh")).expect("read");
    let (before, after) = (deploy(&plain), deploy(&custom));
    assert!(!before.contains("Contoso"));
    assert_eq!(
        after.matches("# Contoso: storage accounts").count(),
        1,
        "{after}"
    );
    assert_eq!(
        after.matches("'costcenter=ml'").count(),
        before.matches("--tags \"${TAGS[@]}\"").count()
            + before.matches("--tags \"${TAGS_SHORTHAND[@]}\"").count()
    );
    assert!(before.matches("--tags").count() > 3);
    // Nothing else changed.
    for f in [
        "single-endpoint/main.bicep",
        "single-endpoint/azuredeploy.json",
        "single-endpoint/workspace.yml",
    ] {
        assert_eq!(
            std::fs::read(plain.join(f)).expect("read"),
            std::fs::read(custom.join(f)).expect("read"),
            "{f}"
        );
    }
}

#[test]
fn a_broken_override_is_refused_with_its_place_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let t = dir.path().join("t");
    let out = dir.path().join("out");
    // A syntax error: refused when the templates load.
    let broken = t.join("cli/steps/key-vault.sh");
    write(&broken, "if missing az keyvault show\n{% if v.name %}\n");
    let o = generate(Some(&t), &out);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(&format!("{}:3", broken.display())), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!out.exists());

    // A template that loads but fails as it renders (a variable the view lacks).
    write(&broken, "{{ v.no_such_variable }}\n");
    let o = generate(Some(&t), &out);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(&format!("{}:1:", broken.display())), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!out.exists());
    // validate --templates renders in memory and reports the same place.
    let o = amlpe(&[
        "validate",
        SCENARIO,
        "--templates",
        t.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&format!("{}:1:", broken.display())),
        "{}",
        stderr(&o)
    );
}
