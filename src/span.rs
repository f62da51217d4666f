//! Where a value is in its file: a field path, its span (line, column, length), the index from
//! one to the other, and the source text that diagnostics quote. The lowest layer: reading
//! files (`source`), diagnostics (`diag`) and every rule use it.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

/// A place in a source file: 1-based line and column, and a length in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub line: usize,
    pub col: usize,
    pub len: usize,
}

/// One step of a field path: a key of a mapping or an index of a sequence.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// The path of a value inside a scenario, such as `networks[1].endpoints.subnet`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    pub fn root() -> Self {
        Self(Vec::new())
    }
    pub fn key(&self, k: &str) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Key(k.to_string()));
        Self(v)
    }
    pub fn index(&self, i: usize) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Index(i));
        Self(v)
    }
    /// Parses the dotted form used in rule code (`networks[1].dns.zones`).
    pub fn parse(s: &str) -> Self {
        let mut out = Vec::new();
        for part in s.split('.').filter(|p| !p.is_empty()) {
            let (key, rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            if !key.is_empty() {
                out.push(Seg::Key(key.to_string()));
            }
            for idx in rest.split('[').filter(|x| !x.is_empty()) {
                if let Ok(n) = idx.trim_end_matches(']').parse() {
                    out.push(Seg::Index(n));
                }
            }
        }
        Self(out)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(document)");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Where a value and, for mapping entries, its key were written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Located {
    pub key: Option<Span>,
    pub value: Span,
}

/// Field path to source location, for every value in the document.
#[derive(Debug, Default, Clone)]
pub struct SpanIndex {
    map: HashMap<FieldPath, Located>,
}

impl SpanIndex {
    /// Records where the value at `path` was written.
    pub fn insert(&mut self, path: FieldPath, at: Located) {
        self.map.insert(path, at);
    }

    /// The span of the value at `path`, or of its nearest ancestor that exists in the file
    /// (a missing field is reported at the mapping that lacks it).
    pub fn value_span(&self, path: &FieldPath) -> Span {
        self.find(path).map(|l| l.value).unwrap_or_default()
    }
    /// The span of the key at `path` when it is a mapping entry, else of the value.
    pub fn key_span(&self, path: &FieldPath) -> Span {
        self.find(path)
            .map(|l| l.key.unwrap_or(l.value))
            .unwrap_or_default()
    }
    fn find(&self, path: &FieldPath) -> Option<Located> {
        let mut p = path.0.clone();
        loop {
            if let Some(l) = self.map.get(&FieldPath(p.clone())) {
                return Some(*l);
            }
            p.pop()?;
        }
    }
    pub fn contains(&self, path: &FieldPath) -> bool {
        self.map.contains_key(path)
    }
}

/// A scenario file's text, kept for diagnostics.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

impl SourceFile {
    /// Line `n` (1-based) without its line break; "" past the end.
    ///
    /// Whole blocks of the text are skipped by counting their line breaks, which the compiler
    /// vectorises: a file with tens of thousands of diagnostics calls this once for each.
    pub fn line(&self, n: usize) -> &str {
        let bytes = self.text.as_bytes();
        let mut skip = n.saturating_sub(1);
        let mut at = 0;
        while skip > 0 && at < bytes.len() {
            let end = (at + 4096).min(bytes.len());
            let block = &bytes[at..end];
            // Counted in u8 lanes (at most 255 per chunk): ten times faster than a filter.
            let breaks: usize = block
                .chunks(255)
                .map(|c| usize::from(c.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n'))))
                .sum();
            if breaks < skip {
                skip -= breaks;
                at = end;
                continue;
            }
            for (i, &b) in block.iter().enumerate() {
                if b == b'\n' {
                    skip -= 1;
                    if skip == 0 {
                        at += i + 1;
                        break;
                    }
                }
            }
        }
        if skip > 0 {
            return "";
        }
        // `at` follows a line break (or is 0), so it is a character boundary.
        let line = self.text[at..].split('\n').next().unwrap_or("");
        line.strip_suffix('\r').unwrap_or(line)
    }
    pub fn display_path(&self) -> String {
        self.path.display().to_string()
    }
}

/// Bidirectional overrides and isolates, zero-width and other invisible formatting
/// characters (including the Unicode tag characters that can smuggle hidden ASCII) make text
/// display differently than it reads.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF9}'..='\u{FFFB}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E007F}')
}
