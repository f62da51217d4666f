//! The generated Azure CLI scripts, run for real against a fake `az` (`fake_az.py`, written into
//! a temporary folder that goes first on PATH). The fake keeps what it created in a state file
//! and refuses a create whose resource exists, whose group, parent or referenced resources do
//! not exist yet. So these tests show that deploy.sh creates exactly the plan's resources, in
//! the plan's step order, that a rerun changes nothing, that `--dry-run` calls no `az`, and that
//! the day-2 scripts do what they say and are safe to rerun too. Around that: what the
//! environment, `--subscription` and the signed-in cloud decide, and follow-up settings that a
//! rerun applies when they failed after their resource was created.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

const FAKE_AZ: &str = include_str!("fake_az.py");
const RESOURCE_GROUP_TYPE: &str = "Microsoft.Resources/resourceGroups";
const ACCOUNT: &str = "12345678-90ab-cdef-1234-567890abcdef";
const WRITES: &[&str] = &["create", "add", "update", "delete", "attach"];

fn python() -> &'static str {
    static EXE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    EXE.get_or_init(|| {
        let out = Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .expect("python3 runs (the fake az is a Python script)");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    })
}

fn out_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("out")
}

/// Every scenario folder of out/ that has a deploy.sh.
pub(super) fn scenarios() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(out_dir())
        .expect("out/ exists: run `cargo run -- generate`")
        .flatten()
        .filter(|e| e.path().join("deploy.sh").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(!names.is_empty(), "out/ holds no deploy.sh");
    names
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for e in fs::read_dir(from).expect("read_dir").flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), &target).expect("copy");
        }
    }
}

/// One az call as the fake logged it.
#[derive(Debug, Clone)]
pub(super) struct Call {
    pub(super) verb: String,
    pub(super) ty: String,
    pub(super) id: String,
    pub(super) argv: Vec<String>,
}

impl Call {
    fn from_json(v: &Value) -> Self {
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        Self {
            verb: s("verb"),
            ty: s("type"),
            id: s("id"),
            argv: v["argv"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| a.as_str().unwrap_or_default().to_string())
                .collect(),
        }
    }
    /// The values that follow `flag` in the call.
    fn values_of(&self, flag: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut on = false;
        for a in &self.argv {
            if a.starts_with("--") {
                on = a == flag;
            } else if on {
                out.push(a.as_str());
            }
        }
        out
    }
    fn write(&self) -> bool {
        WRITES.contains(&self.verb.as_str())
    }
    fn creates(&self) -> bool {
        self.verb == "create" || self.verb == "attach"
    }
    /// (type, name) of the resource the call addresses.
    fn resource(&self) -> (String, String) {
        let name = self.id.rsplit('/').next().unwrap_or_default();
        (self.ty.clone(), name.to_string())
    }
}

pub(super) struct Run {
    out: Output,
    calls: Vec<Call>,
}

impl Run {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    fn assert_ok(&self, what: &str) {
        assert!(
            self.out.status.success(),
            "{what} failed ({}):\n{}",
            self.out.status,
            self.stderr()
        );
    }
    fn writes(&self) -> Vec<&Call> {
        self.calls.iter().filter(|c| c.write()).collect()
    }
    fn created(&self) -> Vec<(String, String)> {
        self.calls
            .iter()
            .filter(|c| c.creates())
            .map(Call::resource)
            .collect()
    }
}

/// A copy of one scenario's outputs, a fake az on PATH and its state.
pub(super) struct Sandbox {
    _tmp: tempfile::TempDir,
    pub(super) dir: PathBuf,
    pub(super) bin: PathBuf,
    state: PathBuf,
    log: PathBuf,
    pub(super) plan: Value,
}

impl Sandbox {
    pub(super) fn new(scenario: &str) -> Self {
        Self::copy_of(&out_dir().join(scenario))
    }

    /// A sandbox holding a copy of a scenario's output folder.
    pub(super) fn copy_of(source: &Path) -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join(source.file_name().expect("a folder name"));
        copy_dir(source, &dir);
        let bin = tmp.path().join("bin");
        fs::create_dir_all(&bin).expect("mkdir bin");
        let az = bin.join("az");
        // The interpreter itself, not a version-manager shim: the fake runs hundreds of times.
        let fake = FAKE_AZ.replacen("#!/usr/bin/env python3", &format!("#!{} -S", python()), 1);
        fs::write(&az, fake).expect("write fake az");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&az, fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        let plan: Value =
            serde_json::from_str(&fs::read_to_string(dir.join("plan.json")).expect("plan.json"))
                .expect("plan.json parses");
        let sandbox = Self {
            state: tmp.path().join("state.json"),
            log: tmp.path().join("calls.jsonl"),
            _tmp: tmp,
            dir,
            bin,
            plan,
        };
        sandbox.seed();
        sandbox
    }

    /// The subscription the fake reports: the one existing networks live in (the scenario's
    /// endpoints go there), else a fixed one.
    fn account(&self) -> String {
        self.resources()
            .iter()
            .filter(|r| {
                r["existing"] == json!(true) && r["type"] == "Microsoft.Network/virtualNetworks"
            })
            .find_map(|r| r["subscription"].as_str().map(str::to_string))
            .unwrap_or_else(|| ACCOUNT.to_string())
    }

    fn resources(&self) -> Vec<Value> {
        self.plan["resources"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    fn resource(&self, symbol: &str) -> Value {
        self.resources()
            .into_iter()
            .find(|r| r["symbol"] == symbol)
            .unwrap_or_else(|| panic!("no resource {symbol} in the plan"))
    }

    /// The id of a plan resource, as the fake spells it.
    fn id_of(&self, r: &Value) -> String {
        let text = |k: &str| r[k].as_str().unwrap_or_default().to_string();
        if let Some(parent) = r["parent"].as_str() {
            let last = text("type")
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string();
            return format!(
                "{}/{last}/{}",
                self.id_of(&self.resource(parent)),
                text("name")
            );
        }
        let sub = r["subscription"]
            .as_str()
            .map_or_else(|| self.account(), str::to_string);
        format!(
            "/subscriptions/{sub}/resourceGroups/{}/providers/{}/{}",
            text("resource_group"),
            text("type"),
            text("name")
        )
    }

    /// Existing resources, their groups, and the groups the plan says exist: there before any
    /// script runs; the Azure CLI signed in to the scenario's cloud.
    fn seed(&self) {
        let mut resources = serde_json::Map::new();
        for r in self
            .resources()
            .iter()
            .filter(|r| r["existing"] == json!(true))
        {
            let id = self.id_of(r);
            let group = id.split('/').take(5).collect::<Vec<_>>().join("/");
            resources.insert(group.to_lowercase(), json!({ "type": RESOURCE_GROUP_TYPE }));
            resources.insert(id.to_lowercase(), json!({ "type": r["type"] }));
        }
        for g in self.plan["resource_groups"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if g["exists"] == json!(true) {
                let id = format!(
                    "/subscriptions/{}/resourceGroups/{}",
                    self.account(),
                    g["name"].as_str().unwrap_or_default()
                );
                resources.insert(id.to_lowercase(), json!({ "type": RESOURCE_GROUP_TYPE }));
            }
        }
        let state = json!({ "resources": resources, "cloud": self.plan["cloud"] });
        self.set_state(&state);
    }

    fn state(&self) -> Value {
        serde_json::from_str(&fs::read_to_string(&self.state).expect("state")).expect("state json")
    }

    fn set_state(&self, state: &Value) {
        fs::write(&self.state, serde_json::to_string(state).expect("json")).expect("write state");
    }

    fn has(&self, id: &str) -> bool {
        self.state()["resources"]
            .as_object()
            .is_some_and(|m| m.contains_key(&id.to_lowercase()))
    }

    pub(super) fn run_with(&self, script: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
        let _ = fs::remove_file(&self.log);
        let path = format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new("bash");
        cmd.arg(script)
            .args(args)
            .current_dir(&self.dir)
            .env("PATH", path)
            .env("FAKE_AZ_STATE", &self.state)
            .env("FAKE_AZ_LOG", &self.log)
            .env("FAKE_AZ_ACCOUNT", self.account())
            .env_remove("AZURE_SUBSCRIPTION_ID")
            .env_remove("FAKE_AZ_FORBID")
            .env_remove("FAKE_AZ_FAIL")
            .env_remove("FAKE_AZ_FAIL_VERB")
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("bash runs");
        let calls = fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| Call::from_json(&serde_json::from_str(l).expect("log line is JSON")))
            .collect();
        Run { out, calls }
    }

    /// Whether the script asks for confirmation (it takes `--yes`).
    fn asks(&self, script: &str) -> bool {
        fs::read_to_string(self.dir.join(script)).is_ok_and(|t| t.contains("\n    --yes) YES=1 ;;"))
    }

    /// Runs a script as automation does: a script that asks before cutting clients off gets
    /// `--yes` (the confirmation itself is tested on its own).
    fn run(&self, script: &str) -> Run {
        let args: &[&str] = if self.asks(script) { &["--yes"] } else { &[] };
        let r = self.run_with(script, args, &[]);
        r.assert_ok(script);
        r
    }

    /// `--dry-run` with an az that fails when called: no call at all, and stdout holds only
    /// az command lines. Returns what those lines address, via the fake's classifier.
    fn dry_run(&self, script: &str, args: &[&str]) -> Vec<Call> {
        classify(&self.bin.join("az"), &self.dry_run_lines(script, args))
    }

    /// The stdout of a `--dry-run` that called no az and printed only az command lines.
    pub(super) fn dry_run_lines(&self, script: &str, args: &[&str]) -> String {
        let mut all = vec!["--dry-run"];
        all.extend_from_slice(args);
        let r = self.run_with(script, &all, &[("FAKE_AZ_FORBID", "1")]);
        r.assert_ok(&format!("{script} --dry-run"));
        assert!(
            r.calls.is_empty(),
            "{script} --dry-run called az: {:?}",
            r.calls
        );
        let stdout = r.stdout();
        for line in stdout.lines() {
            assert!(
                line.starts_with("az "),
                "{script} --dry-run printed a non-command line on stdout: {line}"
            );
        }
        assert!(
            !stdout.trim().is_empty(),
            "{script} --dry-run printed no command"
        );
        stdout
    }

    /// (type, name) of every plan step, in order.
    fn step_resources(&self, keep: impl Fn(&Value) -> bool) -> Vec<(String, String)> {
        self.plan["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|s| keep(s))
            .map(|s| {
                let target = s["target"].as_str().unwrap_or_default();
                if s["kind"] == "resource-group" {
                    (RESOURCE_GROUP_TYPE.to_string(), target.to_string())
                } else {
                    let r = self.resource(target);
                    (
                        r["type"].as_str().unwrap_or_default().to_string(),
                        fake_az_name(&r),
                    )
                }
            })
            .collect()
    }

    fn endpoints(&self) -> Vec<Value> {
        self.plan["endpoints"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    fn networks_with_endpoints(&self) -> Vec<String> {
        let mut nets: Vec<String> = Vec::new();
        for e in self.endpoints() {
            let n = e["network"].as_str().unwrap_or_default().to_string();
            if !nets.contains(&n) {
                nets.push(n);
            }
        }
        nets
    }
}

/// Reads dry-run output with the fake's own parser (`shlex`), without touching any state.
fn classify(fake: &Path, stdout: &str) -> Vec<Call> {
    classify_raw(fake, stdout)
        .iter()
        .map(Call::from_json)
        .collect()
}

/// The classifier's JSON per command line (with its argv).
pub(super) fn classify_raw(fake: &Path, stdout: &str) -> Vec<Value> {
    let mut child = Command::new(python())
        .arg(fake)
        .arg("--classify")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(stdout.as_bytes()).expect("write");
    }
    let out = child.wait_with_output().expect("classify");
    assert!(
        out.status.success(),
        "dry-run output does not parse as az commands: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

fn sorted(mut v: Vec<(String, String)>) -> Vec<(String, String)> {
    v.sort();
    v
}

/// Runs `check` on every scenario, each in its own thread: the scripts call the fake az a few
/// hundred times per scenario.
fn each_scenario(check: fn(&str)) {
    std::thread::scope(|scope| {
        let handles: Vec<_> = scenarios()
            .into_iter()
            .map(|s| (s.clone(), scope.spawn(move || check(&s))))
            .collect();
        let failed: Vec<String> = handles
            .into_iter()
            .filter_map(|(s, h)| h.join().is_err().then_some(s))
            .collect();
        assert!(
            failed.is_empty(),
            "failed for: {failed:?} (see the panics above)"
        );
    });
}

/// The name the fake az gives a planned resource: its own, but for a role assignment, whose
/// name is a GUID the templates derive; the scripts grant one role per scope, and the fake
/// az names the assignment by its role.
fn fake_az_name(r: &Value) -> String {
    match r["properties"]["roleDefinitionId"]["$role"].as_str() {
        Some(role) => role.to_string(),
        None => r["name"].as_str().unwrap_or_default().to_string(),
    }
}

#[test]
fn deploy_then_day_two_scripts_against_a_fake_az() {
    each_scenario(|scenario| {
        let sb = Sandbox::new(scenario);
        deploy_follows_the_plan(&sb, scenario);
        for net in sb.networks_with_endpoints() {
            remove_then_add_endpoints(&sb, scenario, &net);
        }
        public_access_toggles_once(&sb, scenario);
    });
}

/// deploy.sh creates exactly the plan's new resources, in plan.steps order (dry-run and real
/// run alike); a second run writes nothing.
fn deploy_follows_the_plan(sb: &Sandbox, scenario: &str) {
    let expected = sb.step_resources(|_| true);
    let dry: Vec<(String, String)> = sb
        .dry_run("deploy.sh", &[])
        .iter()
        .filter(|c| c.creates())
        .map(Call::resource)
        .collect();
    assert_eq!(
        dry, expected,
        "{scenario}: deploy.sh --dry-run against plan.steps"
    );

    let first = sb.run("deploy.sh");
    assert_eq!(
        first.created(),
        expected,
        "{scenario}: deploy.sh creates against plan.steps"
    );
    // The cloud first, then the subscription (without --subscription, the signed-in one), both
    // before the first change, and both said on stderr before the first step. A plan whose
    // every resource lives in a subscription the scenario names asks for no other.
    let deploying = fs::read_to_string(sb.dir.join("deploy.sh"))
        .unwrap()
        .contains("$(az account show");
    let verbs: Vec<&str> = first.calls.iter().map(|c| c.verb.as_str()).collect();
    let want: &[&str] = if deploying {
        &["cloud", "account"]
    } else {
        &["cloud"]
    };
    assert_eq!(
        verbs[..want.len()],
        *want,
        "{scenario}: deploy.sh checks the cloud, then asks az for the subscription it deploys to"
    );
    assert_eq!(
        verbs.contains(&"account"),
        deploying,
        "{scenario}: az account show"
    );
    let stderr = first.stderr();
    let said = |text: &str| {
        stderr
            .find(text)
            .unwrap_or_else(|| panic!("{scenario}: deploy.sh says {text:?}:\n{stderr}"))
    };
    let first_step = said("[1/");
    assert!(
        said(&format!(
            "cloud: {}",
            sb.plan["cloud"].as_str().unwrap_or_default()
        )) < first_step
    );
    let account = sb.account();
    if deploying {
        assert!(
            said(&format!(
                "subscription: {account} (from the signed-in account, az account show)"
            )) < first_step
        );
    }
    let steps = expected.len();
    assert!(
        first.stderr().contains(&format!("[{steps}/{steps}] ")),
        "{scenario}: a progress line per step on stderr:\n{}",
        first.stderr()
    );

    // The same resources as the plan's (the templates are held to the plan elsewhere).
    let created: Vec<(String, String)> = first
        .created()
        .into_iter()
        .filter(|(t, _)| t != RESOURCE_GROUP_TYPE)
        .collect();
    let planned: Vec<(String, String)> = sb
        .resources()
        .iter()
        .filter(|r| r["existing"] != json!(true))
        .map(|r| {
            (
                r["type"].as_str().unwrap_or_default().to_string(),
                fake_az_name(r),
            )
        })
        .collect();
    assert_eq!(sorted(created), sorted(planned), "{scenario}: resources");
    let groups: BTreeSet<String> = first
        .created()
        .into_iter()
        .filter(|(t, _)| t == RESOURCE_GROUP_TYPE)
        .map(|(_, n)| n)
        .collect();
    let planned_groups: BTreeSet<String> = sb.plan["resource_groups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|g| g["create"] == json!(true) && g["exists"] != json!(true))
        .map(|g| g["name"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(groups, planned_groups, "{scenario}: resource groups");

    let second = sb.run("deploy.sh");
    assert!(
        second.writes().is_empty(),
        "{scenario}: a second deploy.sh wrote: {:?}",
        second.writes()
    );
}

#[test]
fn dry_run_uses_the_subscription_flag_or_the_placeholder() {
    let sb = Sandbox::new("single-endpoint");
    let placeholder = "00000000-0000-0000-0000-000000000000";
    let lines = sb.dry_run_lines("deploy.sh", &[]);
    assert!(lines.contains(&format!("--subscription {placeholder}")));
    let joined = format!("--subscription={ACCOUNT}");
    for args in [&["--subscription", ACCOUNT][..], &[joined.as_str()][..]] {
        let lines = sb.dry_run_lines("deploy.sh", args);
        assert!(
            lines.contains(&format!("--subscription {ACCOUNT}")),
            "{args:?}"
        );
        assert!(!lines.contains(placeholder), "{args:?}");
    }
    // The generic variable of CI jobs is not read; the script says so when it differs.
    let r = sb.run_with(
        "deploy.sh",
        &["--dry-run"],
        &[("AZURE_SUBSCRIPTION_ID", ACCOUNT), ("FAKE_AZ_FORBID", "1")],
    );
    r.assert_ok("deploy.sh --dry-run with AZURE_SUBSCRIPTION_ID set");
    assert!(r.calls.is_empty());
    assert!(r
        .stdout()
        .contains(&format!("--subscription {placeholder}")));
    assert!(!r.stdout().contains(ACCOUNT));
    assert!(
        r.stderr().contains("AZURE_SUBSCRIPTION_ID") && r.stderr().contains("is not read"),
        "{}",
        r.stderr()
    );
}

#[test]
fn a_failing_step_is_named_and_stops_the_script() {
    // The scenario whose first private endpoint comes soonest: the cheapest to run.
    // Among the scripts that deploy to a subscription of the caller's choice.
    let sb = scenarios()
        .iter()
        .map(|s| Sandbox::new(s))
        .filter(|sb| {
            fs::read_to_string(sb.dir.join("deploy.sh"))
                .unwrap()
                .contains("[--subscription ID]")
        })
        .min_by_key(|sb| {
            let first = sb.endpoints()[0]["symbol"].clone();
            sb.plan["steps"]
                .as_array()
                .and_then(|steps| steps.iter().position(|s| s["target"] == first))
        })
        .expect("a scenario");
    let name = sb.endpoints()[0]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let account = sb.account();
    let run = sb.run_with(
        "deploy.sh",
        &["--subscription", &account],
        &[("FAKE_AZ_FAIL", &name)],
    );
    assert!(!run.out.status.success(), "deploy.sh must fail");
    assert!(
        run.calls.iter().all(|c| c.verb != "account"),
        "--subscription is used, az is not asked"
    );
    assert!(run
        .stderr()
        .contains(&format!("subscription: {account} (from --subscription)")));
    let stderr = run.stderr();
    let failed = stderr
        .lines()
        .find(|l| l.contains("FAILED at"))
        .unwrap_or_else(|| panic!("no failure line:\n{stderr}"));
    assert!(
        failed.contains(&format!("private endpoint {name}")),
        "the failure names the step: {failed}"
    );
    let last = run.calls.last().expect("calls");
    assert!(
        last.id.contains(&name),
        "nothing ran after the failing step: {last:?}"
    );
}

/// ops/remove-… deletes exactly the VNet's endpoints, ops/add-… puts them back with their zone
/// groups (zones and links are still there); each is a no-op when rerun.
fn remove_then_add_endpoints(sb: &Sandbox, scenario: &str, net: &str) {
    let eps: Vec<Value> = sb
        .endpoints()
        .into_iter()
        .filter(|e| e["network"] == net)
        .collect();
    let ids: Vec<String> = eps
        .iter()
        .map(|e| sb.id_of(&sb.resource(e["symbol"].as_str().unwrap_or_default())))
        .collect();

    let remove = format!("ops/remove-private-endpoints-{net}.sh");
    let dry = sb.dry_run(&remove, &[]);
    assert_eq!(dry.iter().filter(|c| c.verb == "delete").count(), eps.len());
    let run = sb.run(&remove);
    let stderr = run.stderr();
    let warning = stderr
        .find("WARNING")
        .expect("the spec's warning is printed");
    assert!(
        warning < stderr.find("[1/").unwrap_or(usize::MAX),
        "warning before acting"
    );
    assert!(stderr.contains("does not make it publicly accessible"));
    let mut deleted: Vec<String> = run.writes().iter().map(|c| c.id.clone()).collect();
    deleted.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(
        deleted, want,
        "{scenario}: {remove} deletes the VNet's endpoints"
    );
    assert!(run.writes().iter().all(|c| c.verb == "delete"));
    assert!(ids.iter().all(|id| !sb.has(id)));
    assert!(
        sb.run(&remove).writes().is_empty(),
        "{scenario}: {remove} rerun"
    );

    let add = format!("ops/add-private-endpoints-{net}.sh");
    let dry = sb.dry_run(&add, &[]);
    assert!(dry.iter().filter(|c| c.creates()).count() >= eps.len());
    let run = sb.run(&add);
    assert!(
        run.stderr().contains("WARNING"),
        "{add} prints the spec's warning"
    );
    let symbols: Vec<&str> = eps
        .iter()
        .flat_map(|e| [e["symbol"].as_str(), e["zone_group"].as_str()])
        .flatten()
        .collect();
    let expected = sb.step_resources(|s| {
        s["kind"] == "resource" && symbols.contains(&s["target"].as_str().unwrap_or_default())
    });
    assert_eq!(
        run.created(),
        expected,
        "{scenario}: {add} recreates endpoints and zone groups"
    );
    assert!(ids.iter().all(|id| sb.has(id)));
    assert!(sb.run(&add).writes().is_empty(), "{scenario}: {add} rerun");
}

/// ops/enable-… and ops/disable-… update the workspace when its setting differs, print the
/// spec's warnings, and do nothing when rerun.
fn public_access_toggles_once(sb: &Sandbox, scenario: &str) {
    let ws = sb
        .resources()
        .into_iter()
        .find(|r| r["type"] == "Microsoft.MachineLearningServices/workspaces")
        .expect("a workspace");
    let ws_id = sb.id_of(&ws).to_lowercase();
    for (script, value) in [
        ("ops/enable-public-access.sh", "Enabled"),
        ("ops/disable-public-access.sh", "Disabled"),
    ] {
        let dry = sb.dry_run(script, &[]);
        assert_eq!(dry.len(), 1, "{script} --dry-run prints the update");
        let before = sb.state()["resources"][&ws_id]["public_network_access"].clone();
        let run = sb.run(script);
        assert!(
            run.stderr().contains("WARNING"),
            "{script} prints the spec's warning"
        );
        let writes = run.writes();
        let want = usize::from(before != value);
        assert_eq!(
            writes.len(),
            want,
            "{scenario}: {script} updates when needed: {writes:?}"
        );
        assert!(writes.iter().all(|w| w.verb == "update"));
        assert_eq!(
            sb.state()["resources"][&ws_id]["public_network_access"],
            value,
            "{scenario}: {script}"
        );
        assert!(
            sb.run(script).writes().is_empty(),
            "{scenario}: {script} rerun"
        );
    }
    let enable = fs::read_to_string(sb.dir.join("ops/enable-public-access.sh")).expect("read");
    for phrase in [
        "does not remove any private endpoint",
        "studio",
        "Jupyter, JupyterLab and RStudio",
    ] {
        assert!(
            enable.contains(phrase),
            "enable-public-access.sh warns: {phrase}"
        );
    }
}

#[test]
fn legacy_cli_v1_dry_runs_every_operation_without_az() {
    let mut seen = 0;
    for scenario in scenarios() {
        let sb = Sandbox::new(&scenario);
        let script = sb.dir.join("legacy/cli-v1.sh");
        if !script.exists() {
            continue;
        }
        seen += 1;
        let text = fs::read_to_string(&script).expect("read");
        assert!(
            text.contains("end of support on"),
            "headed by its end-of-support date"
        );
        for op in [
            "create",
            "add-endpoints",
            "remove-endpoints",
            "enable-public-access",
        ] {
            if text.contains(&format!("  {op}) ")) {
                sb.dry_run_lines("legacy/cli-v1.sh", &[op]);
            }
        }
    }
    assert!(seen > 0, "no scenario asks for the legacy CLI");
}

/// Every script of a scenario folder: deploy.sh, ops/*.sh, legacy/cli-v1.sh.
fn scripts_of(sb: &Sandbox) -> Vec<String> {
    let mut all = vec!["deploy.sh".to_string()];
    let mut ops: Vec<String> = fs::read_dir(sb.dir.join("ops"))
        .expect("ops/")
        .flatten()
        .map(|e| format!("ops/{}", e.file_name().to_string_lossy()))
        .collect();
    ops.sort();
    all.extend(ops);
    if sb.dir.join("legacy/cli-v1.sh").is_file() {
        all.push("legacy/cli-v1.sh".to_string());
    }
    all
}

/// The variables a script's settings block assigns (`NAME='value'` lines).
fn setting_names(script: &str) -> Vec<String> {
    let block = script
        .split("# ---- Settings")
        .nth(1)
        .and_then(|rest| rest.split("# ---- Prelude").next())
        .expect("a settings block");
    block
        .lines()
        .filter_map(|l| l.split_once('=').map(|(name, _)| name))
        .filter(|n| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
        .map(str::to_string)
        .collect()
}

/// The environment of a CI job whose own variables share the scripts' names: every setting of
/// `script`, the variables the prelude uses, and the generic subscription variable.
fn hostile_environment(sb: &Sandbox, script: &str) -> Vec<(String, String)> {
    let text = fs::read_to_string(sb.dir.join(script)).expect("read script");
    let mut env: Vec<(String, String)> = setting_names(&text)
        .into_iter()
        .chain(
            [
                "SUBSCRIPTION_ID",
                "SUBSCRIPTION_ARG",
                "DRY_RUN",
                "TAGS",
                "OPERATION",
                "STEPS",
            ]
            .map(String::from),
        )
        .map(|n| (n, "elsewhere".to_string()))
        .collect();
    env.push((
        "AZURE_SUBSCRIPTION_ID".to_string(),
        "99999999-9999-9999-9999-999999999999".to_string(),
    ));
    env
}

fn pairs(env: &[(String, String)]) -> Vec<(&str, &str)> {
    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// The argv of each call, with the temporary workspace.yml copies named alike.
fn argvs(calls: &[Call]) -> Vec<Vec<String>> {
    calls
        .iter()
        .map(|c| {
            let mut argv = c.argv.clone();
            for i in 1..argv.len() {
                if argv[i - 1] == "--file" {
                    argv[i] = "<workspace.yml copy>".to_string();
                }
            }
            argv
        })
        .collect()
}

/// Dry-run output with the temporary workspace.yml copies named alike.
fn without_copies(stdout: &str) -> String {
    stdout
        .lines()
        .map(|l| match l.split_once(" --file ") {
            Some((head, rest)) => {
                let tail = rest.split_once(' ').map_or("", |(_, t)| t);
                format!("{head} --file <workspace.yml copy> {tail}")
            }
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A CI job's `LOCATION`, `RESOURCE_GROUP`, `STORAGE_NAME`, ... change nothing: deploy.sh makes
/// exactly the calls it makes in a clean environment, in the scenario's region and groups.
#[test]
fn the_environment_changes_nothing_deploy_sh_does() {
    let scenario = "single-endpoint";
    let clean = Sandbox::new(scenario);
    let base = clean.run("deploy.sh");
    let sb = Sandbox::new(scenario);
    let env = hostile_environment(&sb, "deploy.sh");
    for name in [
        "LOCATION",
        "RESOURCE_GROUP",
        "STORAGE_NAME",
        "WORKSPACE_NAME",
    ] {
        assert!(env.iter().any(|(k, _)| k == name), "deploy.sh sets {name}");
    }
    let run = sb.run_with("deploy.sh", &[], &pairs(&env));
    run.assert_ok("deploy.sh in a hostile environment");
    assert_eq!(argvs(&run.calls), argvs(&base.calls));
    let location = sb.plan["location"].as_str().expect("location");
    let locations: Vec<&str> = run
        .calls
        .iter()
        .flat_map(|c| c.values_of("--location"))
        .collect();
    assert!(!locations.is_empty());
    assert!(
        locations.iter().all(|l| *l == location),
        "the fake az sees the scenario's region only: {locations:?}"
    );
    let groups: BTreeSet<&str> = run
        .calls
        .iter()
        .flat_map(|c| c.values_of("--resource-group"))
        .collect();
    assert_eq!(
        groups,
        BTreeSet::from([sb.plan["resource_group"].as_str().expect("group")])
    );
    assert!(run.calls.iter().all(|c| !c
        .argv
        .iter()
        .any(|a| a.contains("elsewhere") || a.contains("99999999"))));
    assert!(
        run.stderr().contains(&format!(
            "subscription: {ACCOUNT} (from the signed-in account, az account show)"
        )),
        "{}",
        run.stderr()
    );
}

/// Every script of every scenario prints the same commands whatever its environment holds.
#[test]
fn the_environment_changes_no_script() {
    for scenario in scenarios() {
        let sb = Sandbox::new(&scenario);
        for script in scripts_of(&sb) {
            let plain = sb.dry_run_lines(&script, &[]);
            let env = hostile_environment(&sb, &script);
            let mut env = pairs(&env);
            env.push(("FAKE_AZ_FORBID", "1"));
            let r = sb.run_with(&script, &["--dry-run"], &env);
            r.assert_ok(&format!(
                "{scenario}/{script} --dry-run in a hostile environment"
            ));
            assert!(r.calls.is_empty(), "{scenario}/{script} called az");
            assert_eq!(
                without_copies(&r.stdout()),
                without_copies(&plain),
                "{scenario}/{script}"
            );
        }
    }
}

/// `--subscription ID` is where deploy.sh and the day-2 scripts create and change things: no
/// `az account show`, and the subscription they use is said before the first step.
#[test]
fn the_subscription_flag_reaches_every_command() {
    let sb = Sandbox::new("single-endpoint");
    let other = "abcdef01-2345-6789-abcd-ef0123456789";
    assert_ne!(other, sb.account());
    let mut scripts = scripts_of(&sb);
    scripts.retain(|s| !s.starts_with("legacy/"));
    for script in scripts {
        let mut args = vec!["--subscription", other];
        if sb.asks(&script) {
            args.push("--yes");
        }
        let run = sb.run_with(&script, &args, &[]);
        run.assert_ok(&format!("{script} --subscription"));
        assert!(
            run.calls.iter().all(|c| c.verb != "account"),
            "{script}: az is not asked for the subscription"
        );
        let subs: BTreeSet<&str> = run
            .calls
            .iter()
            .flat_map(|c| c.values_of("--subscription"))
            .collect();
        assert_eq!(subs, BTreeSet::from([other]), "{script}");
        for c in &run.calls {
            for a in c.argv.iter().filter(|a| a.contains("/subscriptions/")) {
                assert!(
                    a.matches("/subscriptions/").count()
                        == a.matches(&format!("/subscriptions/{other}/")).count(),
                    "{script}: {a}"
                );
            }
        }
        let stderr = run.stderr();
        let said = stderr
            .find(&format!("subscription: {other} (from --subscription)"))
            .unwrap_or_else(|| panic!("{script} names the subscription:\n{stderr}"));
        assert!(said < stderr.find("[1/").expect("a step"), "{script}");
    }
    assert!(sb.state()["resources"]
        .as_object()
        .expect("resources")
        .keys()
        .all(|id| id.starts_with(&format!("/subscriptions/{other}/"))));
}

/// A bad `--subscription` stops a script before it calls az, with the reason; a script that
/// takes no subscription refuses the flag.
#[test]
fn a_bad_subscription_is_refused_before_any_az_call() {
    for scenario in scenarios() {
        let sb = Sandbox::new(&scenario);
        for script in scripts_of(&sb) {
            let text = fs::read_to_string(sb.dir.join(&script)).expect("read");
            let takes_it = text.contains("[--subscription ID]");
            let cases: Vec<(Vec<&str>, &str)> = if takes_it {
                vec![
                    (vec!["--subscription", "not-a-guid"], "not 'not-a-guid'"),
                    (vec!["--subscription=1234"], "not '1234'"),
                    (vec!["--subscription", ""], "not ''"),
                    (
                        vec!["--subscription", &ACCOUNT[1..]],
                        "takes a subscription id",
                    ),
                    (
                        vec!["--subscription"],
                        "--subscription needs a subscription id",
                    ),
                ]
            } else {
                vec![(
                    vec!["--subscription", ACCOUNT],
                    "unknown argument: --subscription",
                )]
            };
            for (args, message) in cases {
                let r = sb.run_with(&script, &args, &[("FAKE_AZ_FORBID", "1")]);
                assert_eq!(r.out.status.code(), Some(2), "{scenario}/{script} {args:?}");
                assert!(r.calls.is_empty(), "{scenario}/{script} {args:?} called az");
                assert!(
                    r.stderr().contains(message),
                    "{scenario}/{script} {args:?}: {}",
                    r.stderr()
                );
                assert!(r.stdout().is_empty(), "{scenario}/{script} {args:?}");
            }
        }
    }
}

/// Signed in to another cloud than the scenario's, every script stops at once, says which
/// cloud it found and how to sign in to the right one, and changes nothing.
#[test]
fn every_script_stops_when_signed_in_to_another_cloud() {
    for scenario in scenarios() {
        let sb = Sandbox::new(&scenario);
        let cloud = sb.plan["cloud"].as_str().expect("cloud").to_string();
        let wrong = if cloud == "AzureCloud" {
            "AzureChinaCloud"
        } else {
            "AzureCloud"
        };
        let mut state = sb.state();
        state["cloud"] = json!(wrong);
        sb.set_state(&state);
        for script in scripts_of(&sb) {
            let r = sb.run_with(&script, &[], &[]);
            assert!(!r.out.status.success(), "{scenario}/{script} went on");
            let verbs: Vec<&str> = r.calls.iter().map(|c| c.verb.as_str()).collect();
            assert_eq!(
                verbs,
                ["cloud"],
                "{scenario}/{script}: nothing after the check"
            );
            let stderr = r.stderr();
            for text in [
                format!("signed in to cloud {wrong}"),
                format!("deploys to {cloud}"),
                format!("az cloud set --name {cloud}"),
                "az login".to_string(),
            ] {
                assert!(
                    stderr.contains(&text),
                    "{scenario}/{script}: {text}\n{stderr}"
                );
            }
            assert!(!stderr.contains("[1/"), "{scenario}/{script}: {stderr}");
        }
        assert_eq!(sb.state(), state, "{scenario}: the state is untouched");

        // Signed in to the scenario's cloud, the same script goes on.
        state["cloud"] = json!(cloud);
        sb.set_state(&state);
        let net = sb.networks_with_endpoints().remove(0);
        let script = format!("ops/remove-private-endpoints-{net}.sh");
        let r = sb.run(&script);
        assert_eq!(r.calls[0].verb, "cloud", "{scenario}/{script}");
        assert!(
            r.stderr().contains(&format!("cloud: {cloud}")),
            "{scenario}/{script}"
        );
    }
}

/// The storage account is created and the update that follows fails: the rerun skips the
/// create and applies the update; the next rerun changes nothing.
#[test]
fn a_follow_up_that_failed_after_its_create_is_applied_by_the_rerun() {
    let sb = Sandbox::new("single-endpoint");
    let storage = sb
        .resources()
        .into_iter()
        .find(|r| r["type"] == "Microsoft.Storage/storageAccounts")
        .expect("a storage account");
    let name = storage["name"].as_str().expect("name").to_string();
    let id = sb.id_of(&storage).to_lowercase();
    let failed = sb.run_with(
        "deploy.sh",
        &[],
        &[("FAKE_AZ_FAIL", &name), ("FAKE_AZ_FAIL_VERB", "update")],
    );
    assert!(!failed.out.status.success());
    assert!(failed
        .stderr()
        .contains(&format!("storage account {name} (exit 1)")));
    assert!(sb.has(&id), "the create went through");
    assert!(sb.state()["resources"][&id]["properties"].is_null());

    let rerun = sb.run("deploy.sh");
    let first = rerun.writes()[0].clone();
    assert_eq!(
        (first.verb.as_str(), first.id.to_lowercase()),
        ("update", id.clone())
    );
    assert!(!rerun.created().iter().any(|(_, n)| *n == name));
    assert_eq!(
        sb.state()["resources"][&id]["properties"]["defaultToOAuthAuthentication"],
        storage["properties"]["defaultToOAuthAuthentication"]
    );
    assert!(sb.run("deploy.sh").writes().is_empty());
}

/// Resources that exist without their follow-up settings get exactly those updates on a
/// rerun, with the plan's values; a drifted setting gets its resource's update alone; a fully
/// applied state gets nothing.
#[test]
fn a_rerun_applies_exactly_the_missing_follow_ups() {
    let sb = Sandbox::new("single-endpoint");
    sb.run("deploy.sh");
    let of_type = |ty: &str| {
        sb.resources()
            .into_iter()
            .find(|r| r["type"] == ty)
            .unwrap_or_else(|| panic!("a {ty}"))
    };
    let storage = of_type("Microsoft.Storage/storageAccounts");
    let registry = of_type("Microsoft.ContainerRegistry/registries");
    let (sid, rid) = (
        sb.id_of(&storage).to_lowercase(),
        sb.id_of(&registry).to_lowercase(),
    );
    let mut state = sb.state();
    for id in [&sid, &rid] {
        state["resources"][id]
            .as_object_mut()
            .expect("created")
            .remove("properties");
    }
    sb.set_state(&state);

    let rerun = sb.run("deploy.sh");
    let updated: Vec<(String, String)> = rerun
        .writes()
        .iter()
        .map(|c| (c.verb.clone(), c.id.to_lowercase()))
        .collect();
    assert_eq!(
        updated,
        [
            ("update".to_string(), sid.clone()),
            ("update".to_string(), rid.clone())
        ]
    );
    let state = sb.state();
    let (s, r) = (
        &state["resources"][&sid]["properties"],
        &state["resources"][&rid]["properties"],
    );
    assert_eq!(
        s["defaultToOAuthAuthentication"],
        storage["properties"]["defaultToOAuthAuthentication"]
    );
    assert_eq!(
        r["anonymousPullEnabled"],
        registry["properties"]["anonymousPullEnabled"]
    );
    assert_eq!(
        r["policies"]["retentionPolicy"],
        registry["properties"]["policies"]["retentionPolicy"]
    );

    let mut drifted = state.clone();
    drifted["resources"][&rid]["properties"]["policies"]["retentionPolicy"]["status"] =
        json!("disabled");
    sb.set_state(&drifted);
    let rerun = sb.run("deploy.sh");
    let updated: Vec<String> = rerun.writes().iter().map(|c| c.id.to_lowercase()).collect();
    assert_eq!(updated, [rid]);
    assert_eq!(sb.state(), state);
    assert!(sb.run("deploy.sh").writes().is_empty());
}

/// A sandbox of the scripts amlpe renders for scenario `yaml` (written as `<name>.yaml` in
/// `tmp`; out/ does not hold it), with their workspace.yml and plan.json.
pub(super) fn rendered(tmp: &Path, name: &str, yaml: &str) -> Sandbox {
    let file = tmp.join(format!("{name}.yaml"));
    fs::write(&file, yaml).expect("write");
    let checked = amlpe::check(&file, false);
    let Some(plan) = checked.plan.as_ref() else {
        panic!("the scenario is valid:\n{}", checked.render_diagnostics());
    };
    let ctx = amlpe::render::Context::new(&format!("{name}.yaml"));
    let dir = tmp.join(name);
    for (path, contents) in amlpe::render::cli::render(
        &amlpe::render::Templates::builtin().expect("templates load"),
        plan,
        &ctx,
    )
    .expect("renders")
    {
        amlpe::emit::write_atomic(&dir.join(path), contents.as_bytes()).expect("write");
    }
    fs::write(
        dir.join("plan.json"),
        serde_json::to_string(plan).expect("json"),
    )
    .expect("write");
    Sandbox::copy_of(&dir)
}

/// A scenario whose free-text values try to break out of every quoting the outputs use.
pub(super) const HOSTILE: &str = r#"
name: hostile-values
description: "It's \"quoted\", $(touch MARK/description) `touch MARK/backtick`; ${HOME} \\ end"
location: eastus2
resource_group: rg-hostile
tags:
  owner: "O'Brien $(touch MARK/tag) `touch MARK/tag-backtick` \"q\" ${HOME}"
  "cost center": "a b"
workspace:
  name: mlw-hostile
  public_network_access: Enabled
  image_build_compute: cpu-cluster
  storage_account: { name: sthostile }
  key_vault: { name: kv-hostile }
  container_registry: { name: crhostile }
  application_insights: { name: appi-hostile }
networks:
  - name: vnet-h
    address_space: [10.50.0.0/16, 10.51.0.0/16]
    subnets:
      - { name: snet-pe, prefix: 10.50.1.0/24 }
      - { name: snet-ci, prefix: 10.50.2.0/24 }
      - { name: snet-aks, prefix: 10.51.0.0/20 }
    endpoints:
      subnet: snet-pe
      targets: [workspace, storage-blob, storage-file, key-vault, container-registry]
      approval: manual
  - name: vnet-spoke
    existing: /subscriptions/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke
    address_space: [10.60.0.0/16]
    subnets:
      - { name: snet-pe }
    endpoints:
      subnet: snet-pe
      targets: [workspace, storage-blob, storage-file, key-vault, container-registry]
    dns:
      zones: existing
      link: true
      zone_ids:
        - /subscriptions/99999999-8888-7777-6666-555555555555/resourceGroups/rg-hub-dns/providers/Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms
        - /subscriptions/99999999-8888-7777-6666-555555555555/resourceGroups/rg-hub-dns/providers/Microsoft.Network/privateDnsZones/privatelink.notebooks.azure.net
        - /subscriptions/99999999-8888-7777-6666-555555555555/resourceGroups/rg-hub-dns/providers/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net
        - /subscriptions/99999999-8888-7777-6666-555555555555/resourceGroups/rg-hub-dns/providers/Microsoft.Network/privateDnsZones/privatelink.file.core.windows.net
        - /subscriptions/99999999-8888-7777-6666-555555555555/resourceGroups/rg-hub-dns/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net
        - /subscriptions/99999999-8888-7777-6666-555555555555/resourceGroups/rg-hub-dns/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io
computes:
  - { name: cpu-cluster, kind: cluster, vm_size: Standard_DS3_v2, network: vnet-h, subnet: snet-ci }
  - { name: ci-hostile, kind: instance, vm_size: Standard_DS3_v2, network: vnet-h, subnet: snet-ci }
kubernetes:
  - { name: aks-h, network: vnet-h, subnet: snet-aks, vm_size: Standard_D4s_v5, attach_as: aks }
legacy: [cli-v1, sdk-v1]
"#;

/// Scenario values reach the scripts as data: nothing in them runs, the tags arrive at az
/// verbatim. The scenario also covers what the committed ones do not: a compute instance,
/// manual approval, two address prefixes, the legacy AKS attach, tags that need the shorthand
/// syntax, and links to existing zones in another subscription.
#[test]
fn hostile_values_stay_data_and_the_rest_of_the_cli_surface_runs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let marks = tmp.path().join("marks");
    fs::create_dir_all(&marks).expect("mkdir");
    let sb = rendered(
        tmp.path(),
        "hostile-values",
        &HOSTILE.replace("MARK", &marks.display().to_string()),
    );
    let tags = |calls: &[Value]| -> Vec<String> {
        calls
            .iter()
            .filter_map(|c| c["argv"].as_array())
            .filter_map(|argv| {
                let at = argv.iter().position(|a| a == "--tags")?;
                Some(argv[at + 1].as_str().unwrap_or_default().to_string())
            })
            .collect()
    };
    let dry = classify_raw(&sb.bin.join("az"), &sb.dry_run_lines("deploy.sh", &[]));
    let owner = tags(&dry);
    assert!(!owner.is_empty());
    let want = format!(
        "owner=O'Brien $(touch {m}/tag) `touch {m}/tag-backtick` \"q\" ${{HOME}}",
        m = marks.display()
    );
    // `key=value` words, or the shorthand syntax of the network, DNS and Log Analytics
    // commands, which quotes the value: either way the tag comes back exact.
    let (key, value) = want.split_once('=').expect("a tag");
    assert!(
        owner.iter().all(|t| *t == want
            || super::hostile::shorthand_tag(t) == Some((key.to_string(), value.to_string()))),
        "{owner:?}"
    );

    deploy_follows_the_plan(&sb, "hostile-values");
    for net in sb.networks_with_endpoints() {
        remove_then_add_endpoints(&sb, "hostile-values", &net);
    }
    public_access_toggles_once(&sb, "hostile-values");
    for op in [
        "create",
        "add-endpoints",
        "remove-endpoints",
        "enable-public-access",
    ] {
        sb.dry_run_lines("legacy/cli-v1.sh", &[op]);
    }
    let py = Command::new(python())
        .args(["-m", "py_compile"])
        .arg(sb.dir.join("legacy/sdk-v1.py"))
        .output()
        .expect("python3 runs");
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let ran: Vec<_> = fs::read_dir(&marks).expect("marks").flatten().collect();
    assert!(ran.is_empty(), "a scenario value ran as code: {ran:?}");
}

/// A new workspace whose computes sit in an existing VNet of a named subscription must be
/// deployed there: deploy.sh refuses any other subscription before it changes anything.
#[test]
fn deploy_refuses_a_subscription_other_than_the_computes_vnets() {
    let sb = Sandbox::new("hub-dns-existing-zones");
    let vnet_sub = sb.plan["compute_subscription"]
        .as_str()
        .expect("the plan names the computes' subscription")
        .to_string();
    assert_ne!(vnet_sub, ACCOUNT);
    let run = sb.run_with("deploy.sh", &["--subscription", ACCOUNT], &[]);
    assert!(!run.out.status.success(), "deploy.sh must refuse");
    assert!(run.writes().is_empty(), "no change: {:?}", run.writes());
    assert!(
        run.stderr()
            .contains(&format!("pass --subscription {vnet_sub}")),
        "{}",
        run.stderr()
    );
    let ok = sb.run_with("deploy.sh", &["--subscription", &vnet_sub], &[]);
    ok.assert_ok("deploy.sh in the computes' subscription");
}

/// The scripts that cut clients off (removing endpoints, turning public access off) say what
/// they will do and ask first: without a terminal and without `--yes` they refuse and change
/// nothing; on a terminal they go ahead on "y" only; `--yes` goes ahead without asking.
#[test]
fn destructive_scripts_ask_before_they_act() {
    let sb = Sandbox::new("single-endpoint");
    let net = sb.networks_with_endpoints().remove(0);
    let destructive = [
        format!("ops/remove-private-endpoints-{net}.sh"),
        "ops/disable-public-access.sh".to_string(),
    ];
    // Deployed, with public access on, so that turning it off is a change.
    sb.run("deploy.sh");
    sb.run("ops/enable-public-access.sh");
    for script in &destructive {
        assert!(sb.asks(script), "{script} takes --yes");
        let refused = sb.run_with(script, &[], &[]);
        assert!(!refused.out.status.success(), "{script} without a terminal");
        assert!(
            refused.writes().is_empty(),
            "{script}: {:?}",
            refused.writes()
        );
        assert!(
            refused.stderr().contains("will "),
            "{script} says what it will do"
        );
        assert!(
            refused.stderr().contains("pass --yes"),
            "{}",
            refused.stderr()
        );
    }
    for script in [
        "ops/enable-public-access.sh",
        &format!("ops/add-private-endpoints-{net}.sh"),
    ] {
        assert!(
            !sb.asks(script),
            "{script} does not cut anyone off and does not ask"
        );
    }
    if !super::support::has_tool("script") {
        return;
    }
    // On a terminal (util-linux `script` gives the run one): "n" stops, "y" goes ahead.
    let on_terminal = |script: &str, answer: &str| {
        let _ = fs::remove_file(&sb.log);
        let path = format!(
            "{}:{}",
            sb.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut child = Command::new("script")
            .args(["-qec", &format!("bash {script}"), "/dev/null"])
            .current_dir(&sb.dir)
            .env("PATH", path)
            .env("FAKE_AZ_STATE", &sb.state)
            .env("FAKE_AZ_LOG", &sb.log)
            .env("FAKE_AZ_ACCOUNT", sb.account())
            .env_remove("FAKE_AZ_FORBID")
            .env_remove("FAKE_AZ_FAIL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("script");
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(answer.as_bytes())
            .expect("answer");
        let out = child.wait_with_output().expect("wait");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let script = "ops/disable-public-access.sh";
    let (ok, text) = on_terminal(script, "n\n");
    assert!(!ok && text.contains("Go ahead? [y/N]"), "{text}");
    assert!(text.contains("stopped: nothing changed"), "{text}");
    let (ok, text) = on_terminal(script, "y\n");
    assert!(ok, "{text}");
    assert!(text.contains("public network access Disabled"), "{text}");
}
