//! A fuzz loop over load + validate + plan + render that runs on the stable toolchain: proptest
//! generates mutations of the shipped scenarios, at the byte level (bit flips, truncation,
//! insertions of syntax and of random Unicode, deleted ranges) and at the structure level
//! (lines duplicated, so keys repeat; lines deleted or swapped; values replaced by values of
//! other types; keys deleted, added and retyped in the parsed document).
//!
//! Every input must be answered without a panic or a hang: either with diagnostics, each
//! with a location in the file, or with a plan that renders. A failing input is shrunk,
//! saved under the system's temp folder and printed.
//!
//! `cargo test` runs it for 3 seconds with a fixed seed. For a long run:
//!
//! ```sh
//! AMLPE_FUZZ_SECS=600 cargo test --release --test it fuzz -- --nocapture
//! ```
//!
//! A long run picks a random seed and prints it; `AMLPE_FUZZ_SEED=<n>` replays one.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;

/// Text that means something to one of the parsers or to amlpe's rules.
const TOKENS: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    ":",
    ": ",
    ",",
    "- ",
    "\n",
    "\n  ",
    "\t",
    "'",
    "\"",
    "\\",
    "&a ",
    "*a",
    "!!binary ",
    "---\n",
    "...\n",
    "? ",
    "|\n",
    ">-\n",
    "#",
    "~",
    "null",
    "true",
    "-1",
    "4294967296",
    "1e999",
    "0x1F",
    ".inf",
    "10.0.0.0/8",
    "/33",
    "::1",
    "$(id)",
    "${x}",
    "[concat('a')]",
    "\u{202E}",
    "\u{200B}",
    "\u{FEFF}",
    "\u{0}",
    "\u{1B}[2J",
    "\u{85}",
    "é",
    "𝔘",
    "\u{FFFD}",
    "workspace",
    "storage-blob",
    "existing",
    "zones: existing",
];

/// Replacement values of every type.
const VALUES: &[&str] = &[
    "[]",
    "{}",
    "~",
    "-1",
    "0",
    "1e999",
    "true",
    "\"\"",
    "'x'",
    "[[[[",
    "{a: 1}",
    "[1, [2]]",
    "*missing",
    "&anchor value",
    "!!str 1",
    "vnet-a",
    "snet-pe",
    "cpu-cluster",
    "eastus2",
    "AzureUSGovernment",
    "manual",
    "none",
    "existing",
    "/subscriptions/x",
];

#[derive(Debug, Clone)]
enum Mutation {
    FlipBit(Index, u8),
    Truncate(Index),
    InsertToken(Index, Index),
    InsertText(Index, String),
    DeleteRange(Index, u8),
    DuplicateLine(Index),
    DeleteLine(Index),
    SwapLines(Index, Index),
    ReplaceValue(Index, Index),
    Structure(Index, u8, Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), any::<Index>()).prop_map(|(i, t)| Mutation::InsertToken(i, t)),
        (any::<Index>(), "\\PC{1,8}|.{1,4}").prop_map(|(i, s)| Mutation::InsertText(i, s)),
        (any::<Index>(), 1u8..64).prop_map(|(i, n)| Mutation::DeleteRange(i, n)),
        any::<Index>().prop_map(Mutation::DuplicateLine),
        any::<Index>().prop_map(Mutation::DeleteLine),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (any::<Index>(), any::<Index>()).prop_map(|(l, v)| Mutation::ReplaceValue(l, v)),
        (any::<Index>(), 0u8..4, any::<Index>())
            .prop_map(|(n, op, v)| Mutation::Structure(n, op, v)),
    ]
}

/// (seed scenario, as JSON?, mutations)
type Input = (Index, bool, Vec<Mutation>);

fn input() -> impl Strategy<Value = Input> {
    (
        any::<Index>(),
        any::<bool>(),
        proptest::collection::vec(mutation(), 1..5),
    )
}

fn seeds() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("scenarios")
        .flatten()
        .map(|e| e.path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("read"))
        .collect()
}

fn floor(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Applies `f` to the `n`th node of a JSON document in a depth-first walk.
fn at_node(v: &mut Value, n: &mut usize, f: &mut dyn FnMut(&mut Value)) -> bool {
    if *n == 0 {
        f(v);
        return true;
    }
    *n -= 1;
    match v {
        Value::Object(m) => m.values_mut().any(|x| at_node(x, n, f)),
        Value::Array(a) => a.iter_mut().any(|x| at_node(x, n, f)),
        _ => false,
    }
}

fn count(v: &Value) -> usize {
    1 + match v {
        Value::Object(m) => m.values().map(count).sum(),
        Value::Array(a) => a.iter().map(count).sum(),
        _ => 0,
    }
}

fn structure(doc: &mut Value, node: &Index, op: u8, value: &Index) {
    let mut n = node.index(count(doc));
    let replacement = || {
        let v = VALUES[value.index(VALUES.len())];
        amlpe::source::parse_text(&format!("x: {v}\n"), false)
            .map(|(v, _)| v["x"].clone())
            .unwrap_or(Value::Null)
    };
    at_node(doc, &mut n, &mut |target| match (op, target) {
        (0, Value::Object(m)) if !m.is_empty() => {
            let k = m
                .keys()
                .nth(value.index(m.len()))
                .cloned()
                .unwrap_or_default();
            m.shift_remove(&k);
        }
        (0, Value::Array(a)) if !a.is_empty() => {
            a.remove(value.index(a.len()));
        }
        (1, Value::Object(m)) => {
            let keys = [
                "name",
                "existing",
                "subnets",
                "endpoints",
                "dns",
                "zones",
                "cloud",
                "extra",
            ];
            m.insert(keys[value.index(keys.len())].to_string(), replacement());
        }
        (1, Value::Array(a)) => {
            let copy = a.first().cloned().unwrap_or(Value::Null);
            a.push(copy);
        }
        (_, t) => *t = replacement(),
    });
}

fn mutate(seed: &str, as_json: bool, muts: &[Mutation]) -> Vec<u8> {
    let mut text = seed.to_string();
    if as_json {
        if let Ok((v, _)) = amlpe::source::parse_text(seed, false) {
            text = serde_json::to_string_pretty(&v).unwrap_or_default();
        }
    }
    let mut bytes: Option<Vec<u8>> = None;
    for m in muts {
        if let Some(b) = &mut bytes {
            // After a bit flip the text may not be UTF-8: only byte edits apply.
            match m {
                Mutation::FlipBit(i, bit) if !b.is_empty() => {
                    let at = i.index(b.len());
                    b[at] ^= 1 << bit;
                }
                Mutation::Truncate(i) => b.truncate(i.index(b.len() + 1)),
                _ => {}
            }
            continue;
        }
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let n = lines.len().max(1);
        match m {
            Mutation::FlipBit(i, bit) => {
                let mut b = text.clone().into_bytes();
                if !b.is_empty() {
                    let at = i.index(b.len());
                    b[at] ^= 1 << bit;
                }
                bytes = Some(b);
            }
            Mutation::Truncate(i) => text.truncate(floor(&text, i.index(text.len() + 1))),
            Mutation::InsertToken(i, t) => {
                let at = floor(&text, i.index(text.len() + 1));
                text.insert_str(at, TOKENS[t.index(TOKENS.len())]);
            }
            Mutation::InsertText(i, s) => {
                let at = floor(&text, i.index(text.len() + 1));
                text.insert_str(at, s);
            }
            Mutation::DeleteRange(i, len) => {
                let a = floor(&text, i.index(text.len() + 1));
                let b = floor(&text, a + usize::from(*len));
                text.replace_range(a..b, "");
            }
            Mutation::DuplicateLine(i) => {
                let k = i.index(n);
                let mut l: Vec<String> = lines.iter().map(|x| x.to_string()).collect();
                if let Some(x) = l.get(k).cloned() {
                    l.insert(k, x);
                }
                text = l.concat();
            }
            Mutation::DeleteLine(i) => {
                let k = i.index(n);
                text = lines
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != k)
                    .map(|(_, x)| *x)
                    .collect();
            }
            Mutation::SwapLines(a, b) => {
                let mut l: Vec<&str> = lines.clone();
                if !l.is_empty() {
                    l.swap(a.index(n), b.index(n));
                }
                text = l.concat();
            }
            Mutation::ReplaceValue(i, v) => {
                let k = i.index(n);
                let mut l: Vec<String> = lines.iter().map(|x| x.to_string()).collect();
                if let Some(line) = l.get_mut(k) {
                    if let Some(colon) = line.find(": ") {
                        let nl = if line.ends_with('\n') { "\n" } else { "" };
                        *line = format!(
                            "{}{}{nl}",
                            &line[..colon + 2],
                            VALUES[v.index(VALUES.len())]
                        );
                    }
                }
                text = l.concat();
            }
            Mutation::Structure(node, op, value) => {
                if let Ok((mut v, _)) = amlpe::source::parse_text(&text, false) {
                    structure(&mut v, node, *op, value);
                    text = serde_json::to_string_pretty(&v).unwrap_or_default();
                }
            }
        }
    }
    bytes.unwrap_or_else(|| text.into_bytes())
}

/// What went wrong with one input, if anything; counts the inputs refused with diagnostics.
fn run_one(path: &Path, refused: &mut u64) -> Option<String> {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let checked = amlpe::check(path, false);
        if checked.errors() > 0 {
            *refused += 1;
        }
        let _ = checked.render_diagnostics();
        let unlocated: Vec<String> = checked
            .diagnostics
            .iter()
            .filter(|d| !d.span.is_some_and(|s| s.line >= 1 && s.col >= 1))
            .map(|d| format!("{} {}: {}", d.rule.id(), d.path, d.message))
            .collect();
        if !unlocated.is_empty() {
            return Some(format!("diagnostics without a location: {unlocated:?}"));
        }
        match (&checked.plan, checked.errors()) {
            (Some(plan), 0) => {
                let ctx = amlpe::render::Context::new("fuzz");
                amlpe::render::render_scenario(
                    &amlpe::render::Templates::builtin().expect("templates load"),
                    plan,
                    &ctx,
                )
                .err()
                .map(|e| format!("a valid scenario does not render: {e}"))
            }
            (None, 0) => Some("no errors and no plan".to_string()),
            _ => None,
        }
    }));
    match result {
        Ok(problem) => problem,
        Err(panic) => Some(format!(
            "panic: {}",
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        )),
    }
}

#[test]
fn mutated_scenarios_never_panic_hang_or_fail_without_a_location() {
    let secs: u64 = std::env::var("AMLPE_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let long = std::env::var_os("AMLPE_FUZZ_SECS").is_some();
    let seed: u64 = std::env::var("AMLPE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            if long {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            } else {
                1
            }
        });
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &key);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let seeds = seeds();
    let dir = tempfile::tempdir().expect("tempdir");

    // Hang guard: an input that takes longer than 10 s aborts the run with its file kept.
    let started = Arc::new(AtomicU64::new(u64::MAX));
    let clock = Instant::now();
    let current = Arc::new(std::sync::Mutex::new(PathBuf::new()));
    {
        let (started, current) = (Arc::clone(&started), Arc::clone(&current));
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(200));
            let s = started.load(Ordering::SeqCst);
            if s != u64::MAX && clock.elapsed().as_millis() as u64 > s + 10_000 {
                let p = current.lock().map(|p| p.clone()).unwrap_or_default();
                let keep = std::env::temp_dir().join("amlpe-fuzz-hang.input");
                let _ = std::fs::copy(&p, &keep);
                eprintln!(
                    "fuzz: an input ran for more than 10 s; kept in {}",
                    keep.display()
                );
                std::process::abort();
            }
        });
    }

    let strategy = input();
    let deadline = Instant::now() + Duration::from_secs(secs);
    let (mut runs, mut refused) = (0u64, 0u64);
    let mut slowest = Duration::ZERO;
    while Instant::now() < deadline {
        let mut tree = strategy.new_tree(&mut runner).expect("a value");
        let write = |(seed, as_json, muts): &Input| -> PathBuf {
            let ext = if *as_json { "json" } else { "yaml" };
            let p = dir.path().join(format!("input.{ext}"));
            let s = &seeds[seed.index(seeds.len())];
            std::fs::write(&p, mutate(s, *as_json, muts)).expect("write");
            p
        };
        let mut test = |value: &Input| -> Option<String> {
            let p = write(value);
            if let Ok(mut c) = current.lock() {
                c.clone_from(&p);
            }
            started.store(clock.elapsed().as_millis() as u64, Ordering::SeqCst);
            let t = Instant::now();
            let r = run_one(&p, &mut refused);
            started.store(u64::MAX, Ordering::SeqCst);
            slowest = slowest.max(t.elapsed());
            r
        };
        runs += 1;
        let Some(mut problem) = test(&tree.current()) else {
            continue;
        };
        // Shrink to a smaller input that still fails.
        let mut last = tree.current();
        let mut steps = 0;
        while steps < 256 && tree.simplify() {
            steps += 1;
            match test(&tree.current()) {
                Some(p) => {
                    problem = p;
                    last = tree.current();
                }
                None => {
                    if !tree.complicate() {
                        break;
                    }
                }
            }
        }
        let p = write(&last);
        let keep = std::env::temp_dir().join(format!(
            "amlpe-fuzz-failure.{}",
            p.extension().and_then(|e| e.to_str()).unwrap_or("yaml")
        ));
        std::fs::copy(&p, &keep).expect("keep the input");
        panic!(
            "fuzz (seed {seed}) after {runs} inputs: {problem}\ninput kept in {}:\n{}",
            keep.display(),
            String::from_utf8_lossy(&std::fs::read(&p).unwrap_or_default())
        );
    }
    let rate = runs as f64 / secs.max(1) as f64;
    println!(
        "fuzz: seed {seed}, {runs} inputs in {secs} s ({rate:.0}/s), {refused} refused with diagnostics, slowest {slowest:?}"
    );
    assert!(runs > 0);
}
