//! Benchmarks of every pipeline stage, separately, on the synthetic estates of `amlpe::synth`
//! (one workspace, N spoke VNets, N in 1, 10, 100, 1000), and of the whole in-process
//! `generate` of the shipped scenarios.
//!
//! `cargo bench --bench generate` runs them all; `cargo bench --bench generate -- plan/` one
//! stage. Whole-process timings and peak memory are `scripts/bench.sh`'s; the figures and
//! their floors are in BENCHMARKS.md.
//!
//! Stages: `load` (read and parse the YAML file into the model), `validate`, `plan`, `render`
//! (every renderer, i.e. whatever `render_scenario` produces today), `write` (emit into a
//! fresh temporary folder) and `check` (emit in check mode over an up-to-date folder, what
//! `amlpe generate --check` does in a pre-commit hook).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};

use amlpe::emit::{self, Mode, OutFile, Owned};
use amlpe::plan::Plan;
use amlpe::render::{self, Context};
use amlpe::scenario::{self, Scenario};
use amlpe::{plan, synth, validate};

const SIZES: [usize; 4] = [1, 10, 100, 1000];

/// Everything one synthetic estate needs, computed once outside the timed loops.
struct Estate {
    spokes: usize,
    _dir: tempfile::TempDir,
    file: PathBuf,
    scenario: Scenario,
    plan: Plan,
    ctx: Context,
    /// The rendered files, or why there are none (a renderer may be mid-change).
    files: Result<Vec<OutFile>, String>,
    owned: Owned,
}

fn estate(spokes: usize) -> Estate {
    let dir = tempfile::tempdir().expect("temporary folder");
    let file = dir.path().join(format!("{}.yaml", synth::name(spokes)));
    std::fs::write(&file, synth::yaml(spokes)).expect("write the synthetic scenario");
    let loaded = scenario::load(&file).expect("the synthetic scenario loads");
    let diagnostics = validate::validate(&loaded.scenario);
    assert!(
        diagnostics.is_empty(),
        "the synthetic scenario with {spokes} spokes must validate clean: {:?}",
        diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
    let plan = plan::build(&loaded.scenario, &diagnostics);
    let ctx = Context::new(&file.display().to_string());
    let files = render::render_scenario(
        &render::Templates::builtin().expect("templates load"),
        &plan,
        &ctx,
    )
    .map_err(|e| e.to_string());
    let owned = Owned {
        dirs: vec![PathBuf::from(&plan.scenario)],
        top_level: false,
    };
    Estate {
        spokes,
        _dir: dir,
        file,
        scenario: loaded.scenario,
        plan,
        ctx,
        files,
        owned,
    }
}

fn stages(c: &mut Criterion) {
    let estates: Vec<Estate> = SIZES.iter().map(|&n| estate(n)).collect();

    let mut g = c.benchmark_group("load");
    for e in &estates {
        configure(&mut g, e.spokes);
        let bytes = std::fs::metadata(&e.file).map_or(0, |m| m.len());
        g.throughput(Throughput::Bytes(bytes));
        g.bench_with_input(BenchmarkId::from_parameter(e.spokes), e, |b, e| {
            b.iter(|| scenario::load(black_box(&e.file)).expect("loads"));
        });
    }
    g.finish();

    let mut g = c.benchmark_group("validate");
    for e in &estates {
        configure(&mut g, e.spokes);
        g.bench_with_input(BenchmarkId::from_parameter(e.spokes), e, |b, e| {
            b.iter(|| validate::validate(black_box(&e.scenario)));
        });
    }
    g.finish();

    let mut g = c.benchmark_group("plan");
    for e in &estates {
        configure(&mut g, e.spokes);
        g.throughput(Throughput::Elements(e.plan.resources.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(e.spokes), e, |b, e| {
            b.iter(|| plan::build(black_box(&e.scenario), &[]));
        });
    }
    g.finish();

    let mut g = c.benchmark_group("render");
    for e in &estates {
        let Some(files) = usable(e, "render") else {
            continue;
        };
        configure(&mut g, e.spokes);
        g.throughput(Throughput::Bytes(out_bytes(files)));
        g.bench_with_input(BenchmarkId::from_parameter(e.spokes), e, |b, e| {
            b.iter(|| {
                render::render_scenario(
                    &render::Templates::builtin().expect("templates load"),
                    black_box(&e.plan),
                    &e.ctx,
                )
                .expect("renders")
            });
        });
    }
    g.finish();

    let mut g = c.benchmark_group("write");
    for e in &estates {
        let Some(files) = usable(e, "write") else {
            continue;
        };
        let probe = tempfile::tempdir().expect("temporary folder");
        if let Err(err) = emit::emit(probe.path(), files, &e.owned, Mode::Write, false) {
            eprintln!("skipping write/{}: {err}", e.spokes);
            continue;
        }
        configure(&mut g, e.spokes);
        g.throughput(Throughput::Bytes(out_bytes(files)));
        g.bench_with_input(BenchmarkId::from_parameter(e.spokes), files, |b, files| {
            // A fresh folder each time, so every file is new and written; the folder is
            // returned so that removing it is not timed.
            b.iter_batched(
                || tempfile::tempdir().expect("temporary folder"),
                |out| {
                    emit::emit(out.path(), files, &e.owned, Mode::Write, false).expect("writes");
                    out
                },
                BatchSize::PerIteration,
            );
        });
    }
    g.finish();

    let mut g = c.benchmark_group("check");
    for e in &estates {
        let Some(files) = usable(e, "check") else {
            continue;
        };
        let out = tempfile::tempdir().expect("temporary folder");
        if let Err(err) = emit::emit(out.path(), files, &e.owned, Mode::Write, false) {
            eprintln!("skipping check/{}: {err}", e.spokes);
            continue;
        }
        configure(&mut g, e.spokes);
        g.throughput(Throughput::Bytes(out_bytes(files)));
        g.bench_with_input(BenchmarkId::from_parameter(e.spokes), files, |b, files| {
            b.iter(|| {
                let r =
                    emit::emit(out.path(), files, &e.owned, Mode::Check, false).expect("checks");
                assert!(!r.drift(), "the folder was written by the same files");
                r
            });
        });
    }
    g.finish();
}

/// The estate's rendered files, or `None` after saying why its stage is skipped.
fn usable<'e>(e: &'e Estate, stage: &str) -> Option<&'e [OutFile]> {
    match &e.files {
        Ok(files) => Some(files),
        Err(err) => {
            eprintln!("skipping {stage}/{}: rendering fails: {err}", e.spokes);
            None
        }
    }
}

/// Fewer, longer samples for the big estates, so a full run stays within minutes.
fn configure(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, n: usize) {
    if n >= 100 {
        g.sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(5));
    } else {
        g.sample_size(30)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
    }
}

fn out_bytes(files: &[OutFile]) -> u64 {
    files.iter().map(|f| f.contents.len() as u64).sum()
}

/// What `amlpe generate` does for the shipped scenarios, in process and through the same
/// functions: load, validate and plan every file of scenarios/ (on every core), then render
/// every part and write it into a fresh folder (`amlpe::write_outputs`).
fn generate_shipped(out: &Path) -> usize {
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let inputs = amlpe::collect_inputs(&[scenarios]).expect("scenarios/ holds scenarios");
    let plans: Vec<(Plan, Context)> = inputs
        .iter()
        .map(|path| {
            let checked = amlpe::check(path, false);
            let ctx = Context::new(&checked.source.display_path());
            (checked.plan.expect("every shipped scenario plans"), ctx)
        })
        .collect();
    let report = amlpe::write_outputs(
        &render::Templates::builtin().expect("templates load"),
        &plans,
        true,
        out,
        Mode::Write,
        false,
    )
    .expect("writes");
    report.files.len()
}

fn shipped(c: &mut Criterion) {
    let mut g = c.benchmark_group("generate");
    g.sample_size(20).measurement_time(Duration::from_secs(5));
    g.bench_function("shipped", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("temporary folder"),
            |out| {
                black_box(generate_shipped(out.path()));
                out
            },
            BatchSize::PerIteration,
        );
    });
    g.finish();
}

criterion_group!(benches, stages, shipped);
criterion_main!(benches);
