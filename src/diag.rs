//! Diagnostics: every rule has an id, a severity and the spec section it enforces, and every
//! finding points at the place in the scenario file that causes it.

use std::fmt::Write as _;

use serde::Serialize;

use crate::span::{is_invisible, FieldPath, SourceFile, Span, SpanIndex};

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
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let clean = |t: &str| t.chars().map(printable).collect::<String>();
        let mut out = format!(
            "{sev}[{} {}]: {}\n",
            self.rule.id(),
            self.rule.slug(),
            clean(&self.message)
        );
        let span = self.span.unwrap_or_default();
        let path = src.display_path();
        let num = span.line.to_string();
        let pad = " ".repeat(num.len());
        if span.line == 0 {
            let _ = writeln!(out, "{pad}--> {path}");
        } else {
            let _ = writeln!(out, "{pad}--> {path}:{}:{}", span.line, span.col);
            let line = src.line(span.line);
            let shown: String = line.chars().take(160).map(printable).collect();
            let caret_col = span.col.saturating_sub(1).min(shown.chars().count());
            let width = span
                .len
                .clamp(1, shown.chars().count().saturating_sub(caret_col).max(1));
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{num} | {shown}");
            let _ = writeln!(
                out,
                "{pad} | {}{}",
                " ".repeat(caret_col),
                "^".repeat(width)
            );
        }
        if !self.path.0.is_empty() {
            let _ = writeln!(out, "{pad} = field: {}", clean(&self.path.to_string()));
        }
        for (p, at) in &self.also {
            let at = at.unwrap_or_default();
            let _ = writeln!(
                out,
                "{pad} = also: {path}:{}:{} ({})",
                at.line,
                at.col,
                clean(&p.to_string())
            );
        }
        if let Some(h) = &self.hint {
            let _ = writeln!(out, "{pad} = hint: {}", clean(h));
        }
        if self.rule.spec() != "-" {
            let _ = writeln!(out, "{pad} = spec: {}", self.rule.spec());
        }
        out
    }
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
