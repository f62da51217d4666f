//! A run that fails part-way leaves every file in `out/` either entirely old or entirely new,
//! and `generate` never deletes or overwrites a file it did not write. Everything here goes
//! through the binary.
//!
//! Failing writes are made in ways that work as root (CI containers and this one run as
//! root, and root ignores permission bits, so a read-only folder proves nothing):
//! - a regular file where the run needs a folder (`out/<scenario>/ops`): creating the folder
//!   fails the way a full disk fails a write, before any output is replaced;
//! - a folder where the run needs a file: refused before anything is written;
//! - an immutable file (`chattr +i`, when the file system and capabilities allow it): the
//!   rename onto it fails after other files were replaced, the hardest case;
//! - SIGKILL at several moments while a large estate is written.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::support::{self, Run};

const GUARD: Duration = Duration::from_secs(120);

/// A valid scenario with `vnets` spoke VNets (each adds two ops scripts and its own DNS
/// module), described by `description` so that two versions differ in every file.
fn scenario(name: &str, vnets: usize, description: &str) -> String {
    let targets = "[workspace, storage-blob, storage-file, key-vault, container-registry]";
    let mut y = format!(
        "name: {name}
description: {description}
location: eastus2
resource_group: rg-{name}
tags: {{ version: \"{description}\" }}
workspace:
  name: mlw-{name}
  image_build_compute: cpu-build
  storage_account: {{ name: st{short} }}
  key_vault: {{ name: kv-{name} }}
  container_registry: {{ name: cr{short} }}
  application_insights: {{ name: appi-{name} }}
networks:
  - name: vnet-services
    address_space: [10.0.0.0/24]
    subnets:
      - {{ name: snet-endpoints, prefix: 10.0.0.0/26 }}
      - {{ name: snet-build, prefix: 10.0.0.64/26 }}
    endpoints: {{ subnet: snet-endpoints, targets: {targets} }}
",
        short = name.replace('-', "")
    );
    for i in 0..vnets {
        let (hi, lo) = ((i + 1) / 256, (i + 1) % 256);
        let _ = write!(
            y,
            "  - name: vnet-spoke-{i}
    address_space: [10.{hi}.{lo}.0/24]
    subnets: [{{ name: snet-endpoints, prefix: 10.{hi}.{lo}.0/26 }}]
    endpoints: {{ subnet: snet-endpoints, targets: {targets} }}
    dns: {{ zones: create, resource_group: rg-{name}-dns-{i} }}
"
        );
    }
    y.push_str("computes:\n  - { name: cpu-build, kind: cluster, vm_size: Standard_DS3_v2, network: vnet-services, subnet: snet-build }\n");
    y
}

fn generate(dir: &Path, args: &[&str]) -> Run {
    support::run_guarded(
        support::amlpe().current_dir(dir).arg("generate").args(args),
        GUARD,
    )
}

/// Path → contents of every file under `dir`.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    support::files_under(dir)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(dir.join(&p)).unwrap_or_default();
            (p, bytes)
        })
        .collect()
}

fn is_temp(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.') && n.contains(".amlpe-") && n.ends_with(".tmp"))
}

/// Every file under `out` is its version in `old` or in `new`; returns how many are new.
fn old_or_new(
    out: &Path,
    old: &BTreeMap<PathBuf, Vec<u8>>,
    new: &BTreeMap<PathBuf, Vec<u8>>,
) -> Result<(usize, usize), String> {
    let (mut n_old, mut n_new) = (0, 0);
    for (p, bytes) in snapshot(out) {
        if is_temp(&p) {
            continue;
        }
        let was = old.get(&p);
        let will = new.get(&p);
        if will == Some(&bytes) {
            n_new += 1;
        } else if was == Some(&bytes) {
            n_old += 1;
        } else {
            return Err(format!(
                "{} is neither its old nor its new version ({} bytes; old {:?}, new {:?})",
                p.display(),
                bytes.len(),
                was.map(Vec::len),
                will.map(Vec::len)
            ));
        }
    }
    Ok((n_old, n_new))
}

/// A project folder with `v1/` and `v2/` versions of the same scenarios, and the expected
/// outputs of each in `ref1/` and `ref2/`.
struct Versions {
    dir: tempfile::TempDir,
    old: BTreeMap<PathBuf, Vec<u8>>,
    new: BTreeMap<PathBuf, Vec<u8>>,
}

impl Versions {
    fn new(names: &[&str], vnets: usize) -> Self {
        Self::with(names, vnets, "")
    }
    /// With `extra` appended to every scenario.
    fn with(names: &[&str], vnets: usize, extra: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        for (v, text) in [("v1", "version one"), ("v2", "version two")] {
            let d = dir.path().join(v);
            std::fs::create_dir_all(&d).expect("mkdir");
            for n in names {
                let text = scenario(n, vnets, text) + extra;
                std::fs::write(d.join(format!("{n}.yaml")), text).expect("write");
            }
        }
        for (v, r) in [("v1", "ref1"), ("v2", "ref2")] {
            let run = generate(dir.path(), &[v, "--out", r]);
            assert_eq!(run.code, Some(0), "{}", run.describe());
        }
        let old = snapshot(&dir.path().join("ref1"));
        let new = snapshot(&dir.path().join("ref2"));
        assert!(
            !old.is_empty() && old.keys().eq(new.keys()),
            "same files in both versions"
        );
        assert!(
            old.iter().any(|(p, b)| new.get(p) != Some(b)),
            "the versions differ"
        );
        Self { dir, old, new }
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    /// `out/` holding the old version.
    fn reset_out(&self) -> PathBuf {
        let out = self.path().join("out");
        let _ = std::fs::remove_dir_all(&out);
        for (p, bytes) in &self.old {
            let f = out.join(p);
            std::fs::create_dir_all(f.parent().expect("parent")).expect("mkdir");
            std::fs::write(&f, bytes).expect("write");
        }
        out
    }
}

#[test]
fn an_invalid_third_scenario_of_five_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scen = dir.path().join("scenarios");
    std::fs::create_dir_all(&scen).expect("mkdir");
    for (i, n) in ["fs-a", "fs-b", "fs-c", "fs-d", "fs-e"].iter().enumerate() {
        let mut text = scenario(n, 1, "first version");
        if i == 2 {
            text = text.replace("prefix: 10.0.0.64/26", "prefix: 10.0.0.64/33");
        }
        std::fs::write(scen.join(format!("{n}.yaml")), text).expect("write");
    }
    // No out/ yet: none is created.
    let run = generate(dir.path(), &[]);
    assert_eq!(run.code, Some(1), "{}", run.describe());
    assert!(run.stderr.contains("fs-c.yaml"), "{}", run.describe());
    assert!(
        run.stderr.contains("nothing was written"),
        "{}",
        run.describe()
    );
    assert!(!dir.path().join("out").exists(), "out/ must not be created");

    // An out/ from an earlier good run is left exactly as it was.
    let good = scen.join("fs-c.yaml");
    std::fs::write(&good, scenario("fs-c", 1, "first version")).expect("write");
    let run = generate(dir.path(), &[]);
    assert_eq!(run.code, Some(0), "{}", run.describe());
    let before = snapshot(&dir.path().join("out"));
    for n in ["fs-a", "fs-b", "fs-d", "fs-e"] {
        std::fs::write(
            scen.join(format!("{n}.yaml")),
            scenario(n, 2, "second version"),
        )
        .expect("write");
    }
    std::fs::write(
        &good,
        scenario("fs-c", 1, "second version").replace("10.0.0.64/26", "10.0.0.64/33"),
    )
    .expect("write");
    let run = generate(dir.path(), &[]);
    assert_eq!(run.code, Some(1), "{}", run.describe());
    assert_eq!(before, snapshot(&dir.path().join("out")), "out/ changed");
}

#[test]
fn a_file_where_a_folder_must_be_fails_the_run_before_any_output_changes() {
    let v = Versions::new(&["fs-dirfile"], 2);
    let out = v.reset_out();
    let ops = out.join("fs-dirfile/ops");
    std::fs::remove_dir_all(&ops).expect("rm ops");
    std::fs::write(&ops, "a file in the way\n").expect("write");
    let before = snapshot(&out);
    let run = generate(v.path(), &["v2", "--out", "out"]);
    assert_eq!(run.code, Some(1), "{}", run.describe());
    assert!(
        run.stderr.contains("error: writing out:") && run.stderr.contains("fs-dirfile/ops"),
        "the error names the place: {}",
        run.describe()
    );
    assert!(
        run.stderr.contains("nothing was written"),
        "{}",
        run.describe()
    );
    assert_eq!(
        before,
        snapshot(&out),
        "no output changed, no temporary file is left"
    );
}

#[test]
fn a_folder_where_a_file_must_be_is_refused_before_writing() {
    let v = Versions::new(&["fs-filedir"], 1);
    let out = v.reset_out();
    let runbook = out.join("fs-filedir/workspace.yml");
    std::fs::remove_file(&runbook).expect("rm");
    std::fs::create_dir_all(runbook.join("inside")).expect("mkdir");
    let before = snapshot(&out);
    let run = generate(v.path(), &["v2", "--out", "out"]);
    assert_eq!(run.code, Some(1), "{}", run.describe());
    assert!(
        run.stderr.contains("a folder is in the way"),
        "{}",
        run.describe()
    );
    assert_eq!(before, snapshot(&out));
}

/// Makes a file immutable for as long as it lives; `None` where `chattr` cannot.
struct Immutable(PathBuf);

impl Immutable {
    fn set(path: &Path) -> Option<Self> {
        let ok = Command::new("chattr")
            .arg("+i")
            .arg(path)
            .output()
            .is_ok_and(|o| o.status.success());
        // Proof that it took: even root cannot write an immutable file.
        (ok && std::fs::OpenOptions::new().append(true).open(path).is_err())
            .then(|| Self(path.to_path_buf()))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).output();
    }
}

#[test]
fn a_rename_that_fails_part_way_leaves_each_file_old_or_new() {
    let v = Versions::new(&["fs-immutable"], 2);
    let out = v.reset_out();
    // The last file in write order: every other changed file is replaced before it.
    let last = v.old.keys().next_back().expect("files").clone();
    let Some(guard) = Immutable::set(&out.join(&last)) else {
        println!("skipped: chattr +i is not available here (needs CAP_LINUX_IMMUTABLE)");
        return;
    };
    let run = generate(v.path(), &["v2", "--out", "out"]);
    drop(guard);
    assert_eq!(run.code, Some(1), "{}", run.describe());
    assert!(
        run.stderr.contains(&last.display().to_string())
            && run
                .stderr
                .contains("changed files were replaced before it; the others are unchanged"),
        "{}",
        run.describe()
    );
    let (n_old, n_new) = old_or_new(&out, &v.old, &v.new).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        n_new > 0 && n_old > 0,
        "a mixed state: {n_old} old, {n_new} new"
    );
    assert_eq!(
        std::fs::read(out.join(&last)).ok().as_ref(),
        v.old.get(&last)
    );
    let temps: Vec<_> = support::files_under(&out)
        .into_iter()
        .filter(|p| is_temp(p))
        .collect();
    assert!(temps.is_empty(), "temporary files left: {temps:?}");
    // The next run completes the change.
    let run = generate(v.path(), &["v2", "--out", "out"]);
    assert_eq!(run.code, Some(0), "{}", run.describe());
    assert_eq!(snapshot(&out), v.new);
}

/// Waits until the run has started writing (a temporary file shows) or has ended.
fn wait_for_writing(child: &mut std::process::Child, out: &Path, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if child.try_wait().ok().flatten().is_some() {
            return false;
        }
        if support::files_under(out).iter().any(|p| is_temp(p)) {
            return true;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    false
}

#[test]
fn a_run_killed_while_writing_leaves_each_file_old_or_new_and_the_next_run_cleans_up() {
    let names = ["fs-kill-a", "fs-kill-b", "fs-kill-c", "fs-kill-d"];
    let v = Versions::new(&names, 3);
    let mut outcomes = Vec::new();
    // `None`: killed while rendering, before any write; else this long after writing began.
    let moments = [
        None,
        Some(0),
        Some(1),
        Some(3),
        Some(10),
        Some(30),
        Some(100),
    ];
    for moment in moments {
        let out = v.reset_out();
        let mut child = support::amlpe()
            .current_dir(v.path())
            .args(["generate", "v2", "--out", "out"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("starts");
        let label = match moment {
            None => {
                std::thread::sleep(Duration::from_millis(50));
                "while rendering".to_string()
            }
            Some(ms) => {
                let writing = wait_for_writing(&mut child, &out, GUARD);
                std::thread::sleep(Duration::from_millis(ms));
                format!(
                    "{ms} ms into writing{}",
                    if writing { "" } else { " (ended first)" }
                )
            }
        };
        let _ = child.kill(); // SIGKILL: no cleanup runs
        let _ = child.wait();
        let (n_old, n_new) =
            old_or_new(&out, &v.old, &v.new).unwrap_or_else(|e| panic!("killed {label}: {e}"));
        let files = support::files_under(&out);
        let temps = files.iter().filter(|p| is_temp(p)).count();
        let strays: Vec<_> = files
            .iter()
            .filter(|p| !is_temp(p) && !v.new.contains_key(*p))
            .collect();
        assert!(
            strays.is_empty(),
            "killed {label}: files that are not outputs: {strays:?}"
        );
        outcomes.push(format!(
            "{label}: {n_old} old, {n_new} new, {temps} temporary"
        ));
        // The next run removes the temporary files and finishes the change.
        let run = generate(v.path(), &["v2", "--out", "out"]);
        assert_eq!(run.code, Some(0), "{}", run.describe());
        assert_eq!(
            snapshot(&out),
            v.new,
            "after a kill {label}, the next run converges"
        );
    }
    println!("{} files per version; {}", v.new.len(), outcomes.join("; "));
}

#[test]
fn prune_removes_amlpe_files_of_every_kind_and_nothing_else() {
    // The legacy dialects add the Python kind.
    let v = Versions::with(&["fs-prune"], 1, "legacy: [cli-v1, sdk-v1]\n");
    let out = v.reset_out();
    // Every generated file again, under a folder the scenario no longer produces.
    let mut copied = 0;
    for (p, bytes) in &v.old {
        let Ok(rel) = p.strip_prefix("fs-prune") else {
            continue;
        };
        copied += 1;
        let f = out.join("fs-prune/stale").join(rel);
        std::fs::create_dir_all(f.parent().expect("parent")).expect("mkdir");
        std::fs::write(&f, bytes).expect("write");
    }
    let mine = [
        "fs-prune/notes.md",
        "fs-prune/mine.sh",
        "fs-prune/custom.json",
        "fs-prune/other.parameters.json",
        "fs-prune/extra.bicep",
    ];
    for m in mine {
        std::fs::write(
            out.join(m),
            "{\"$schema\": \"deploymentParameters.json\"}\n// hand-written\n",
        )
        .expect("write");
    }
    let kinds: std::collections::BTreeSet<String> =
        v.old.keys().map(|p| support::kind(p)).collect();
    let run = generate(v.path(), &["v1", "--out", "out"]);
    assert_eq!(run.code, Some(0), "{}", run.describe());
    assert!(
        run.stderr.contains("warning: stray file"),
        "{}",
        run.describe()
    );
    assert!(
        out.join("fs-prune/stale").exists(),
        "no prune without --prune"
    );

    let run = generate(v.path(), &["v1", "--out", "out", "--prune"]);
    assert_eq!(run.code, Some(0), "{}", run.describe());
    let stale_left: Vec<_> = support::files_under(&out.join("fs-prune/stale"));
    assert!(
        stale_left.is_empty(),
        "generated files not pruned: {stale_left:?}\n{}",
        run.stderr
    );
    for m in mine {
        assert!(out.join(m).exists(), "{m} was removed");
        assert!(
            run.stderr.contains(&format!("stray file out/{m}")),
            "{m} not reported: {}",
            run.stderr
        );
    }
    let pruned = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("pruned "))
        .count();
    assert_eq!(pruned, copied, "{}", run.stderr);
    println!("pruned {pruned} files of kinds {kinds:?}");
}

#[test]
fn every_generated_file_carries_the_header() {
    let v = Versions::with(&["fs-header"], 1, "legacy: [cli-v1, sdk-v1]\n");
    let out = v.path().join("ref1");
    let missing: Vec<_> = v
        .old
        .keys()
        .filter(|p| !amlpe::emit::carries_header(&out.join(p)))
        .collect();
    assert!(
        missing.is_empty(),
        "without amlpe's header (prune could never remove them): {missing:?}"
    );
}

#[test]
fn a_generated_file_edited_by_hand_is_not_overwritten() {
    let v = Versions::new(&["fs-edited"], 1);
    let out = v.reset_out();
    let script = out.join("fs-edited/deploy.sh");
    let text = std::fs::read_to_string(&script).expect("read");
    let edited = text
        .lines()
        .filter(|l| !l.contains("Generated by amlpe"))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&script, format!("{edited}\n# my change\n")).expect("write");
    let before = snapshot(&out);
    let run = generate(v.path(), &["v2", "--out", "out"]);
    assert_eq!(run.code, Some(1), "{}", run.describe());
    assert!(
        run.stderr
            .contains("refusing to overwrite out/fs-edited/deploy.sh"),
        "{}",
        run.describe()
    );
    assert_eq!(before, snapshot(&out), "nothing is written");
}
