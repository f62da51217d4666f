//! Free text is data in every output. Three valid scenarios (a new workspace with registry,
//! AKS and legacy dialects; one without a registry whose description is an ARM expression
//! from end to end; endpoints for an existing workspace) whose description and tags (names
//! and values) carry shell, Bicep, ARM, YAML, Markdown, Python and template syntax are
//! generated, and every file is then read back by a real parser of its language:
//!
//! - `*.sh`: `bash -n`; then run with `--dry-run` (with an `az` on PATH that records any call)
//!   and the printed commands are sourced by bash with `az` as a function recording argv: no
//!   `CANARY` file may appear anywhere, every argument that carries a hostile value carries
//!   it whole, and `--tags` gives the scenario's tags back exactly (as `key=value`, or in the
//!   CLI's shorthand syntax, where `'/` is a quote inside `'...'`).
//! - `*.json`: parses; in ARM templates no expression holds hostile text outside its string
//!   literals, and a value starting with `[` is written `[[`.
//! - `*.bicep`, `*.bicepparam`: parse with tree-sitter-bicep; hostile text occurs only inside
//!   string literals (decoded to the exact value) or comments, never in code or an
//!   interpolation.
//! - `*.yml`, `*.yaml`: parse with amlpe's own reader; the values come back exact.
//! - `*.md`: no raw HTML or heading from a value outside code; table rows keep their column
//!   count; the `sh` blocks are sourced like the scripts' output.
//! - `*.py`: Python's tokenizer puts hostile text only in strings and comments.
//!
//! Files are checked by extension, so a new output kind is covered the day it lands; an
//! extension this test does not know fails it, so that someone decides how to check it.
//! `AMLPE_KEEP_OUT=1` keeps the generated files and prints where; `AMLPE_HOSTILE_OUT=DIR`
//! writes them under `DIR/out` (CI then runs `scripts/validate-out.sh` on them too).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{json, Value};

use super::support::{self, BicepPiece};

/// Values that are code in one of the output languages.
const HOSTILE: &[&str] = &[
    "$(touch CANARY)",
    "`touch CANARY`",
    "'; touch CANARY; '",
    "\"; touch CANARY; echo \"",
    "${subscription().id}",
    "[concat('a')]",
    "\"quoted\"",
    "</script><b>",
    "|table|",
    "# heading",
    "'''; touch CANARY; '''",
    "*/ touch CANARY /*",
    "back\\slash \\' \\\" \\n \\$(touch CANARY)",
    "{{ 7*7 }} {% raw %} ${{ x }}",
    "%PATH% $HOME !! --> ]]>",
    "naïve – 日本語 🚀",
    "שלום עולם – مرحبا بالعالم (right to left)",
    "[click](https://example.invalid/x) ![img](x)",
];

/// Tag names are free text too (Azure forbids only `<>%&\?/` in them; amlpe refuses `=`
/// and a leading `-`, which the Azure CLI's `--tags` cannot carry). A name may be one of the
/// plan's own forms (`$ref`), start with `$` or be an ARM expression.
const HOSTILE_KEYS: &[&str] = &[
    "k$(touch CANARY)`touch CANARY`",
    "[concat('k')]",
    "k'\";|#{{x}}",
    "$ref",
    "$(touch CANARY)",
];

/// Pieces of the hostile values that must never be found in code.
const FRAGMENTS: &[&str] = &[
    "CANARY",
    "${subscription()",
    "concat('a')",
    "concat('k')",
    "</script>",
    "<b>",
    "|table|",
    "# heading",
    "7*7",
    "%PATH%",
];

/// The hostile values as tag values. amlpe creates private DNS zones here, and a zone takes
/// at most 15 tags (E017): with the hostile names, the empty value and the longest tag, the
/// rest. The last values, which are
/// code wherever they stand, ride after the first ones; the others, some of which are code
/// only as a whole value (`[concat('a')]`, `# heading`), stand alone.
const TAG_VALUES: usize = 15 - HOSTILE_KEYS.len() - 2;

fn tag_values() -> Vec<String> {
    let mut v: Vec<String> = HOSTILE[..TAG_VALUES]
        .iter()
        .map(|s| (*s).to_string())
        .collect();
    for (i, extra) in HOSTILE[TAG_VALUES..].iter().enumerate() {
        let i = i % TAG_VALUES;
        v[i] = format!("{} {extra}", v[i]);
    }
    v
}

fn tags() -> BTreeMap<String, String> {
    let mut t: BTreeMap<String, String> = tag_values()
        .into_iter()
        .enumerate()
        .map(|(i, v)| (format!("h{i:02}"), v))
        .collect();
    for (i, k) in HOSTILE_KEYS.iter().enumerate() {
        t.insert((*k).to_string(), format!("key-{i}"));
    }
    // The shorthand syntax refuses an empty value written bare.
    t.insert("empty".to_string(), String::new());
    // The longest name a storage account takes (128) with the longest value (256), both
    // ending in what would close a quote.
    t.insert(
        format!("{}'", "n".repeat(127)),
        format!("{}\"", "v'".repeat(127) + "$"),
    );
    t
}

/// Two scenarios: one with every value joined into its description, one whose description is
/// an ARM expression from end to end.
fn scenarios() -> Vec<(String, Value)> {
    // A description of several lines, each a hostile value, some of which start a list, a
    // heading or a quote in Markdown.
    let joined = format!(
        "# heading\n- item\n1. first\n\n> quote\n{}\n",
        HOSTILE.join("\n")
    );
    let make = |name: &str, description: &str| {
        json!({
            "$schema": "$(touch CANARY)",
            "name": name,
            "description": description,
            "location": "eastus2",
            "resource_group": "rg-hostile",
            "tags": tags(),
            "workspace": {
                "name": "mlw-hostile",
                "image_build_compute": "cpu-cluster",
                "storage_account": { "name": format!("st{}", name.replace('-', "")) },
                "key_vault": { "name": "kv-hostile" },
                "container_registry": { "name": "crhostile" },
                "application_insights": { "name": "appi-hostile" }
            },
            "networks": [
                {
                    "name": "vnet-hub",
                    "address_space": ["10.40.0.0/16"],
                    "subnets": [
                        { "name": "snet-pe", "prefix": "10.40.1.0/24" },
                        { "name": "snet-compute", "prefix": "10.40.2.0/24" },
                        { "name": "snet-aks", "prefix": "10.40.16.0/20" }
                    ],
                    "endpoints": {
                        "subnet": "snet-pe",
                        "targets": ["workspace", "storage-blob", "storage-file", "key-vault", "container-registry"]
                    }
                },
                {
                    "name": "vnet-clients",
                    "address_space": ["10.41.0.0/16"],
                    "subnets": [{ "name": "snet-pe", "prefix": "10.41.1.0/24" }],
                    "endpoints": {
                        "subnet": "snet-pe",
                        "targets": ["workspace", "storage-blob", "storage-file", "key-vault", "container-registry"],
                        "approval": "manual"
                    },
                    "dns": { "zones": "create", "resource_group": "rg-hostile-clients-dns" }
                }
            ],
            "computes": [
                { "name": "cpu-cluster", "kind": "cluster", "vm_size": "Standard_DS3_v2", "network": "vnet-hub", "subnet": "snet-compute" }
            ],
            "kubernetes": [
                { "name": "aks-hostile", "network": "vnet-hub", "subnet": "snet-aks", "vm_size": "Standard_D4s_v5" }
            ],
            "legacy": ["cli-v1", "sdk-v1"]
        })
    };
    // The second has no registry (and so no registry endpoints), for the other code paths.
    let mut bracket = make("hostile-bracket", "[concat('a')]");
    if let Some(ws) = bracket["workspace"].as_object_mut() {
        ws.remove("container_registry");
    }
    for n in bracket["networks"].as_array_mut().into_iter().flatten() {
        if let Some(t) = n["endpoints"]["targets"].as_array_mut() {
            t.retain(|x| x != "container-registry");
        }
    }
    // The third adds endpoints to an existing workspace, whose dependencies exist too.
    let mut existing = make("hostile-existing", &joined);
    let sub =
        "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-shared/providers";
    existing["workspace"] = json!({
        "existing": format!("{sub}/Microsoft.MachineLearningServices/workspaces/mlw-shared"),
        "storage_account": { "existing": format!("{sub}/Microsoft.Storage/storageAccounts/stshared") },
        "key_vault": { "existing": format!("{sub}/Microsoft.KeyVault/vaults/kv-shared") },
        "container_registry": { "existing": format!("{sub}/Microsoft.ContainerRegistry/registries/crshared") }
    });
    if let Some(o) = existing.as_object_mut() {
        o.remove("computes");
        o.remove("kubernetes");
    }
    vec![
        ("hostile-joined".into(), make("hostile-joined", &joined)),
        ("hostile-bracket".into(), bracket),
        ("hostile-existing".into(), existing),
    ]
}

/// The scenarios' hostile strings: the descriptions, tag values and tag names.
fn all_values() -> Vec<String> {
    let mut v: Vec<String> = scenarios()
        .iter()
        .map(|(_, s)| s["description"].as_str().unwrap_or_default().to_string())
        .collect();
    v.extend(HOSTILE.iter().map(|s| s.to_string()));
    v.extend(HOSTILE_KEYS.iter().map(|s| s.to_string()));
    v
}

/// A sandbox to run scripts in: its own HOME and working folder, and a `bin/` holding an
/// `az` that records each call and answers nothing.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("work")).expect("mkdir");
        let az = bin.join("az");
        std::fs::write(
            &az,
            "#!/bin/sh\nprintf '%s\\037' \"$@\" >> \"$AZ_LOG\"\nprintf '\\036' >> \"$AZ_LOG\"\nexit 0\n",
        )
        .expect("write az");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        let touch = ["/usr/bin/touch", "/bin/touch"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("touch is installed");
        #[cfg(unix)]
        std::os::unix::fs::symlink(touch, bin.join("touch")).expect("symlink");
        Self { dir }
    }
    fn bin(&self) -> PathBuf {
        self.dir.path().join("bin")
    }
    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }
    fn az_log(&self) -> PathBuf {
        self.dir.path().join("az.log")
    }
    fn az_calls(&self) -> Vec<Vec<String>> {
        let text = std::fs::read_to_string(self.az_log()).unwrap_or_default();
        text.split('\u{1e}')
            .filter(|c| !c.is_empty())
            .map(|c| {
                c.split('\u{1f}')
                    .filter(|a| !a.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .collect()
    }
    fn clear_log(&self) {
        let _ = std::fs::remove_file(self.az_log());
    }
    fn bash(&self, path_env: &str) -> Command {
        // Found through the test's PATH: the child's PATH may not hold it.
        let bash = std::env::var_os("PATH")
            .into_iter()
            .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .map(|d| d.join("bash"))
            .find(|b| b.is_file())
            .unwrap_or_else(|| PathBuf::from("/bin/bash"));
        let mut c = Command::new(bash);
        c.current_dir(self.work())
            .env_clear()
            .env("PATH", path_env)
            .env("HOME", self.dir.path())
            .env("AZ_LOG", self.az_log())
            .env("LC_ALL", "C.UTF-8");
        c
    }
}

/// Every file called CANARY under the given folders.
fn canaries(dirs: &[&Path]) -> Vec<PathBuf> {
    dirs.iter()
        .flat_map(|d| {
            support::files_under(d)
                .into_iter()
                .filter(|f| f.to_string_lossy().contains("CANARY"))
                .map(|f| d.join(f))
        })
        .collect()
}

/// Sources `commands` (shell text) with `az` as a function that records its arguments;
/// returns the recorded calls.
fn source_with_az_function(sb: &Sandbox, commands: &str, path_env: &str) -> Vec<Vec<String>> {
    sb.clear_log();
    let file = sb.dir.path().join("commands.sh");
    std::fs::write(&file, commands).expect("write");
    let script = format!(
        "az() {{ printf '%s\\037' \"$@\" >> \"$AZ_LOG\"; printf '\\036' >> \"$AZ_LOG\"; }}\nsource {}\n",
        sh_word(&file.to_string_lossy())
    );
    let run = support::run_guarded(
        sb.bash(path_env).arg("-c").arg(script),
        Duration::from_secs(30),
    );
    assert!(
        !run.stderr.contains("syntax error"),
        "sourcing the commands failed:\n{}\n{commands}",
        run.describe()
    );
    sb.az_calls()
}

/// `s` as one single-quoted shell word.
fn sh_word(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// One word of the Azure CLI's shorthand syntax (`--tags` of AAZ commands): `'...'` with `'/`
/// for a quote, or plain text up to `stop`. Returns the word and the rest.
fn shorthand_word(s: &str, stop: Option<char>) -> (String, &str) {
    let Some(quoted) = s.strip_prefix('\'') else {
        let end = stop.and_then(|c| s.find(c)).unwrap_or(s.len());
        return (s[..end].to_string(), &s[end..]);
    };
    let mut out = String::new();
    let mut chars = quoted.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if chars.peek().map(|(_, n)| *n) == Some('/') {
                chars.next();
                out.push('\'');
                continue;
            }
            return (out, &quoted[i + 1..]);
        }
        out.push(c);
    }
    (out, "")
}

/// A `key=value` tag argument in shorthand syntax, decoded.
pub(super) fn shorthand_tag(arg: &str) -> Option<(String, String)> {
    let (key, rest) = shorthand_word(arg, Some('='));
    let rest = rest.strip_prefix('=')?;
    let (value, tail) = shorthand_word(rest, None);
    tail.is_empty().then_some((key, value))
}

/// Every argument that carries part of a hostile value carries a whole one (after decoding
/// the shorthand syntax of `--tags`), and tags passed on the command line come back exact.
fn check_arguments(what: &str, calls: &[Vec<String>], problems: &mut Vec<String>) {
    let values = all_values();
    let want = tags();
    for call in calls {
        let mut in_tags = false;
        // Plain `key=value` (most commands) or shorthand syntax (AAZ commands): the test
        // cannot know which a command takes, so either decoding must give the tags back.
        let mut plain: BTreeMap<String, String> = BTreeMap::new();
        let mut short: BTreeMap<String, String> = BTreeMap::new();
        for arg in call {
            if arg.starts_with("--") {
                in_tags = arg == "--tags";
                continue;
            }
            let mut candidates = vec![arg.clone()];
            if in_tags {
                if let Some((k, v)) = arg.split_once('=') {
                    candidates.extend([k.to_string(), v.to_string()]);
                    plain.insert(k.to_string(), v.to_string());
                }
                if let Some((k, v)) = shorthand_tag(arg) {
                    candidates.extend([k.clone(), v.clone()]);
                    short.insert(k, v);
                }
            }
            let whole = |c: &String| values.iter().any(|v| c.contains(v.as_str()));
            if FRAGMENTS.iter().any(|f| arg.contains(f)) && !candidates.iter().any(whole) {
                problems.push(format!(
                    "{what}: argument `{arg}` holds a mangled hostile value (call: {call:?})"
                ));
            }
        }
        if plain.contains_key("h00") && plain != want && short != want {
            problems.push(format!(
                "{what}: --tags decodes to neither the scenario's tags (plain: {plain:?}; shorthand: {short:?}; call: {call:?})"
            ));
        }
    }
}

fn check_sh(rel: &Path, full: &Path, out: &Path, sb: &Sandbox, problems: &mut Vec<String>) {
    if let Err(e) = support::bash_syntax(full) {
        problems.push(format!("{}: bash -n: {e}", rel.display()));
        return;
    }
    sb.clear_log();
    let path_env = format!("{}:/usr/local/bin:/usr/bin:/bin", sb.bin().display());
    let run = support::run_guarded(
        sb.bash(&path_env).arg(full).arg("--dry-run"),
        Duration::from_secs(60),
    );
    if run.code != Some(0) {
        problems.push(format!(
            "{}: --dry-run failed: {}",
            rel.display(),
            run.describe()
        ));
    }
    let calls = sb.az_calls();
    if !calls.is_empty() {
        problems.push(format!(
            "{}: --dry-run called az {} time(s), first: {:?}",
            rel.display(),
            calls.len(),
            calls[0]
        ));
    }
    let printed = source_with_az_function(sb, &run.stdout, &path_env);
    check_arguments(
        &format!("{} --dry-run output", rel.display()),
        &printed,
        problems,
    );
    let found = canaries(&[sb.dir.path(), out]);
    if !found.is_empty() {
        problems.push(format!("{}: a hostile value ran: {found:?}", rel.display()));
    }
}

fn check_json(rel: &Path, text: &str, problems: &mut Vec<String>) {
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            problems.push(format!("{}: not JSON: {e}", rel.display()));
            return;
        }
    };
    // Property names are never evaluated (ARM builds dynamic names with createObject), so
    // they are data as written; string values are where expressions live.
    let mut strings = Vec::new();
    json_values(&v, &mut strings);
    let mut keys = Vec::new();
    support::json_strings(&v, &mut keys);
    keys.retain(|k| !strings.contains(k));
    let schema = v["$schema"].as_str().unwrap_or_default();
    // deploymentTemplate.json, subscriptionDeploymentTemplate.json, ...
    let template = schema
        .to_ascii_lowercase()
        .contains("deploymenttemplate.json");
    let mut data = Vec::new();
    for s in &strings {
        if template && support::is_arm_expression(s) {
            let (code, literals) = support::arm_expression_code(&s[1..s.len() - 1]);
            if let Some(f) = FRAGMENTS.iter().find(|f| code.contains(**f)) {
                problems.push(format!(
                    "{}: ARM expression runs hostile text `{f}`: {s}",
                    rel.display()
                ));
            }
            // A literal holding JSON (`[json('...')]`) is data: its strings are checked.
            for l in &literals {
                if let Ok(v @ Value::Object(_)) = serde_json::from_str::<Value>(l) {
                    support::json_strings(&v, &mut data);
                }
            }
            data.extend(literals);
        } else if template && s.starts_with("[[") && s.ends_with(']') {
            data.push(s[1..].to_string());
        } else {
            data.push(s.clone());
        }
    }
    data.extend(keys.iter().cloned());
    let values = &strings;
    for s in values {
        if template
            && HOSTILE
                .iter()
                .chain(HOSTILE_KEYS)
                .any(|h| support::is_arm_expression(h) && s == h)
        {
            problems.push(format!(
                "{}: `{s}` starts with `[` and is not escaped as `[[`",
                rel.display()
            ));
        }
    }

    if schema
        .to_ascii_lowercase()
        .contains("deploymentparameters.json")
    {
        // Parameter values are not expressions; either spelling is reported, neither fails.
        for s in &strings {
            if s.starts_with("[[") {
                println!(
                    "note: {} writes `{s}`: a parameter file value with a doubled bracket",
                    rel.display()
                );
            }
        }
        let unescaped: Vec<String> = data
            .iter()
            .map(|s| {
                s.strip_prefix('[')
                    .filter(|r| r.starts_with('['))
                    .unwrap_or(s)
                    .to_string()
            })
            .collect();
        data.extend(unescaped);
    }
    check_round_trip(rel, &data, problems);
}

/// Every string value (not key) in a JSON value.
fn json_values(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| json_values(x, out)),
        Value::Object(m) => m.values().for_each(|x| json_values(x, out)),
        _ => {}
    }
}

/// A file's decoded data: every string holding part of a hostile value holds a whole one;
/// where the tags are (an exact tag value is found), every tag value and name comes back
/// exact.
fn check_round_trip(rel: &Path, data: &[String], problems: &mut Vec<String>) {
    let values = all_values();
    for d in data {
        if FRAGMENTS.iter().any(|f| d.contains(f)) && !values.iter().any(|v| d.contains(v.as_str()))
        {
            problems.push(format!("{}: mangled hostile text in `{d}`", rel.display()));
        }
    }
    let has = |want: &str| data.iter().any(|d| d == want);
    let tag_values = tag_values();
    if has(&tag_values[0]) {
        for v in tag_values.iter().filter(|v| !has(v)) {
            problems.push(format!(
                "{}: the tag value `{v}` does not come back exact",
                rel.display()
            ));
        }
    }
    if has("key-0") {
        for k in HOSTILE_KEYS.iter().filter(|k| !has(k)) {
            problems.push(format!(
                "{}: the tag name `{k}` does not come back exact",
                rel.display()
            ));
        }
    }
}

fn check_bicep(rel: &Path, text: &str, problems: &mut Vec<String>) {
    let owned;
    let text = if support::kind(rel) == "bicepparam" {
        owned = support::bicepparam_as_bicep(text);
        owned.as_str()
    } else {
        text
    };
    let parsed = match support::parse_bicep(text) {
        Ok(p) => p,
        Err(e) => {
            problems.push(format!("{}: {e}", rel.display()));
            return;
        }
    };
    let mut data = Vec::new();
    for piece in parsed.pieces(text) {
        match piece {
            BicepPiece::Str(s) => data.push(s),
            BicepPiece::Comment(c) => {
                if c.starts_with("//") && c.contains('\n') {
                    problems.push(format!(
                        "{}: a line comment spans lines: {c}",
                        rel.display()
                    ));
                }
            }
            BicepPiece::Code(c) => {
                if let Some(f) = FRAGMENTS.iter().find(|f| c.contains(**f)) {
                    problems.push(format!(
                        "{}: hostile text `{f}` is code: {c}",
                        rel.display()
                    ));
                }
            }
        }
    }
    check_round_trip(rel, &data, problems);
}

fn check_yaml(rel: &Path, text: &str, problems: &mut Vec<String>) {
    match amlpe::source::parse_text(text, false) {
        Ok((v, _)) => {
            let mut data = Vec::new();
            support::json_strings(&v, &mut data);
            check_round_trip(rel, &data, problems);
        }
        Err(d) => problems.push(format!("{}: not YAML: {}", rel.display(), d.message)),
    }
}

fn check_python(rel: &Path, full: &Path, problems: &mut Vec<String>) {
    if !support::has_tool("python3") {
        println!(
            "note: python3 is not installed; {} is not tokenized",
            rel.display()
        );
        return;
    }
    // Prints every token whose text holds a fragment, with its type; only strings and
    // comments may.
    let script = r#"
import sys, tokenize, json
frags = json.loads(sys.argv[2])
with open(sys.argv[1], 'rb') as f:
    for tok in tokenize.tokenize(f.readline):
        name = tokenize.tok_name[tok.type]
        if any(x in tok.string for x in frags) and name not in ('STRING', 'COMMENT', 'FSTRING_MIDDLE', 'ENCODING'):
            print(name, repr(tok.string))
import ast
ast.parse(open(sys.argv[1], encoding='utf-8').read())
"#;
    let o = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(full)
        .arg(serde_json::to_string(FRAGMENTS).unwrap_or_default())
        .output()
        .expect("python3 runs");
    if !o.status.success() || !o.stdout.is_empty() {
        problems.push(format!(
            "{}: python sees hostile text as code:\n{}{}",
            rel.display(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ));
    }
}

fn check_markdown(rel: &Path, text: &str, sb: &Sandbox, out: &Path, problems: &mut Vec<String>) {
    let mut fence: Option<String> = None;
    let mut blocks: Vec<(String, String)> = Vec::new();
    let mut table_cols: Option<usize> = None;
    for (n, line) in text.lines().enumerate() {
        let at = format!("{}:{}", rel.display(), n + 1);
        let trimmed = line.trim_start();
        if let Some(info) = trimmed
            .strip_prefix("```")
            .or_else(|| trimmed.strip_prefix("~~~"))
        {
            match fence.take() {
                Some(_) => {}
                None => {
                    fence = Some(info.trim().to_string());
                    blocks.push((info.trim().to_string(), String::new()));
                }
            }
            continue;
        }
        if let Some(lang) = &fence {
            if let Some((_, body)) = blocks.last_mut() {
                body.push_str(line);
                body.push('\n');
            }
            if lang == "mermaid"
                && ["\"quoted\"", "</script>", "<b>"]
                    .iter()
                    .any(|f| line.contains(f))
            {
                problems.push(format!(
                    "{at}: raw quote or markup in a Mermaid label: {line}"
                ));
            }
            continue;
        }
        // Outside code: no raw tag and no heading made of a value.
        let prose = support::without_code_spans(line);
        for f in ["</script>", "<b>", "[click](", "![img]("] {
            if unescaped(&prose, f) {
                problems.push(format!("{at}: raw `{f}` from a value: {line}"));
            }
        }
        // A heading may sit in a block quote or a list item.
        let block = trimmed.trim_start_matches(['>', ' ', '-', '*']);
        if block.starts_with("# heading") || block.starts_with("#heading") {
            problems.push(format!("{at}: a value became a heading: {line}"));
        }
        if trimmed.starts_with('|') {
            let cols = count_unescaped(trimmed, '|');
            match table_cols {
                None => table_cols = Some(cols),
                Some(c) if c != cols => problems.push(format!(
                    "{at}: table row has {cols} cell separators, the table {c}: {line}"
                )),
                Some(_) => {}
            }
        } else {
            table_cols = None;
        }
    }
    let path_env = sb.bin().display().to_string();
    for (lang, body) in blocks {
        if matches!(lang.as_str(), "sh" | "bash" | "shell" | "console") {
            let calls = source_with_az_function(sb, &body, &path_env);
            check_arguments(
                &format!("{} ```{lang} block", rel.display()),
                &calls,
                problems,
            );
        }
    }
    let found = canaries(&[sb.dir.path(), out]);
    if !found.is_empty() {
        problems.push(format!("{}: a hostile value ran: {found:?}", rel.display()));
    }
}

fn unescaped(text: &str, what: &str) -> bool {
    text.match_indices(what)
        .any(|(i, _)| !text[..i].ends_with('\\'))
}

fn count_unescaped(line: &str, c: char) -> usize {
    let mut n = 0;
    let mut escaped = false;
    for x in line.chars() {
        if x == c && !escaped {
            n += 1;
        }
        escaped = x == '\\' && !escaped;
    }
    n
}

#[test]
fn hostile_free_text_is_data_in_every_output() {
    if !support::has_tool("bash") {
        println!("skipped: bash is not installed");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = match std::env::var_os("AMLPE_HOSTILE_OUT") {
        Some(d) => PathBuf::from(d),
        None => tmp.path().to_path_buf(),
    };
    std::fs::create_dir_all(&dir).expect("the outputs' folder");
    if std::env::var_os("AMLPE_KEEP_OUT").is_some() {
        println!("outputs kept in {}", dir.display());
    }
    let out = dir.join("out");
    let mut problems = Vec::new();
    // One run per scenario, so that one failing renderer does not hide the other's files.
    for (name, s) in scenarios() {
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, serde_json::to_string_pretty(&s).expect("json")).expect("write");
        let run = support::run_guarded(
            support::amlpe()
                .arg("generate")
                .arg(&path)
                .arg("--out")
                .arg(&out),
            Duration::from_secs(60),
        );
        if run.code != Some(0) {
            problems.push(format!("generate {name}: {}", run.describe()));
        }
    }

    let sb = Sandbox::new();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for rel in support::files_under(&out) {
        let full = out.join(&rel);
        let text = std::fs::read_to_string(&full).expect("UTF-8 output");
        let kind = support::kind(&rel);
        *kinds.entry(kind.clone()).or_default() += 1;
        match kind.as_str() {
            "sh" => check_sh(&rel, &full, &out, &sb, &mut problems),
            "json" => check_json(&rel, &text, &mut problems),
            "bicep" | "bicepparam" => check_bicep(&rel, &text, &mut problems),
            "yml" | "yaml" => check_yaml(&rel, &text, &mut problems),
            "md" => check_markdown(&rel, &text, &sb, &out, &mut problems),
            "py" => check_python(&rel, &full, &mut problems),
            other => problems.push(format!(
                "{}: no hostile-text check for *.{other} files; add one to tests/it/hostile.rs",
                rel.display()
            )),
        }
    }
    println!("checked output kinds: {kinds:?}");
    if std::env::var_os("AMLPE_KEEP_OUT").is_some() {
        let _ = tmp.keep();
    }
    assert!(kinds.contains_key("json"), "no output at all: {kinds:?}");
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_hostile_scenarios_are_valid() {
    // Free text may hold any printable text: none of it is refused.
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, s) in scenarios() {
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, serde_json::to_string_pretty(&s).expect("json")).expect("write");
        let checked = amlpe::check(&path, false);
        assert_eq!(checked.errors(), 0, "{}", checked.render_diagnostics());
    }
}
