//! Prints the synthetic scenario of `amlpe::synth` with N spoke VNets (default 1000), for
//! `scripts/bench.sh`: `cargo run --release --example synth -- 1000 > /tmp/synth-1000.yaml`.

use std::io::Write as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let arg = std::env::args().nth(1);
    let spokes = match arg.as_deref().map(str::parse::<usize>) {
        None => 1000,
        Some(Ok(n)) if n <= amlpe::synth::MAX_SPOKES => n,
        _ => {
            eprintln!(
                "usage: synth [SPOKES]   (0 to {}; default 1000)",
                amlpe::synth::MAX_SPOKES
            );
            return ExitCode::from(2);
        }
    };
    let text = amlpe::synth::yaml(spokes);
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    ExitCode::SUCCESS
}
