//! The synthetic estates of `amlpe::synth`, which the benchmarks measure: they validate with
//! no diagnostic at all, and their plans grow linearly with the number of spokes. No timing
//! here: speed is measured by `cargo bench` and `scripts/bench.sh`, never in a test.

use amlpe::plan::{self, Plan};
use amlpe::{synth, validate};

fn planned(spokes: usize) -> Plan {
    let s = synth::scenario(spokes);
    let diagnostics = validate::validate(&s);
    assert!(
        diagnostics.is_empty(),
        "the synthetic scenario with {spokes} spokes has diagnostics: {:#?}",
        diagnostics
            .iter()
            .map(|d| format!("{} {}: {}", d.rule.id(), d.path, d.message))
            .collect::<Vec<_>>()
    );
    plan::build(&s, &diagnostics)
}

#[test]
fn synthetic_scenarios_validate_clean() {
    for n in [0, 1, 2, 10, 100, 1000] {
        let s = synth::scenario(n);
        assert_eq!(s.name, synth::name(n));
        assert_eq!(s.networks.len(), n + 1, "the services VNet and {n} spokes");
        assert!(validate::validate(&s).is_empty(), "{n} spokes");
    }
}

#[test]
fn synthetic_scenarios_load_like_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("synth.yaml");
    std::fs::write(&path, synth::yaml(3)).expect("write");
    let loaded = amlpe::scenario::load(&path).expect("loads");
    assert_eq!(loaded.scenario.networks.len(), 4);
    assert_eq!(loaded.scenario.networks[3].name, synth::spoke(2));
}

#[test]
fn synthetic_plans_grow_linearly_in_resources() {
    let sizes = [1, 10, 100, 1000];
    let plans: Vec<Plan> = sizes.iter().map(|&n| planned(n)).collect();
    // Every spoke adds the same resources: the counts are a + b·n exactly.
    let count = |p: &Plan| {
        (
            p.resources.len(),
            p.endpoints.len(),
            p.zones.len(),
            p.steps.len(),
        )
    };
    let (r1, e1, z1, s1) = count(&plans[0]);
    let (r10, e10, z10, s10) = count(&plans[1]);
    let per_spoke = |a: usize, b: usize| (b - a) / 9;
    let (rb, eb, zb, sb) = (
        per_spoke(r1, r10),
        per_spoke(e1, e10),
        per_spoke(z1, z10),
        per_spoke(s1, s10),
    );
    assert_eq!((r10 - r1) % 9, 0, "resources per spoke are a whole number");
    assert_eq!(eb, 5, "five endpoints per spoke");
    assert!(zb >= 5, "each spoke has its own zone set");
    for (p, &n) in plans.iter().zip(&sizes) {
        let (r, e, z, s) = count(p);
        assert_eq!(r, r1 + rb * (n - 1), "resources with {n} spokes");
        assert_eq!(e, e1 + eb * (n - 1), "endpoints with {n} spokes");
        assert_eq!(z, z1 + zb * (n - 1), "zones with {n} spokes");
        assert_eq!(s, s1 + sb * (n - 1), "steps with {n} spokes");
    }
    // References resolve: every parent, scope and dependency names a planned resource.
    let big = &plans[3];
    for r in &big.resources {
        for s in r.parent.iter().chain(&r.scope).chain(&r.depends_on) {
            assert!(big.resource(s).is_some(), "{} refers to {s}", r.symbol);
        }
        assert_eq!(
            big.resource(&r.symbol).map(|x| &x.symbol),
            Some(&r.symbol),
            "lookup by symbol"
        );
    }
}
