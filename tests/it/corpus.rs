//! No bad input crashes, hangs or eats memory. Every file of the invalid corpus runs through
//! `amlpe validate` under a hang guard (killed after 10 s, which fails the test); the slowest
//! is printed. Inputs too large to commit are made here, in a temporary folder: a 100 MB
//! file (refused by size before it is read), `/dev/zero` (which reports size 0 and never
//! ends) and a file just under the size limit holding the most values the reader allows.
//!
//! Exact diagnostics are `diagnostics.rs`'s business; this file checks exit codes, that no
//! run panics, and the resources each run takes. Timing beyond the hang guard is benchmarked
//! elsewhere.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::support::{self, Run};

const HANG_GUARD: Duration = Duration::from_secs(10);

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("corpus folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e != "expected"))
        .collect();
    v.sort();
    v
}

fn validate(path: &Path) -> Run {
    support::run_guarded(support::amlpe().arg("validate").arg(path), HANG_GUARD)
}

fn assert_clean_refusal(what: &str, run: &Run) {
    assert_eq!(run.code, Some(1), "{what}: {}", run.describe());
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("RUST_BACKTRACE"),
        "{what} panicked: {}",
        run.describe()
    );
    assert!(run.stderr.contains("error["), "{what}: {}", run.describe());
}

#[test]
fn every_bad_input_is_refused_promptly_without_a_panic() {
    let files = corpus();
    assert!(files.len() >= 60, "the corpus has {} files", files.len());
    let mut slowest = (Duration::ZERO, PathBuf::new());
    for f in &files {
        let run = validate(f);
        assert_clean_refusal(&f.display().to_string(), &run);
        if run.elapsed > slowest.0 {
            slowest = (run.elapsed, f.clone());
        }
    }
    println!(
        "{} corpus files; slowest {:?} ({})",
        files.len(),
        slowest.0,
        slowest.1.file_name().unwrap_or_default().to_string_lossy()
    );
}

/// Peak resident memory of a child in KiB, through `/usr/bin/time` when it is installed.
fn peak_kib(args: &[&Path]) -> Option<(u64, Run)> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        return None;
    }
    let mut cmd = Command::new(time);
    cmd.arg("-f")
        .arg("peak-kib=%M")
        .arg(env!("CARGO_BIN_EXE_amlpe"));
    cmd.args(args);
    let run = support::run_guarded(&mut cmd, HANG_GUARD);
    let kib = run
        .stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("peak-kib="))
        .and_then(|n| n.trim().parse().ok())?;
    Some((kib, run))
}

#[test]
fn a_100_mb_file_is_refused_by_size_before_it_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("big.yaml");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&big).expect("create"));
        writeln!(f, "name: big\nnetworks:").expect("write");
        let line = "  - { name: vnet-padding, address_space: [10.0.0.0/16] }\n";
        let mut written = 0;
        while written < 100 * 1024 * 1024 {
            f.write_all(line.as_bytes()).expect("write");
            written += line.len();
        }
    }
    let run = validate(&big);
    assert_clean_refusal("100 MB", &run);
    assert!(
        run.stderr
            .contains("scenario files are limited to 4194304 bytes"),
        "{}",
        run.describe()
    );
    println!("100 MB file refused in {:?}", run.elapsed);
    match peak_kib(&[Path::new("validate"), &big]) {
        Some((kib, run)) => {
            println!("peak memory of the 100 MB case: {kib} KiB");
            assert_eq!(run.code, Some(1), "{}", run.describe());
            // Reading the file would take at least 100 MiB.
            assert!(kib < 32 * 1024, "peak memory {kib} KiB");
        }
        None => println!("note: /usr/bin/time is not installed; peak memory not measured"),
    }
}

#[test]
fn an_endless_file_is_cut_at_the_size_limit() {
    let zero = Path::new("/dev/zero");
    if !zero.exists() {
        println!("skipped: no /dev/zero");
        return;
    }
    let run = validate(zero);
    assert_clean_refusal("/dev/zero", &run);
    assert!(
        run.stderr
            .contains("holds more than 4194304 bytes; scenario files are limited"),
        "{}",
        run.describe()
    );
    if let Some((kib, _)) = peak_kib(&[Path::new("validate"), zero]) {
        println!("peak memory reading /dev/zero: {kib} KiB");
        assert!(kib < 64 * 1024, "peak memory {kib} KiB");
    }
}

#[test]
fn a_file_of_many_values_is_refused_promptly() {
    // 50 000 values in 850 KB: a reader that walks the text once per value (as one did)
    // takes minutes here; a linear one takes well under a second, even unoptimised.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("many.yaml");
    let values = vec!["1111111111111111"; 50_000].join(",");
    let text =
        format!("name: many\nlocation: eastus2\nresource_group: rg\ndescription: [{values}]\n");
    assert!(text.len() < 4 * 1024 * 1024);
    std::fs::write(&path, text).expect("write");
    let run = validate(&path);
    assert_clean_refusal("many values", &run);
    assert!(
        run.stderr
            .contains("`description` must be a string, not a list"),
        "{}",
        run.describe()
    );
    println!("50 000 values refused in {:?}", run.elapsed);
}
