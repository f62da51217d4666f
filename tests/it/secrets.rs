//! No secret in any output, and nothing secure has a default. Every file generated from the
//! shipped scenarios (and the committed `out/`) is scanned for: secure parameters with a
//! default (ARM `securestring`/`secureObject` with `defaultValue`, Bicep `@secure()` with
//! `=`), literal values for secure parameters in parameter files, passwords and client
//! secrets with literal values, storage account keys and connection strings, SAS signatures,
//! bearer tokens and JWTs, private keys, and outputs that call `listKeys`-style functions.
//! The scanner is tested against known-bad text first, so it cannot pass by seeing nothing.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use super::support;

/// Findings in one file's text. In Bicep (`bicep`), an unquoted value is an identifier, not
/// a literal.
fn scan_text(text: &str, bicep: bool) -> Vec<String> {
    let mut out = Vec::new();
    let lower = text.to_ascii_lowercase();
    for (needle, what) in [
        ("accountkey=", "a storage account key"),
        ("sharedaccesskey=", "a shared access key"),
        ("sharedaccesssignature=", "a SAS connection string"),
        ("defaultendpointsprotocol=", "a storage connection string"),
        ("bearer ey", "a bearer token"),
        ("-----begin", "a PEM block"),
    ] {
        if lower.contains(needle) {
            out.push(format!("{what} (`{needle}`)"));
        }
    }
    for (i, line) in text.lines().enumerate() {
        let at = |what: String| format!("line {}: {what}: {}", i + 1, line.trim());
        let l = line.to_ascii_lowercase();
        for key in [
            "password",
            "passwd",
            "client_secret",
            "clientsecret",
            "secret_key",
        ] {
            for (pos, _) in l.match_indices(key) {
                if let Some(v) = assigned_literal(&line[pos + key.len()..], bicep) {
                    out.push(at(format!("`{key}` set to the literal `{v}`")));
                }
            }
        }
        for (pos, _) in l.match_indices("sig=") {
            let before = l[..pos].chars().last();
            let value: String = line[pos + 4..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "%+/=".contains(*c))
                .collect();
            if matches!(before, Some('?' | '&')) && value.len() >= 10 {
                out.push(at("a SAS signature".into()));
            }
        }
        for word in line.split(|c: char| !(c.is_ascii_alphanumeric() || "+/=._-".contains(c))) {
            if word.len() >= 86
                && word.ends_with("==")
                && word[..word.len() - 2]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
            {
                out.push(at("a base64 key".into()));
            }
            let parts: Vec<&str> = word.split('.').collect();
            if word.starts_with("eyJ") && parts.len() == 3 && parts.iter().all(|p| p.len() >= 8) {
                out.push(at("a JWT".into()));
            }
        }
    }
    out
}

/// After a key such as `password`: `: 'x'`, `= x`, `"x"` as a JSON value... returns the
/// literal, unless it is a reference (`$VAR`, `<placeholder>`, `[expression]`, `@secure`,
/// a parameter or nothing).
fn assigned_literal(rest: &str, quoted_only: bool) -> Option<String> {
    let rest = rest.trim_start_matches(['"', '\'']).trim_start();
    let rest = rest
        .strip_prefix(':')
        .or_else(|| rest.strip_prefix('='))?
        .trim_start();
    if quoted_only && !rest.starts_with(['"', '\'']) {
        return None;
    }
    let rest = rest.trim_start_matches(['"', '\'']);
    let value: String = rest
        .chars()
        .take_while(|c| !matches!(c, '"' | '\'' | ',' | '}' | ' ' | ')'))
        .collect();
    let reference = value.is_empty()
        || value.starts_with(['$', '<', '[', '{', '@', '('])
        || matches!(
            value.as_str(),
            "null" | "none" | "true" | "false" | "string" | "securestring"
        );
    (!reference).then_some(value)
}

/// ARM JSON: no secure parameter has a default, and no output lists keys.
fn scan_arm(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            let ty = m
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_ascii_lowercase();
            if (ty == "securestring" || ty == "secureobject") && m.contains_key("defaultValue") {
                out.push(format!("a {ty} parameter with a defaultValue: {v}"));
            }
            if let Some(Value::Object(outputs)) = m.get("outputs") {
                for (name, o) in outputs {
                    let text = o.to_string().to_ascii_lowercase();
                    if [
                        "listkeys(",
                        "listsecrets(",
                        "listcredential",
                        "listconnectionstrings(",
                    ]
                    .iter()
                    .any(|f| text.contains(f))
                    {
                        out.push(format!("output `{name}` returns keys: {o}"));
                    }
                }
            }
            m.values().for_each(|x| scan_arm(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| scan_arm(x, out)),
        _ => {}
    }
}

/// Names of the secure parameters of an ARM template's top level.
fn secure_arm_params(v: &Value) -> Vec<String> {
    v["parameters"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, p)| {
                    let t = p["type"].as_str().unwrap_or_default().to_ascii_lowercase();
                    t == "securestring" || t == "secureobject"
                })
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// Bicep: an `@secure()` parameter has no default; no output lists keys. Returns the
/// names of the secure parameters too.
fn scan_bicep(text: &str, out: &mut Vec<String>) -> Vec<String> {
    let mut secure = Vec::new();
    let mut pending = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with("@secure()") {
            pending = true;
            continue;
        }
        if line.starts_with('@') || line.starts_with("//") {
            continue;
        }
        if pending {
            if let Some(rest) = line.strip_prefix("param ") {
                let name = rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string();
                if rest.contains(" = ") {
                    out.push(format!(
                        "the @secure() parameter `{name}` has a default: {line}"
                    ));
                }
                secure.push(name);
            }
            pending = false;
        }
        let l = line.to_ascii_lowercase();
        if l.starts_with("output ") && (l.contains(".listkeys(") || l.contains("listsecrets(")) {
            out.push(format!("an output returns keys: {line}"));
        }
    }
    secure
}

/// Findings in every file under `dir`, with their paths.
fn scan_tree(dir: &Path) -> Vec<String> {
    let mut findings = Vec::new();
    let mut secure_bicep: Vec<(std::path::PathBuf, Vec<String>)> = Vec::new();
    let mut secure_arm: Vec<(std::path::PathBuf, Vec<String>)> = Vec::new();
    let files = support::files_under(dir);
    for rel in &files {
        let text = std::fs::read_to_string(dir.join(rel)).unwrap_or_default();
        let bicep = matches!(support::kind(rel).as_str(), "bicep" | "bicepparam");
        let mut f = scan_text(&text, bicep);
        match support::kind(rel).as_str() {
            "json" => {
                if let Ok(v) = serde_json::from_str::<Value>(&text) {
                    scan_arm(&v, &mut f);
                    secure_arm.push((rel.clone(), secure_arm_params(&v)));
                }
            }
            "bicep" => secure_bicep.push((rel.clone(), scan_bicep(&text, &mut f))),
            _ => {}
        }
        findings.extend(f.into_iter().map(|x| format!("{}: {x}", rel.display())));
    }
    // Parameter files must not give secure parameters literal values.
    for rel in &files {
        let text = std::fs::read_to_string(dir.join(rel)).unwrap_or_default();
        let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if let Some(stem) = name.strip_suffix(".parameters.json") {
            let template = rel.with_file_name(format!("{stem}.json"));
            let secure = secure_arm
                .iter()
                .find(|(p, _)| *p == template)
                .map(|(_, s)| s.clone());
            let v: Value = serde_json::from_str(&text).unwrap_or_default();
            for p in secure.unwrap_or_default() {
                if v["parameters"][&p].get("value").is_some() {
                    findings.push(format!(
                        "{}: the secure parameter `{p}` has a literal value",
                        rel.display()
                    ));
                }
            }
        }
        if name.ends_with(".bicepparam") {
            let secure: Vec<String> = secure_bicep.iter().flat_map(|(_, s)| s.clone()).collect();
            for line in text.lines() {
                if let Some(rest) = line.trim().strip_prefix("param ") {
                    let p = rest.split_whitespace().next().unwrap_or_default();
                    if secure.iter().any(|s| s == p)
                        && !rest.contains("getSecret(")
                        && !rest.contains("readEnvironmentVariable(")
                    {
                        findings.push(format!(
                            "{}: the secure parameter `{p}` has a literal value",
                            rel.display()
                        ));
                    }
                }
            }
        }
    }
    findings
}

#[test]
fn the_scanner_finds_what_it_looks_for() {
    let bad = [
        "DefaultEndpointsProtocol=https;AccountName=st;AccountKey=abc",
        "https://st.blob.core.windows.net/c?sv=2022-11-02&sig=AbCdEfGhIjKlMnOp%2B",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
        "-----BEGIN RSA PRIVATE KEY-----",
        "  adminPassword: 'Hunter2!'",
        "\"password\": \"hunter2\"",
        "export CLIENT_SECRET=s3cr3t",
    ];
    for b in bad {
        assert!(!scan_text(b, false).is_empty(), "not found: {b}");
    }
    assert!(scan_text("adminPassword: adminPassword", true).is_empty());
    assert!(!scan_text("adminPassword: 'Hunter2!'", true).is_empty());
    let fine = [
        "\"password\": \"[parameters('password')]\"",
        "--password \"$PASSWORD\"",
        "password: <your password>",
        "no secrets are stored; keys stay in Key Vault",
    ];
    for f in fine {
        assert!(
            scan_text(f, false).is_empty(),
            "false finding: {f}: {:?}",
            scan_text(f, false)
        );
    }
    let mut out = Vec::new();
    scan_arm(
        &serde_json::json!({"parameters": {"p": {"type": "secureString", "defaultValue": "x"}}}),
        &mut out,
    );
    scan_arm(
        &serde_json::json!({"outputs": {"k": {"type": "string", "value": "[listKeys(resourceId('x'), '1').keys[0].value]"}}}),
        &mut out,
    );
    assert_eq!(out.len(), 2, "{out:?}");
    let mut out = Vec::new();
    scan_bicep("@secure()\nparam adminPassword string = 'x'\noutput k string = st.listKeys().keys[0].value\n", &mut out);
    assert_eq!(out.len(), 2, "{out:?}");
}

#[test]
fn no_output_holds_a_secret_or_a_secure_default() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scen = dir.path().join("scenarios");
    std::fs::create_dir_all(&scen).expect("mkdir");
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    for e in std::fs::read_dir(&shipped).expect("scenarios").flatten() {
        std::fs::copy(e.path(), scen.join(e.file_name())).expect("copy");
    }
    let run = support::run_guarded(
        support::amlpe()
            .current_dir(dir.path())
            .args(["generate", "scenarios", "--out", "out"]),
        Duration::from_secs(120),
    );
    assert_eq!(run.code, Some(0), "{}", run.describe());
    let mut findings = scan_tree(&dir.path().join("out"));
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("out");
    if committed.is_dir() {
        findings.extend(
            scan_tree(&committed)
                .into_iter()
                .map(|f| format!("out/{f}")),
        );
    }
    let scanned = support::files_under(&dir.path().join("out")).len();
    println!("scanned {scanned} generated files and the committed out/");
    assert!(scanned > 0);
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}
