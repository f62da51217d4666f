//! Reading scenario files into a JSON value while remembering where every value came from.
//!
//! The model is deserialized from a `serde_json::Value`, so YAML and JSON share one code path;
//! the [`SpanIndex`] maps each field path back to its line and column so that every diagnostic,
//! from a syntax error to a topology rule, points into the file the user wrote.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::diag::{Diagnostic, Rule};
use crate::span::{FieldPath, Located, SourceFile, Span, SpanIndex};

/// Scenario files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// Deeper nesting than this is refused: no scenario needs more than a handful of levels.
pub const MAX_DEPTH: usize = 64;
/// Upper bound on values after alias expansion, so an alias bomb is refused, not expanded.
pub const MAX_NODES: usize = 200_000;

/// A document read into a value, with its span index.
#[derive(Debug)]
pub struct Document {
    pub source: SourceFile,
    pub value: Value,
    pub spans: SpanIndex,
}

/// Reads and parses one scenario file; every failure is a located diagnostic.
pub fn read(path: &Path) -> Result<Document, Box<(SourceFile, Diagnostic)>> {
    let empty = |text: String| SourceFile {
        path: path.to_path_buf(),
        text,
    };
    let fail = |src: SourceFile, d: Diagnostic| Err(Box::new((src, d)));
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            return fail(
                empty(String::new()),
                Diagnostic::error(
                    Rule::Io,
                    FieldPath::root(),
                    format!("cannot read file: {e}"),
                ),
            )
        }
    };
    if meta.len() > MAX_FILE_BYTES {
        return fail(empty(String::new()), too_large(Some(meta.len())));
    }
    // The limit is enforced on the bytes read, not only on the size the file system reports:
    // a FIFO, `/dev/zero` or a file that grows while it is read reports a small size.
    let bytes = match read_at_most(path, MAX_FILE_BYTES, meta.len()) {
        Ok(Some(b)) => b,
        Ok(None) => return fail(empty(String::new()), too_large(None)),
        Err(e) => {
            return fail(
                empty(String::new()),
                Diagnostic::error(
                    Rule::Io,
                    FieldPath::root(),
                    format!("cannot read file: {e}"),
                ),
            )
        }
    };
    let text = match decode(bytes) {
        Ok(t) => t,
        Err(e) => {
            let (prefix, d) = *e;
            return fail(empty(prefix), d);
        }
    };
    let source = SourceFile {
        path: path.to_path_buf(),
        text,
    };
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    match parse_text(&source.text, is_json) {
        Ok((value, spans)) if !value.is_object() => {
            // serde would read a list as the scenario's fields in order, and report a type
            // error about the first element rather than about the document.
            let what = match value {
                Value::Array(_) => "a list",
                Value::String(_) => "a single text",
                Value::Number(_) => "a number",
                Value::Bool(_) => "a boolean",
                _ => "empty",
            };
            let span = spans.value_span(&FieldPath::root());
            fail(
                source,
                Diagnostic::error(
                    Rule::Schema,
                    FieldPath::root(),
                    format!("the document is {what}; a scenario is a mapping of fields"),
                )
                .at(span)
                .hint("start from one of the files in scenarios/: `name:`, `location:`, `networks:` ..."),
            )
        }
        Ok((value, spans)) => Ok(Document {
            source,
            value,
            spans,
        }),
        Err(d) => fail(source, *d),
    }
}

/// The text of a scenario file: UTF-8, with or without a byte order mark (dropped, so that
/// columns count from the first character). Another encoding is refused by name: UTF-16 and
/// UTF-32 (by their byte order mark, or the NUL bytes of ASCII text in them), and bytes that
/// are not UTF-8 (Latin-1 or Windows-1252 text, most often), located. On error, the valid
/// prefix of the text, for the diagnostic's excerpt.
fn decode(bytes: Vec<u8>) -> Result<String, Box<(String, Diagnostic)>> {
    let at_start = |msg: String| {
        let d = Diagnostic::error(Rule::Syntax, FieldPath::root(), msg)
            .at(Span {
                line: 1,
                col: 1,
                len: 1,
            })
            .hint("save the scenario as UTF-8 text (for example `iconv -t UTF-8`, or \"Save with encoding: UTF-8\" in an editor)");
        Err(Box::new((String::new(), d)))
    };
    let bom = [
        (&[0x00, 0x00, 0xFE, 0xFF][..], "UTF-32 (big-endian)"),
        (&[0xFF, 0xFE, 0x00, 0x00][..], "UTF-32 (little-endian)"),
        (&[0xFE, 0xFF][..], "UTF-16 (big-endian)"),
        (&[0xFF, 0xFE][..], "UTF-16 (little-endian)"),
    ];
    if let Some((_, name)) = bom.iter().find(|(b, _)| bytes.starts_with(b)) {
        return at_start(format!(
            "the file is {name} text (it starts with that byte order mark); scenario files are UTF-8"
        ));
    }
    // ASCII text in UTF-16 or UTF-32 is at least one NUL byte in two; one NUL in UTF-8 text
    // is a control character, refused as such later.
    let head = &bytes[..bytes.len().min(64)];
    if head.len() >= 2 && head.iter().filter(|b| **b == 0).count() * 2 >= head.len() {
        return at_start(
            "the file holds NUL bytes, as UTF-16 or UTF-32 text without a byte order mark does; scenario files are UTF-8"
                .to_string(),
        );
    }
    let bytes = match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF][..]) {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bad = e.as_bytes()[at];
        let valid = &e.as_bytes()[..at];
        let prefix = String::from_utf8_lossy(valid).to_string();
        let line = prefix.matches('\n').count() + 1;
        let col = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let d = Diagnostic::error(
            Rule::Syntax,
            FieldPath::root(),
            format!(
                "the file is not valid UTF-8: byte 0x{bad:02X} starts no UTF-8 character here (Latin-1 or Windows-1252 text?)"
            ),
        )
        .at(Span { line, col, len: 1 })
        .hint("save the scenario as UTF-8 text (for example `iconv -f LATIN1 -t UTF-8`, or \"Save with encoding: UTF-8\" in an editor)");
        Box::new((prefix, d))
    })
}

fn too_large(len: Option<u64>) -> Diagnostic {
    let size = match len {
        Some(n) => format!("file is {n} bytes"),
        None => format!("file holds more than {MAX_FILE_BYTES} bytes"),
    };
    Diagnostic::error(
        Rule::Syntax,
        FieldPath::root(),
        format!("{size}; scenario files are limited to {MAX_FILE_BYTES} bytes"),
    )
    .hint("split the estate into several scenario files")
}

/// Reads at most `limit` bytes; `None` when the file holds more. `size` is the size the file
/// system reports, which may be wrong.
fn read_at_most(path: &Path, limit: u64, size: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read as _;
    // Room for the size the file system reports (and the read that finds the end), so that a
    // file is read in one piece rather than in doubling ones.
    let mut bytes = Vec::with_capacity(usize::try_from(size.min(limit)).unwrap_or(0) + 1);
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// Parses YAML (or JSON, which is checked by a JSON parser first so its errors read as JSON's).
pub fn parse_text(text: &str, is_json: bool) -> Result<(Value, SpanIndex), Box<Diagnostic>> {
    if let Some(pos) = text.find(|c: char| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        let (line, col) = line_col(text, pos);
        return Err(Box::new(
            Diagnostic::error(
                Rule::Syntax,
                FieldPath::root(),
                format!(
                    "control character U+{:04X} in the file",
                    text[pos..].chars().next().map_or(0, |c| c as u32)
                ),
            )
            .at(Span { line, col, len: 1 })
            .hint("remove it; scenario files are plain text"),
        ));
    }
    if text.trim().is_empty() {
        return Err(Box::new(
            Diagnostic::error(Rule::Syntax, FieldPath::root(), "the file is empty")
                .at(Span {
                    line: 1,
                    col: 1,
                    len: 1,
                })
                .hint("start from one of the files in scenarios/"),
        ));
    }
    if is_json {
        if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            return Err(Box::new(
                Diagnostic::error(
                    Rule::Syntax,
                    FieldPath::root(),
                    format!("invalid JSON: {msg}"),
                )
                .at(Span {
                    line: e.line().max(1),
                    col: json_col(text, e.line(), e.column()),
                    len: 1,
                }),
            ));
        }
    }
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    // Every document is read, so that a second one is refused rather than silently ignored.
    if let Err(e) = parser.load(&mut builder, true) {
        let (line, col) = Lines::new(text).at(e.marker());
        let what = if is_json { "JSON" } else { "YAML" };
        let d = if e.info().contains("recursion limit") {
            Diagnostic::error(
                Rule::Syntax,
                FieldPath::root(),
                format!("nesting deeper than the {what} parser allows"),
            )
            .hint("scenario files need only a few levels of nesting")
        } else {
            Diagnostic::error(
                Rule::Syntax,
                FieldPath::root(),
                format!("invalid {what}: {}", e.info()),
            )
        };
        return Err(Box::new(d.at(Span { line, col, len: 1 })));
    }
    if let Some((mark, msg, hint)) = builder.error {
        let (line, col) = Lines::new(text).at(&mark);
        return Err(Box::new(
            Diagnostic::error(Rule::Syntax, FieldPath::root(), msg)
                .at(Span { line, col, len: 1 })
                .hint(hint),
        ));
    }
    let root = match builder.root {
        Some(r) => r,
        None => {
            return Err(Box::new(
                Diagnostic::error(
                    Rule::Syntax,
                    FieldPath::root(),
                    "the file holds no document",
                )
                .at(Span {
                    line: 1,
                    col: 1,
                    len: 1,
                })
                .hint("start from one of the files in scenarios/"),
            ))
        }
    };
    let mut spans = SpanIndex::default();
    let mut dups = Vec::new();
    let lines = Lines::new(text);
    let value = to_value(
        &root,
        &FieldPath::root(),
        None,
        &mut spans,
        &mut dups,
        &lines,
    );
    if let Some((path, span)) = dups.into_iter().next() {
        // A duplicate key would silently replace the first value: refuse it.
        return Err(Box::new(
            Diagnostic::error(
                Rule::Syntax,
                path.clone(),
                format!("duplicate key `{path}`"),
            )
            .at(span)
            .hint("each key may appear once in a mapping; merge the two entries"),
        ));
    }
    Ok((value, spans))
}

/// serde_json counts columns in bytes; diagnostics count characters.
fn json_col(text: &str, line: usize, byte_col: usize) -> usize {
    let l = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    let mut end = byte_col.min(l.len());
    while !l.is_char_boundary(end) {
        end += 1;
    }
    l[..end].chars().count().max(1)
}

fn line_col(text: &str, byte: usize) -> (usize, usize) {
    let before = &text[..byte];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Line starts of a text, counted in characters, so that a parser marker (a character index)
/// becomes a line and column in O(log n). Walking the text once per value made a large file
/// of many small values take minutes.
struct Lines {
    starts: Vec<usize>,
    chars: usize,
}

impl Lines {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        let mut chars = 0;
        for (i, c) in text.chars().enumerate() {
            if c == '\n' {
                starts.push(i + 1);
            }
            chars = i + 1;
        }
        Self { starts, chars }
    }

    fn at(&self, m: &Marker) -> (usize, usize) {
        let idx = m.index().min(self.chars);
        let line = self.starts.partition_point(|&s| s <= idx);
        (line, idx - self.starts[line - 1] + 1)
    }
}

#[derive(Debug, Clone)]
enum NodeKind {
    Scalar(String, TScalarStyle),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone)]
struct Node {
    kind: NodeKind,
    mark: Marker,
}

enum Frame {
    Seq(Vec<Node>, Marker, usize),
    Map(Vec<(Node, Node)>, Option<Node>, Marker, usize),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    error: Option<(Marker, String, &'static str)>,
    nodes: usize,
}

impl Builder {
    fn fail(&mut self, mark: Marker, msg: &str, hint: &'static str) {
        if self.error.is_none() {
            self.error = Some((mark, msg.to_string(), hint));
        }
    }

    fn push_node(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq(items, _, _)) => items.push(node),
            Some(Frame::Map(entries, pending, _, _)) => match pending.take() {
                None => *pending = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }

    fn count(&mut self, n: usize, mark: Marker) -> bool {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            self.fail(
                mark,
                &format!("the document expands to more than {MAX_NODES} values"),
                "remove the aliases that repeat large parts of the file",
            );
            return false;
        }
        true
    }
}

fn size(node: &Node) -> usize {
    match &node.kind {
        NodeKind::Scalar(..) => 1,
        NodeKind::Seq(v) => 1 + v.iter().map(size).sum::<usize>(),
        NodeKind::Map(v) => 1 + v.iter().map(|(k, x)| size(k) + size(x)).sum::<usize>(),
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        match ev {
            Event::Scalar(v, style, anchor, _) if self.count(1, mark) => {
                self.push_node(
                    Node {
                        kind: NodeKind::Scalar(v, style),
                        mark,
                    },
                    anchor,
                );
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    self.fail(
                        mark,
                        &format!("nesting deeper than {MAX_DEPTH} levels"),
                        "scenario files need only a few levels of nesting",
                    );
                    return;
                }
                if !self.count(1, mark) {
                    return;
                }
                if matches!(ev, Event::SequenceStart(..)) {
                    self.stack.push(Frame::Seq(Vec::new(), mark, anchor));
                } else {
                    self.stack.push(Frame::Map(Vec::new(), None, mark, anchor));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Seq(items, m, anchor)) => self.push_node(
                    Node {
                        kind: NodeKind::Seq(items),
                        mark: m,
                    },
                    anchor,
                ),
                Some(Frame::Map(entries, _, m, anchor)) => self.push_node(
                    Node {
                        kind: NodeKind::Map(entries),
                        mark: m,
                    },
                    anchor,
                ),
                None => {}
            },
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(node) => {
                    if self.count(size(&node), mark) {
                        self.push_node(node, 0);
                    }
                }
                None => self.fail(
                    mark,
                    "alias to an unknown anchor",
                    "define the anchor first",
                ),
            },
            Event::DocumentStart if self.root.is_some() => {
                self.fail(
                    mark,
                    "more than one YAML document in the file",
                    "keep one scenario per file",
                );
            }
            _ => {}
        }
    }
}

fn to_value(
    node: &Node,
    path: &FieldPath,
    key_span: Option<Span>,
    spans: &mut SpanIndex,
    dups: &mut Vec<(FieldPath, Span)>,
    lines: &Lines,
) -> Value {
    let (line, col) = lines.at(&node.mark);
    let here = |len: usize| Span { line, col, len };
    match &node.kind {
        NodeKind::Scalar(s, style) => {
            let v = scalar_value(s, *style);
            let len = match style {
                TScalarStyle::Plain => s.chars().count(),
                TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => s.chars().count() + 2,
                _ => 1,
            };
            spans.insert(
                path.clone(),
                Located {
                    key: key_span,
                    value: here(len.max(1)),
                },
            );
            v
        }
        NodeKind::Seq(items) => {
            spans.insert(
                path.clone(),
                Located {
                    key: key_span,
                    value: here(1),
                },
            );
            Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, n)| to_value(n, &path.index(i), None, spans, dups, lines))
                    .collect(),
            )
        }
        NodeKind::Map(entries) => {
            // A block mapping is best shown at its first key.
            let at = match entries.first().map(|(k, _)| (&k.kind, k.mark)) {
                Some((NodeKind::Scalar(k, _), mark)) => {
                    let (l, c) = lines.at(&mark);
                    Span {
                        line: l,
                        col: c,
                        len: k.chars().count().max(1),
                    }
                }
                _ => here(1),
            };
            spans.insert(
                path.clone(),
                Located {
                    key: key_span,
                    value: at,
                },
            );
            let mut map = Map::new();
            for (k, v) in entries {
                let key = match &k.kind {
                    NodeKind::Scalar(s, _) => s.clone(),
                    _ => String::from("<complex key>"),
                };
                let (kl, kc) = lines.at(&k.mark);
                let kspan = Span {
                    line: kl,
                    col: kc,
                    len: key.chars().count().max(1),
                };
                let child = path.key(&key);
                if map.contains_key(&key) {
                    dups.push((child, kspan));
                    continue;
                }
                let value = to_value(v, &child, Some(kspan), spans, dups, lines);
                map.insert(key, value);
            }
            Value::Object(map)
        }
    }
}

fn scalar_value(s: &str, style: TScalarStyle) -> Value {
    if style != TScalarStyle::Plain {
        return Value::String(s.to_string());
    }
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let looks_numeric = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c == '-' || c == '+' || c == '.');
    if looks_numeric {
        if let Ok(i) = s.parse::<i64>() {
            return Value::Number(i.into());
        }
        if s.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c)) {
            if let Some(n) = s.parse::<f64>().ok().and_then(Number::from_f64) {
                return Value::Number(n);
            }
        }
    }
    Value::String(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_point_at_keys_and_values() {
        let text = "name: demo\nnetworks:\n  - name: vnet-a\n    subnets: [ { name: s1 } ]\n";
        let (v, spans) = parse_text(text, false).expect("parses");
        assert_eq!(v["networks"][0]["name"], "vnet-a");
        let p = FieldPath::parse("networks[0].name");
        assert_eq!(spans.value_span(&p).line, 3);
        assert_eq!(spans.value_span(&p).col, 11);
        assert_eq!(spans.key_span(&p).col, 5);
        let s = FieldPath::parse("networks[0].subnets[0].name");
        assert_eq!(spans.value_span(&s).line, 4);
        assert_eq!(spans.value_span(&s).col, 24);
        let (_, spans) = parse_text("x: [é, z]\n", false).expect("parses");
        assert_eq!(spans.value_span(&FieldPath::parse("x[1]")).col, 8);
    }

    #[test]
    fn yaml_core_schema_scalars() {
        let (v, _) = parse_text(
            "a: 3\nb: 'x'\nc: 10.0.0.0/16\nd: true\ne: ~\nf: yes\n",
            false,
        )
        .expect("parses");
        assert_eq!(v["a"], 3);
        assert_eq!(v["b"], "x");
        assert_eq!(v["c"], "10.0.0.0/16");
        assert_eq!(v["d"], true);
        assert!(v["e"].is_null());
        assert_eq!(v["f"], "yes");
    }

    #[test]
    fn duplicate_keys_are_found_with_their_place() {
        let text = "a:\n  b: 1\n  b: 2\n";
        let err = parse_text(text, false).expect_err("refused");
        assert_eq!(err.message, "duplicate key `a.b`");
        assert_eq!(err.span.map(|s| (s.line, s.col)), Some((3, 3)));
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = parse_text(&text, false).expect_err("refused");
        assert!(
            err.message.contains("expands to more than"),
            "{}",
            err.message
        );
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let err = parse_text(&text, false).expect_err("refused");
        assert!(err.message.starts_with("nesting deeper"), "{}", err.message);
        let text = format!("{}x{}", "- ".repeat(MAX_DEPTH + 1), "");
        let err = parse_text(&text, false).expect_err("refused");
        assert!(err.message.starts_with("nesting deeper"), "{}", err.message);
    }

    #[test]
    fn json_syntax_errors_carry_line_and_column() {
        let err = parse_text("{\n  \"name\": \"x\",\n}\n", true).expect_err("refused");
        assert!(err.message.starts_with("invalid JSON"), "{}", err.message);
        assert_eq!(err.span.map(|s| s.line), Some(3));
    }

    #[test]
    fn a_second_document_is_refused_not_ignored() {
        let err = parse_text("name: a\n---\nname: b\n", false).expect_err("refused");
        assert_eq!(err.message, "more than one YAML document in the file");
        assert_eq!(err.span.map(|s| s.line), Some(2));
        let err = parse_text("name: a\n---\n{ broken\n", false).expect_err("refused");
        assert!(err.message.starts_with("invalid YAML"), "{}", err.message);
    }

    #[test]
    fn comment_only_files_are_located() {
        let err = parse_text("# nothing\n", false).expect_err("refused");
        assert_eq!(err.message, "the file holds no document");
        assert!(err.span.is_some());
    }

    #[test]
    fn json_columns_count_characters() {
        let err = parse_text("{\"é\": 1,}", true).expect_err("refused");
        // The `}` is the 9th character and the 10th byte.
        assert_eq!(err.span.map(|s| (s.line, s.col)), Some((1, 9)));
    }

    #[test]
    fn reading_stops_at_the_limit_whatever_the_size_reported() {
        // /dev/zero reports size 0 and never ends.
        let path = Path::new("/dev/zero");
        if path.exists() {
            let (_, d) = *read(path).expect_err("refused");
            assert!(d.message.contains("more than"), "{}", d.message);
        }
    }

    #[test]
    fn lines_are_found_like_str_lines() {
        let long = "x".repeat(5000);
        let texts = [
            String::new(),
            "a".into(),
            "a\n".into(),
            "a\r\nb\r\n\nc".into(),
            format!("{long}\n{long}\r\nend\n"),
            "é\nü\n".repeat(3000),
        ];
        for text in texts {
            let src = SourceFile {
                path: "x".into(),
                text: text.clone(),
            };
            let n = text.lines().count();
            for i in 0..n + 3 {
                let want = text.lines().nth(i.saturating_sub(1)).unwrap_or("");
                assert_eq!(
                    src.line(i),
                    want,
                    "line {i} of {:?}",
                    &text[..text.len().min(20)]
                );
            }
        }
    }
}
