//! Diagnostics: every rule has an id, a severity and the spec section it enforces, and every
//! finding points at the place in the scenario file that causes it.

use std::fmt::Write as _;

use serde::Serialize;

use crate::span::{is_invisible, FieldPath, SourceFile, Span, SpanIndex};

/// The page whose rules amlpe enforces.
pub const SPEC_URL: &str =
    "https://learn.microsoft.com/azure/machine-learning/how-to-configure-private-link";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

macro_rules! rules {
    ($( $variant:ident => ($id:literal, $slug:literal, $sev:ident, $spec:literal), )*) => {
        /// Every check amlpe makes. The spec section names a heading of
        /// `how-to-configure-private-link.md` (or the fact the rule rests on).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Rule { $( $variant, )* }

        impl Rule {
            pub const ALL: &'static [Rule] = &[ $( Rule::$variant, )* ];
            pub fn id(self) -> &'static str { match self { $( Rule::$variant => $id, )* } }
            pub fn slug(self) -> &'static str { match self { $( Rule::$variant => $slug, )* } }
            pub fn severity(self) -> Severity { match self { $( Rule::$variant => Severity::$sev, )* } }
            pub fn spec(self) -> &'static str { match self { $( Rule::$variant => $spec, )* } }
        }
    };
}

rules! {
    Io => ("E001", "io", Error, "-"),
    Syntax => ("E002", "syntax", Error, "-"),
    Schema => ("E003", "schema", Error, "Scenario file format (README)"),
    Naming => ("E010", "naming", Error, "Azure naming rules for the resource type"),
    DuplicateName => ("E011", "duplicate-name", Error, "Azure naming rules for the resource type"),
    DanglingReference => ("E012", "dangling-reference", Error, "Scenario file format (README)"),
    ResourceId => ("E013", "resource-id", Error, "Add a private endpoint to a workspace"),
    MissingDependency => ("E014", "missing-dependency", Error, "Create a workspace that uses a private endpoint"),
    Conflict => ("E015", "conflicting-fields", Error, "Scenario file format (README)"),
    PrincipalId => ("E016", "principal-id", Error, "Scenario file format (README)"),
    Tags => ("E017", "tags", Error, "Azure tag limits of the resource types amlpe creates"),
    CliTags => ("E018", "cli-tag-syntax", Error, "Azure CLI `--tags` syntax (key=value words)"),
    ComputeRegion => ("E020", "compute-region", Error, "Limitations"),
    AksRegion => ("E021", "aks-region", Error, "Limitations"),
    DependencyVnet => ("E022", "dependency-vnet", Error, "Limitations"),
    WorkspaceVnetReach => ("E023", "workspace-vnet-reach", Error, "Multiple private endpoints"),
    DnsZoneCollision => ("E024", "dns-zone-collision", Error, "Multiple private endpoints"),
    ImageBuildCompute => ("E025", "image-build-compute", Error, "Create a workspace that uses a private endpoint"),
    RegistrySku => ("E026", "registry-sku", Error, "Create a workspace that uses a private endpoint"),
    NoWorkspaceEndpoint => ("E027", "no-workspace-endpoint", Error, "Create a workspace that uses a private endpoint"),
    ExistingZones => ("E028", "existing-zones", Error, "Create a workspace that uses a private endpoint"),
    DuplicateTarget => ("E029", "duplicate-target", Error, "Multiple private endpoints"),
    ComputeVnetRegion => ("E030", "compute-vnet-region", Error, "Limitations"),
    ComputeVnetSubscription => ("E031", "compute-vnet-subscription", Error, "Limitations"),
    ComputeBounds => ("E032", "compute-bounds", Error, "Azure ML compute and AKS node pool limits"),
    Cidr => ("E040", "cidr", Error, "Virtual network address spaces"),
    SubnetOutsideVnet => ("E041", "subnet-outside-vnet", Error, "Virtual network address spaces"),
    SubnetOverlap => ("E042", "subnet-overlap", Error, "Virtual network address spaces"),
    VnetOverlap => ("E043", "vnet-overlap", Error, "Virtual network address spaces"),
    Egress => ("E045", "egress", Error, "-"),
    SpecialSubnet => ("E046", "special-subnet", Error, "Virtual network address spaces"),
    SubnetCapacity => ("E047", "subnet-capacity", Error, "Virtual network address spaces"),
    DockerBridge => ("W044", "docker-bridge-range", Warning, "Virtual network address spaces"),
    PublicAccess => ("W050", "public-access-with-endpoints", Warning, "Enable public access"),
    Legacy => ("W051", "legacy-dialect", Warning, "Create a workspace that uses a private endpoint"),
    ComputeOutsideEndpointVnet => ("W052", "compute-outside-endpoint-vnet", Warning, "Add a private endpoint to a workspace"),
    UnknownRegion => ("W053", "unknown-region", Warning, "Limitations"),
    ManualApproval => ("W054", "manual-approval", Warning, "Create a workspace that uses a private endpoint"),
    InferenceWithoutTls => ("W055", "inference-without-tls", Warning, "Configure a secure online endpoint with TLS/SSL"),
    NoAvailabilityZones => ("W056", "no-availability-zones", Warning, "Limitations"),
    UnusedExistingZones => ("W057", "unused-existing-zones", Warning, "Create a workspace that uses a private endpoint"),
}

/// One finding about a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub rule: Rule,
    pub severity: Severity,
    pub path: FieldPath,
    /// Point at the key of `path` rather than its value (unknown fields, missing names).
    pub on_key: bool,
    pub span: Option<Span>,
    pub message: String,
    pub hint: Option<String>,
    /// The other places of the same cause (the other computes in a VNet without a workspace
    /// endpoint, say): one diagnostic for one mistake, however many places show it.
    pub also: Vec<(FieldPath, Option<Span>)>,
}

impl Diagnostic {
    pub fn new(rule: Rule, path: FieldPath, message: impl Into<String>) -> Self {
        Self {
            rule,
            severity: rule.severity(),
            path,
            on_key: false,
            span: None,
            message: message.into(),
            hint: None,
            also: Vec::new(),
        }
    }
    /// An error of a rule that is always an error (syntax, schema, IO).
    pub fn error(rule: Rule, path: FieldPath, message: impl Into<String>) -> Self {
        let mut d = Self::new(rule, path, message);
        d.severity = Severity::Error;
        d
    }
    pub fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }
    pub fn on_key(mut self) -> Self {
        self.on_key = true;
        self
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    /// Another place of the same cause.
    pub fn also(mut self, path: FieldPath) -> Self {
        self.also.push((path, None));
        self
    }
    /// Fills in the source locations from the field paths.
    pub fn locate(mut self, spans: &SpanIndex) -> Self {
        if self.span.is_none() {
            self.span = Some(if self.on_key {
                spans.key_span(&self.path)
            } else {
                spans.value_span(&self.path)
            });
        }
        for (path, span) in &mut self.also {
            if span.is_none() {
                *span = Some(spans.value_span(path));
            }
        }
        self
    }

    /// Renders like a compiler: header, `path:line:col`, the source line, a caret, the hint.
    pub fn render(&self, src: &SourceFile) -> String {
        self.render_styled(src, Style::PLAIN)
    }

    /// [`Diagnostic::render`] in the colours of `style` (none with [`Style::PLAIN`]).
    pub fn render_styled(&self, src: &SourceFile, style: Style) -> String {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let sev_colour = style.severity(self.severity);
        let clean = |t: &str| t.chars().map(printable).collect::<String>();
        let (b, r, gutter) = (style.bold, style.reset, style.gutter);
        let mut out = format!(
            "{sev_colour}{sev}[{} {}]{r}{b}: {}{r}\n",
            self.rule.id(),
            self.rule.slug(),
            clean(&self.message)
        );
        let span = self.span.unwrap_or_default();
        let path = src.display_path();
        let num = span.line.to_string();
        let pad = " ".repeat(num.len());
        if span.line == 0 {
            let _ = writeln!(out, "{pad}{gutter}-->{r} {path}");
        } else {
            let _ = writeln!(out, "{pad}{gutter}-->{r} {path}:{}:{}", span.line, span.col);
            let (shown, caret, width) = snippet(src.line(span.line), span.col, span.len);
            let _ = writeln!(out, "{pad} {gutter}|{r}");
            let _ = writeln!(out, "{gutter}{num} |{r} {shown}");
            let _ = writeln!(
                out,
                "{pad} {gutter}|{r} {}{sev_colour}{}{r}",
                " ".repeat(caret),
                "^".repeat(width)
            );
        }
        let note = |out: &mut String, label: &str, colour: &str, text: &str| {
            let _ = writeln!(out, "{pad} {gutter}={r} {colour}{label}:{r} {text}");
        };
        if !self.path.0.is_empty() {
            note(&mut out, "field", style.dim, &clean(&self.path.to_string()));
        }
        for (p, at) in &self.also {
            let at = at.unwrap_or_default();
            let text = format!("{path}:{}:{} ({})", at.line, at.col, clean(&p.to_string()));
            note(&mut out, "also", style.dim, &text);
        }
        if let Some(h) = &self.hint {
            note(&mut out, "hint", style.hint, &clean(h));
        }
        if self.rule.spec() != "-" {
            note(&mut out, "spec", style.dim, self.rule.spec());
        }
        out
    }
}

/// Terminal colours of rendered diagnostics: ANSI escapes, or none at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub error: &'static str,
    pub warning: &'static str,
    pub bold: &'static str,
    pub gutter: &'static str,
    pub hint: &'static str,
    pub dim: &'static str,
    pub reset: &'static str,
}

impl Style {
    pub const PLAIN: Style = Style {
        error: "",
        warning: "",
        bold: "",
        gutter: "",
        hint: "",
        dim: "",
        reset: "",
    };
    /// Errors red, warnings yellow, the gutter blue, hints cyan, the other notes dim.
    pub const COLOUR: Style = Style {
        error: "\x1b[1;31m",
        warning: "\x1b[1;33m",
        bold: "\x1b[1m",
        gutter: "\x1b[1;34m",
        hint: "\x1b[36m",
        dim: "\x1b[2m",
        reset: "\x1b[0m",
    };
    pub fn severity(self, s: Severity) -> &'static str {
        match s {
            Severity::Error => self.error,
            Severity::Warning => self.warning,
        }
    }
}

/// Source lines wider than this are shown as a window of [`SNIPPET_WIDTH`] around the caret.
pub const SNIPPET_MAX: usize = 160;
/// The width of the window of a long source line.
pub const SNIPPET_WIDTH: usize = 120;
/// A tab is shown as spaces up to the next multiple of this, and the caret counts them.
const TAB_WIDTH: usize = 4;

/// The source line as shown (tabs expanded, hostile characters replaced, a long line cut to
/// a window around the span at word boundaries and marked with `…`), the caret's offset in
/// it and the caret's width. `col` and `len` count characters, as spans do.
fn snippet(line: &str, col: usize, len: usize) -> (String, usize, usize) {
    // One cell per shown character: a tab becomes spaces, so cells and columns agree.
    let mut cells: Vec<char> = Vec::new();
    let mut start = None;
    let mut end = None;
    for (i, c) in line.chars().enumerate() {
        if i + 1 == col {
            start = Some(cells.len());
        }
        if i + 1 == col + len.max(1) {
            end = Some(cells.len());
        }
        if c == '\t' {
            let n = TAB_WIDTH - cells.len() % TAB_WIDTH;
            cells.extend(std::iter::repeat_n(' ', n));
        } else {
            cells.push(printable(c));
        }
    }
    let total = cells.len();
    let start = start.unwrap_or(total).min(total);
    let end = end.unwrap_or(total).max(start + 1);
    if total <= SNIPPET_MAX {
        return (cells.iter().collect(), start, end - start);
    }
    // A window of SNIPPET_WIDTH cells with the caret a third of the way in (or further, to
    // fill the window up to the end of the line), moved to the nearest spaces so that no word
    // is cut, but never past the span.
    let is_space = |i: usize| cells.get(i).is_some_and(|c| *c == ' ');
    let mut from = start
        .saturating_sub(SNIPPET_WIDTH / 3)
        .min(total - SNIPPET_WIDTH);
    if from > 0 && !is_space(from - 1) {
        from = (from..start).find(|&i| is_space(i)).map_or(from, |i| i + 1);
    }
    let mut to = (from + SNIPPET_WIDTH).min(total);
    if to < total && !is_space(to) {
        to = (end..to).rev().find(|&i| is_space(i)).unwrap_or(to);
    }
    let mut shown = String::new();
    let lead = usize::from(from > 0);
    if from > 0 {
        shown.push('…');
    }
    shown.extend(&cells[from..to]);
    if to < total {
        shown.push('…');
    }
    let caret = start - from + lead;
    let width = (end.min(to) - start).max(1);
    (shown, caret, width)
}

/// The candidate closest to `got` when it is close enough to be a slip of the keyboard (one
/// edit in every five characters, at least one; a swap of two letters counts as one), for
/// "did you mean" hints. Case is ignored; the first of equally close candidates wins.
pub fn closest<'a>(got: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let got_l = got.to_lowercase();
    let limit = ((got_l.chars().count() + 1) / 5).max(1);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == got {
            continue;
        }
        let d = strsim::damerau_levenshtein(&got_l, &c.to_lowercase());
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// `did you mean `x`?` when one of `candidates` is close to `got`.
pub fn did_you_mean<'a>(
    got: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(got, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// Keeps hostile text from reaching the terminal: control, bidirectional and invisible
/// characters are shown as U+FFFD.
fn printable(c: char) -> char {
    if (c.is_control() && c != '\t') || is_invisible(c) {
        '\u{fffd}'
    } else if c == '\t' {
        ' '
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn rule_ids_and_slugs_are_unique() {
        let ids: HashSet<_> = Rule::ALL.iter().map(|r| r.id()).collect();
        let slugs: HashSet<_> = Rule::ALL.iter().map(|r| r.slug()).collect();
        assert_eq!(ids.len(), Rule::ALL.len());
        assert_eq!(slugs.len(), Rule::ALL.len());
        for r in Rule::ALL {
            let want = if r.severity() == Severity::Error {
                'E'
            } else {
                'W'
            };
            assert!(r.id().starts_with(want), "{} has the wrong letter", r.id());
        }
    }

    /// The shown line and the caret line under it.
    fn shown(line: &str, col: usize, len: usize) -> String {
        let (text, caret, width) = snippet(line, col, len);
        format!("{text}\n{}{}", " ".repeat(caret), "^".repeat(width))
    }

    #[test]
    fn tabs_do_not_move_the_caret() {
        assert_eq!(shown("a:\tb\tbad", 6, 3), "a:  b   bad\n        ^^^");
        assert_eq!(shown("\tx", 2, 1), "    x\n    ^");
    }

    #[test]
    fn long_lines_are_cut_around_the_caret_at_spaces() {
        let words: Vec<String> = (0..40).map(|i| format!("word{i:02}")).collect();
        let line = words.join(" ");
        // `word10` starts at character 10 * 7 + 1.
        let text = shown(&line, 10 * 7 + 1, 6);
        let (first, caret) = text.split_once('\n').expect("two lines");
        assert!(
            first.starts_with("…word") && first.ends_with('…'),
            "{first}"
        );
        assert!(first.chars().count() <= SNIPPET_WIDTH + 2, "{first}");
        let at = caret.find('^').expect("caret");
        assert_eq!(first.chars().skip(at).take(6).collect::<String>(), "word10");
        assert_eq!(caret.trim(), "^^^^^^");
        // The last word of the line: no cut after it.
        let text = shown(&line, 39 * 7 + 1, 6);
        let (first, caret) = text.split_once('\n').expect("two lines");
        assert!(first.ends_with("word39"), "{first}");
        assert_eq!(
            first
                .chars()
                .skip(caret.find('^').expect("caret"))
                .collect::<String>(),
            "word39"
        );
        // A span longer than the window is cut with it.
        let long = format!("name: {}", "x".repeat(500));
        let text = shown(&long, 7, 500);
        let (first, caret) = text.split_once('\n').expect("two lines");
        assert_eq!(first.chars().count(), SNIPPET_WIDTH + 1, "{first}");
        assert_eq!(caret.trim().len(), SNIPPET_WIDTH - 6);
        // A short line is shown whole.
        assert_eq!(shown("a: b", 4, 1), "a: b\n   ^");
        // A span past the end of the line is shown at its end.
        assert_eq!(shown("a: b", 9, 1), "a: b\n    ^");
    }

    #[test]
    fn suggestions_are_near_misses_only() {
        let fields = ["networks", "computes", "kubernetes", "storage_account"];
        assert_eq!(closest("netwroks", fields), Some("networks"));
        assert_eq!(closest("kubernets", fields), Some("kubernetes"));
        assert_eq!(closest("storage_acount", fields), Some("storage_account"));
        assert_eq!(closest("NETWORKS", fields), Some("networks"));
        assert_eq!(closest("clustr", ["cluster", "instance"]), Some("cluster"));
        assert_eq!(closest("snet-gpu", ["snet-pe", "snet-compute"]), None);
        assert_eq!(
            closest("AzureMoon", ["AzureCloud", "AzureChinaCloud"]),
            None
        );
        assert_eq!(
            closest("networks", fields),
            None,
            "an exact name is no suggestion"
        );
    }

    #[test]
    fn renders_with_caret_under_the_span() {
        let src = SourceFile {
            path: "s.yaml".into(),
            text: "name: x\nlocation: westus\n".into(),
        };
        let d = Diagnostic::new(
            Rule::ComputeRegion,
            FieldPath::parse("location"),
            "bad region",
        )
        .at(Span {
            line: 2,
            col: 11,
            len: 6,
        })
        .hint("use eastus2");
        let text = d.render(&src);
        assert_eq!(
            text,
            "error[E020 compute-region]: bad region\n --> s.yaml:2:11\n  |\n2 | location: westus\n  |           ^^^^^^\n  = field: location\n  = hint: use eastus2\n  = spec: Limitations\n"
        );
    }
}
