//! Helpers shared by the robustness tests: running the binary under a hang guard, walking
//! output folders, and parsing outputs with real parsers (tree-sitter-bicep, bash, the
//! project's own YAML reader).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub fn amlpe() -> Command {
    Command::new(env!("CARGO_BIN_EXE_amlpe"))
}

/// A finished child process.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    pub fn describe(&self) -> String {
        format!(
            "exit {:?} after {:?}\n--- stdout ---\n{}--- stderr ---\n{}",
            self.code, self.elapsed, self.stdout, self.stderr
        )
    }
}

/// Runs `cmd` with its output in files (so a chatty child never blocks on a pipe) and kills
/// it when it outlives `limit`; a killed child fails the test.
pub fn run_guarded(cmd: &mut Command, limit: Duration) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("stdout");
    let err = dir.path().join("stderr");
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).expect("stdout file"))
        .stderr(std::fs::File::create(&err).expect("stderr file"))
        .spawn()
        .expect("the child starts");
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} still ran after {limit:?}: killed (hang guard)");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let elapsed = start.elapsed();
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&std::fs::read(&out).unwrap_or_default()).to_string(),
        stderr: String::from_utf8_lossy(&std::fs::read(&err).unwrap_or_default()).to_string(),
        elapsed,
    }
}

/// Every file under `dir` (hidden ones too), relative to it, sorted; links are not followed.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).expect("inside").to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// The file's extension, or its name when it has none.
pub fn kind(path: &Path) -> String {
    path.extension()
        .or_else(|| path.file_name())
        .map(|e| e.to_string_lossy().to_string())
        .unwrap_or_default()
}

pub fn has_tool(name: &str) -> bool {
    Command::new(name)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// `bash -n`: the script parses.
pub fn bash_syntax(path: &Path) -> Result<(), String> {
    let o = Command::new("bash")
        .arg("-n")
        .arg(path)
        .output()
        .map_err(|e| format!("bash: {e}"))?;
    if o.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&o.stderr).to_string())
    }
}

/// A `.bicepparam` file in the Bicep grammar that tree-sitter-bicep knows: its
/// `param name = value` lines become `var name = value` (same expression grammar, same
/// length, so positions still match).
pub fn bicepparam_as_bicep(text: &str) -> String {
    text.lines()
        .map(|l| match l.strip_prefix("param ") {
            Some(rest) if rest.contains(" = ") => format!("var   {rest}"),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// A parsed Bicep file.
pub struct Bicep {
    pub tree: tree_sitter::Tree,
}

pub fn parse_bicep(text: &str) -> Result<Bicep, String> {
    let text = &mask_comment_openers(text);
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_bicep::LANGUAGE.into())
        .map_err(|e| format!("loading the Bicep grammar: {e}"))?;
    let tree = parser
        .parse(text, None)
        .ok_or_else(|| "tree-sitter gave up".to_string())?;
    if let Some(n) = first_error(tree.root_node()) {
        let p = n.start_position();
        let line = text.lines().nth(p.row).unwrap_or("");
        return Err(format!(
            "syntax error ({}) at {}:{}: {line}",
            n.kind(),
            p.row + 1,
            p.column + 1
        ));
    }
    Ok(Bicep { tree })
}

/// tree-sitter-bicep 1.1.0 lets its extras (white space, `#...`, comments) start a string's
/// text, so it reads `'//a'`, `' //a'` or `'#//'` as an unterminated string and a comment;
/// Bicep reads them as text. Inside single-quoted strings, the second character of every
/// `//` and `/*` becomes `|` before parsing (same length, so positions hold; callers read
/// values from the original text).
fn mask_comment_openers(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    // Open interpolations, each with its brace depth; empty: code outside any string.
    let mut stack: Vec<usize> = Vec::new();
    let mut in_string = false;
    let mut i = 0;
    while i < b.len() {
        if in_string {
            match b[i] {
                b'\\' => i += 1,
                b'/' if matches!(b.get(i + 1), Some(b'/' | b'*')) => {
                    out[i + 1] = b'|';
                    i += 1;
                }
                b'\'' => in_string = false,
                b'$' if b.get(i + 1) == Some(&b'{') => {
                    stack.push(0);
                    in_string = false;
                    i += 1;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b'\'' if b[i..].starts_with(b"'''") => {
                i += 3;
                while i < b.len() && !b[i..].starts_with(b"'''") {
                    i += 1;
                }
                i += 3;
            }
            b'\'' => {
                in_string = true;
                i += 1;
            }
            b'{' if !stack.is_empty() => {
                if let Some(d) = stack.last_mut() {
                    *d += 1;
                }
                i += 1;
            }
            b'}' if !stack.is_empty() => {
                match stack.last_mut() {
                    Some(0) => {
                        stack.pop();
                        in_string = true;
                    }
                    Some(d) => *d -= 1,
                    None => {}
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

fn first_error(n: tree_sitter::Node<'_>) -> Option<tree_sitter::Node<'_>> {
    if n.is_error() || n.is_missing() {
        return Some(n);
    }
    if !n.has_error() {
        return None;
    }
    let mut c = n.walk();
    let children: Vec<_> = n.children(&mut c).collect();
    children.into_iter().find_map(first_error)
}

/// What a piece of Bicep text is: a string's literal content, a comment, or code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BicepPiece {
    /// The decoded value of a string literal without interpolations.
    Str(String),
    Comment(String),
    /// Anything else: identifiers, operators, interpolations.
    Code(String),
}

impl Bicep {
    /// The file cut into strings (decoded), comments and code, in order.
    pub fn pieces(&self, text: &str) -> Vec<BicepPiece> {
        let mut out = Vec::new();
        walk_pieces(self.tree.root_node(), text, &mut out);
        out
    }
}

fn walk_pieces(n: tree_sitter::Node<'_>, text: &str, out: &mut Vec<BicepPiece>) {
    let src = |n: tree_sitter::Node<'_>| text[n.byte_range()].to_string();
    match n.kind() {
        "comment" => out.push(BicepPiece::Comment(src(n))),
        "string" => {
            let raw = src(n);
            if let Some(multi) = raw.strip_prefix("'''").and_then(|r| r.strip_suffix("'''")) {
                out.push(BicepPiece::Str(multi.to_string()));
                return;
            }
            // Some escapes (`\$`) are hidden tokens with no node: the bytes between the
            // children are decoded as escapes too.
            let mut c = n.walk();
            let children: Vec<_> = n.children(&mut c).collect();
            let (start, end) = (n.start_byte() + 1, n.end_byte().saturating_sub(1));
            let mut at = start;
            let mut value = String::new();
            for k in children {
                let (ks, ke) = (k.start_byte().max(start), k.end_byte().min(end));
                if ks >= ke {
                    continue;
                }
                value.push_str(&unescape_bicep(&text[at.min(ks)..ks]));
                match k.kind() {
                    "interpolation" => {
                        out.push(BicepPiece::Str(std::mem::take(&mut value)));
                        out.push(BicepPiece::Code(src(k)));
                    }
                    "escape_sequence" => value.push_str(&unescape_bicep(&src(k))),
                    _ => value.push_str(&text[ks..ke]),
                }
                at = ke;
            }
            value.push_str(&unescape_bicep(&text[at.min(end)..end]));
            out.push(BicepPiece::Str(value));
        }
        _ if n.child_count() == 0 => out.push(BicepPiece::Code(src(n))),
        _ => {
            let mut c = n.walk();
            let children: Vec<_> = n.children(&mut c).collect();
            for k in children {
                walk_pieces(k, text, out);
            }
        }
    }
}

/// Decodes Bicep string escapes (`\\`, `\'`, `\n`, `\r`, `\t`, `\$`, `\u{...}`).
fn unescape_bicep(e: &str) -> String {
    let mut out = String::new();
    let mut chars = e.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let hex: String = chars.by_ref().skip(1).take_while(|c| *c != '}').collect();
                if let Some(x) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(x);
                }
            }
            Some(x) => out.push(x),
            None => out.push('\\'),
        }
    }
    out
}

/// Every string in a JSON value, keys included.
pub fn json_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_strings(x, out)),
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                out.push(k.clone());
                json_strings(x, out);
            }
        }
        _ => {}
    }
}

/// Whether an ARM string is an expression (`[...]`, not `[[...`).
pub fn is_arm_expression(s: &str) -> bool {
    s.len() >= 2 && s.starts_with('[') && !s.starts_with("[[") && s.ends_with(']')
}

/// An ARM expression with its string literals (`'...'`, `''` for a quote) cut out: what is
/// left is code. Also returns the decoded literals.
pub fn arm_expression_code(s: &str) -> (String, Vec<String>) {
    let mut code = String::new();
    let mut literals = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            code.push(c);
            continue;
        }
        let mut lit = String::new();
        loop {
            match chars.next() {
                Some('\'') if chars.peek() == Some(&'\'') => {
                    chars.next();
                    lit.push('\'');
                }
                Some('\'') | None => break,
                Some(x) => lit.push(x),
            }
        }
        code.push_str("''");
        literals.push(lit);
    }
    (code, literals)
}

#[test]
fn strings_that_hold_comment_openers_parse() {
    for t in [
        "var a = '//a'\n",
        "var a = '//'\nvar b = 'x' // a comment\n",
        "var a = { d: '//' }\n",
        "var a = 'p${toLower('//x')}q'\n",
        "var a = ' //'\n",
        "var a = '#//'\n",
        "var a = ' /* x'\n",
        "/* '//' */ var a = '''\n//\n'''\n",
    ] {
        assert!(parse_bicep(t).is_ok(), "{t}: {:?}", parse_bicep(t).err());
    }
    assert!(parse_bicep("var a = '\n").is_err());
}

/// The line without its inline code spans (a backtick run without its closing run is
/// literal text, as in CommonMark).
pub fn without_code_spans(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let ticks = rest[start..].chars().take_while(|c| *c == '`').count();
        let fence = "`".repeat(ticks);
        let after = &rest[start + ticks..];
        match after.find(&fence) {
            Some(end) => rest = &after[end + ticks..],
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Every resource of an ARM template, nested deployments' included.
pub fn arm_resources(template: &serde_json::Value) -> Vec<serde_json::Value> {
    fn walk(v: &serde_json::Value, out: &mut Vec<serde_json::Value>) {
        for r in v["resources"].as_array().into_iter().flatten() {
            out.push(r.clone());
            walk(&r["properties"]["template"], out);
        }
    }
    let mut out = Vec::new();
    walk(template, &mut out);
    out
}

/// A folder holding a stub `az` (the given shell script body), and the PATH that finds it first.
pub fn stub_az(body: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let az = dir.path().join("az");
    std::fs::write(&az, body).expect("write az");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (dir, path)
}

/// The stdout of `bash SCRIPT --dry-run` with an `az` that fails if called; the run must pass.
pub fn dry_run(script: &Path) -> String {
    let (_stub, path) = stub_az("#!/bin/sh\necho \"az called: $*\" >&2\nexit 99\n");
    let run = Command::new("bash")
        .arg(script)
        .arg("--dry-run")
        .env("PATH", path)
        .output()
        .expect("bash");
    assert!(
        run.status.success(),
        "{} --dry-run: {}",
        script.display(),
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8(run.stdout).expect("UTF-8")
}

/// The binary run in `dir` with `args`, to completion.
pub fn run_in(dir: &Path, args: &[&str]) -> std::process::Output {
    amlpe()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the binary runs")
}

/// A run's stderr as text.
pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}
