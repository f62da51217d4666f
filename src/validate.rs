//! The rules a scenario must follow before anything is planned. Each function enforces one
//! rule, cites its spec section through [`Rule::spec`], and reports at a field path.

use std::collections::HashMap;

use ipnet::Ipv4Net;

use crate::catalog::{self, NameRule};
use crate::diag::{did_you_mean, Diagnostic, Rule};
use crate::names;
use crate::scenario::{
    AttachKind, Cloud, ComputeKind, Egress, Network, PublicNetworkAccess, RegistrySku, Scenario,
    Target, ZoneMode,
};
use crate::span::{is_invisible, FieldPath};

/// Free text (descriptions) is bounded; it is escaped per output language later. Tag values
/// have Azure's own bound (`catalog::TAG_VALUE_MAX`, rule E017).
pub const MAX_TEXT: usize = 512;

/// The places of one cause, each with what is there (`compute `cpu``).
type Places = Vec<(FieldPath, String)>;

fn p(s: &str) -> FieldPath {
    FieldPath::parse(s)
}

/// One diagnostic for a cause found at several places: at the first, with the others as
/// further places; `message` gets the subject naming them all ("compute `a` is", "compute
/// `a`, compute `b` are").
fn at_places(rule: Rule, placed: &Places, message: impl FnOnce(&str) -> String) -> Diagnostic {
    let who: Vec<&str> = placed.iter().map(|(_, w)| w.as_str()).collect();
    let verb = if who.len() == 1 { "is" } else { "are" };
    let subject = format!("{} {verb}", who.join(", "));
    let mut d = Diagnostic::new(rule, placed[0].0.clone(), message(&subject));
    for (path, _) in &placed[1..] {
        d = d.also(path.clone());
    }
    d
}

/// Networks by name, resolved like `Scenario::network` (the first of a name wins) but in
/// O(1): rules look one up for every compute and cluster.
struct Networks<'a>(HashMap<&'a str, (usize, &'a Network)>);

impl<'a> Networks<'a> {
    fn of(s: &'a Scenario) -> Self {
        let mut m = HashMap::with_capacity(s.networks.len());
        for (i, n) in s.networks.iter().enumerate() {
            m.entry(n.name.as_str()).or_insert((i, n));
        }
        Self(m)
    }
    fn get(&self, name: &str) -> Option<(usize, &'a Network)> {
        self.0.get(name).copied()
    }
}

/// Runs every rule. The result is in rule order; the caller sorts by location.
pub fn validate(s: &Scenario) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let rules: &[fn(&Scenario, &mut Vec<Diagnostic>)] = &[
        naming,
        free_text,
        duplicates,
        shapes,
        references,
        regions,
        dependencies_per_vnet,
        dns_zones,
        image_build_compute,
        registry_sku,
        addresses,
        public_access,
        legacy,
        compute_reach,
        approval,
        egress,
        special_subnets,
        inference_tls,
        compute_subscription,
        users,
        zone_redundancy,
        tags,
        cli_tags,
        compute_bounds,
        subnet_capacity,
    ];
    for rule in rules {
        rule(s, &mut out);
    }
    out
}

fn name(out: &mut Vec<Diagnostic>, rule: &NameRule, value: &str, path: FieldPath) {
    if let Err(msg) = catalog::check_name(rule, value) {
        out.push(Diagnostic::new(Rule::Naming, path, msg).hint(format!(
            "{} names: {}",
            rule.kind,
            describe(rule)
        )));
    }
}

fn describe(rule: &NameRule) -> String {
    let mut d = format!(
        "{}-{} characters, {}, starting with {}",
        rule.min, rule.max, rule.chars, rule.first_desc
    );
    if rule.letter_after_hyphen {
        d.push_str(", with a letter somewhere after the last hyphen");
    }
    d
}

fn naming(s: &Scenario, out: &mut Vec<Diagnostic>) {
    use catalog::*;
    name(out, &NAME_SCENARIO, &s.name, p("name"));
    name(
        out,
        &NAME_RESOURCE_GROUP,
        &s.resource_group,
        p("resource_group"),
    );
    name(out, &NAME_REGION, &s.location, p("location"));
    let ws = &s.workspace;
    if let Some(n) = &ws.name {
        name(out, &NAME_WORKSPACE, n, p("workspace.name"));
        if ws.log_analytics.as_ref().is_none_or(|l| l.name.is_none()) {
            let derived = names::log_analytics(n);
            if let Err(msg) = check_name(&NAME_LOG_ANALYTICS, &derived) {
                out.push(
                    Diagnostic::new(Rule::Naming, p("workspace.name"), msg)
                        .hint("set workspace.log_analytics.name explicitly"),
                );
            }
        }
    }
    let deps: [(&NameRule, Option<&String>, &str); 4] = [
        (
            &NAME_STORAGE,
            ws.storage_account.as_ref().and_then(|d| d.name.as_ref()),
            "workspace.storage_account.name",
        ),
        (
            &NAME_KEY_VAULT,
            ws.key_vault.as_ref().and_then(|d| d.name.as_ref()),
            "workspace.key_vault.name",
        ),
        (
            &NAME_APP_INSIGHTS,
            ws.application_insights
                .as_ref()
                .and_then(|d| d.name.as_ref()),
            "workspace.application_insights.name",
        ),
        (
            &NAME_LOG_ANALYTICS,
            ws.log_analytics.as_ref().and_then(|d| d.name.as_ref()),
            "workspace.log_analytics.name",
        ),
    ];
    for (rule, value, path) in deps {
        if let Some(v) = value {
            name(out, rule, v, p(path));
        }
    }
    if let Some(n) = ws.container_registry.as_ref().and_then(|d| d.name.as_ref()) {
        name(
            out,
            &NAME_REGISTRY,
            n,
            p("workspace.container_registry.name"),
        );
    }
    for (i, n) in s.networks.iter().enumerate() {
        let np = p("networks").index(i);
        name(out, &NAME_VNET, &n.name, np.key("name"));
        if let Some(rg) = &n.resource_group {
            name(out, &NAME_RESOURCE_GROUP, rg, np.key("resource_group"));
        }
        if let Some(rg) = &n.dns.resource_group {
            name(
                out,
                &NAME_RESOURCE_GROUP,
                rg,
                np.key("dns").key("resource_group"),
            );
        }
        if let Some(l) = &n.location {
            name(out, &NAME_REGION, l, np.key("location"));
        }
        for (j, sn) in n.subnets.iter().enumerate() {
            name(
                out,
                &NAME_SUBNET,
                &sn.name,
                np.key("subnets").index(j).key("name"),
            );
        }
        if catalog::check_name(&NAME_VNET, &n.name).is_ok() {
            for t in n.targets() {
                let pe = names::private_endpoint(&n.name, *t);
                if let Err(msg) = check_name(&NAME_PRIVATE_ENDPOINT, &pe) {
                    out.push(
                        Diagnostic::new(
                            Rule::Naming,
                            np.key("name"),
                            format!(
                                "the endpoint name derived from network `{}` is invalid: {msg}",
                                catalog::shorten(&n.name)
                            ),
                        )
                        .hint("shorten the network name"),
                    );
                    break;
                }
            }
        }
    }
    for (i, c) in s.computes.iter().enumerate() {
        let cp = p("computes").index(i);
        let rule = match c.kind {
            ComputeKind::Cluster => &NAME_CLUSTER,
            ComputeKind::Instance => &NAME_INSTANCE,
        };
        name(out, rule, &c.name, cp.key("name"));
        if let Some(l) = &c.location {
            name(out, &NAME_REGION, l, cp.key("location"));
        }
    }
    for (i, k) in s.kubernetes.iter().enumerate() {
        let kp = p("kubernetes").index(i);
        name(out, &NAME_AKS, &k.name, kp.key("name"));
        if let Some(t) = &k.tls {
            name(out, &NAME_TLS_CNAME, &t.cname, kp.key("tls").key("cname"));
            name(
                out,
                &NAME_K8S_SECRET,
                &t.secret,
                kp.key("tls").key("secret"),
            );
        }
        let (cn, cpath) = match &k.compute_name {
            Some(c) => (c.as_str(), kp.key("compute_name")),
            None => (k.name.as_str(), kp.key("name")),
        };
        if let Err(msg) = check_name(&NAME_ATTACHED_COMPUTE, cn) {
            out.push(Diagnostic::new(Rule::Naming, cpath, msg).hint(format!(
                "set compute_name to a name of {}",
                describe(&NAME_ATTACHED_COMPUTE)
            )));
        }
        if let Some(l) = &k.location {
            name(out, &NAME_REGION, l, kp.key("location"));
        }
    }
}

/// Descriptions and tags are text, not names: quotes, `$(...)`, `${`, `[`, backticks and any
/// script are allowed (every output escapes them), but control characters and characters that
/// make text display other than it reads are not. The description may span lines (`\n`, as
/// a YAML block scalar writes them) and hold tabs: the workspace's `description` is a plain
/// string in the resource schema (`catalog::WORKSPACE_DESCRIPTION`); tag values stay on one
/// line.
fn free_text(s: &Scenario, out: &mut Vec<Diagnostic>) {
    let mut check = |text: &str, path: FieldPath, max: usize, what: &str, multiline: bool| {
        let n = text.chars().count();
        let bad = text.chars().find(|c| {
            !(multiline && matches!(c, '\n' | '\t'))
                && (c.is_control() || is_invisible(*c) || matches!(c, '\u{2028}' | '\u{2029}'))
        });
        let d = if n > max {
            Diagnostic::new(
                Rule::Conflict,
                path,
                format!("{what} has {n} characters; at most {max} are allowed"),
            )
            .hint("shorten it")
        } else if let Some(c @ ('\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')) = bad {
            let d = Diagnostic::new(
                Rule::Conflict,
                path,
                format!("{what} contains a line break (U+{:04X})", c as u32),
            );
            if multiline {
                d.hint("break lines with a plain line feed (`\\n`, as a YAML block scalar `description: |` writes them)")
            } else {
                d.hint("write it on one line; in YAML, `>-` folds lines into one")
            }
        } else if let Some(c) = bad {
            Diagnostic::new(
                Rule::Conflict,
                path,
                format!("{what} contains the invisible character U+{:04X}", c as u32),
            )
            .hint("remove control and invisible formatting characters")
        } else {
            return;
        };
        out.push(d);
    };
    check(
        &s.description,
        p("description"),
        MAX_TEXT,
        "the description",
        true,
    );
    // Tag values are bounded by Azure (E017), not here.
    for (k, v) in &s.tags {
        check(v, p("tags").key(k), usize::MAX, "the tag value", false);
    }
    // Azure forbids only seven characters in tag names (E017); control and invisible ones are
    // text that reads differently than it is, here as in values.
    for (k, _) in &s.tags {
        let bad = k
            .chars()
            .find(|c| c.is_control() || is_invisible(*c) || matches!(c, '\u{2028}' | '\u{2029}'));
        if let Some(c) = bad {
            let what = if is_invisible(c) {
                "invisible character"
            } else {
                "control or line-break character"
            };
            out.push(
                Diagnostic::new(
                    Rule::Conflict,
                    p("tags").key(k),
                    format!(
                        "the tag name `{}` contains the {what} U+{:04X}",
                        catalog::shorten(k),
                        c as u32
                    ),
                )
                .on_key()
                .hint("remove control and invisible formatting characters"),
            );
        }
    }
}

fn duplicates(s: &Scenario, out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, n) in s.networks.iter().enumerate() {
        if let Some(first) = seen.insert(&n.name, i) {
            out.push(
                Diagnostic::new(
                    Rule::DuplicateName,
                    p("networks").index(i).key("name"),
                    format!("network `{}` is declared twice", n.name),
                )
                .hint(format!("the first is networks[{first}]; rename one")),
            );
        }
        let mut subnets: HashMap<&str, usize> = HashMap::new();
        for (j, sn) in n.subnets.iter().enumerate() {
            if subnets.insert(&sn.name, j).is_some() {
                out.push(
                    Diagnostic::new(
                        Rule::DuplicateName,
                        p("networks").index(i).key("subnets").index(j).key("name"),
                        format!("subnet `{}` is declared twice in `{}`", sn.name, n.name),
                    )
                    .hint("rename one"),
                );
            }
        }
        let mut targets = Vec::new();
        for (j, t) in n.targets().iter().enumerate() {
            if targets.contains(t) {
                out.push(
                    Diagnostic::new(
                        Rule::DuplicateTarget,
                        p("networks")
                            .index(i)
                            .key("endpoints")
                            .key("targets")
                            .index(j),
                        format!("target `{}` is listed twice for `{}`", t.as_str(), n.name),
                    )
                    .hint("one endpoint per target and VNet is enough"),
                );
            }
            targets.push(*t);
        }
    }
    // Computes and attached clusters share the workspace's compute namespace.
    let mut computes: HashMap<String, String> = HashMap::new();
    for (i, c) in s.computes.iter().enumerate() {
        let path = p("computes").index(i).key("name");
        if let Some(first) = computes.insert(c.name.to_lowercase(), path.to_string()) {
            out.push(
                Diagnostic::new(
                    Rule::DuplicateName,
                    path,
                    format!("compute `{}` is declared twice", c.name),
                )
                .hint(format!(
                    "compute names are unique per workspace; see {first}"
                )),
            );
        }
    }
    let mut clusters: HashMap<&str, usize> = HashMap::new();
    for (i, k) in s.kubernetes.iter().enumerate() {
        let cn = names::attached_compute(k);
        let path = if k.compute_name.is_some() {
            p("kubernetes").index(i).key("compute_name")
        } else {
            p("kubernetes").index(i).key("name")
        };
        if let Some(first) = computes.insert(cn.to_lowercase(), path.to_string()) {
            out.push(
                Diagnostic::new(
                    Rule::DuplicateName,
                    path.clone(),
                    format!("compute `{cn}` is declared twice"),
                )
                .hint(format!(
                    "compute names are unique per workspace; see {first}, or set compute_name"
                )),
            );
        }
        if clusters.insert(&k.name, i).is_some() {
            out.push(
                Diagnostic::new(
                    Rule::DuplicateName,
                    p("kubernetes").index(i).key("name"),
                    format!("AKS cluster `{}` is declared twice", k.name),
                )
                .hint("rename one"),
            );
        }
    }
}

/// Which fields go together: new or existing, one of the two, and what an existing workspace
/// implies for its dependencies.
fn shapes(s: &Scenario, out: &mut Vec<Diagnostic>) {
    use catalog::*;
    let ws = &s.workspace;
    match (&ws.name, &ws.existing) {
        (Some(_), Some(_)) | (None, None) => out.push(
            Diagnostic::new(
                Rule::Conflict,
                p("workspace"),
                "the workspace needs exactly one of `name` (create it) or `existing` (its resource id)",
            )
            .on_key()
            .hint("keep one of the two"),
        ),
        _ => {}
    }
    if let Some(id) = &ws.existing {
        id_check(out, id, WORKSPACE, p("workspace.existing"));
    }
    let existing_ws = ws.existing.is_some();
    let deps: [DepFields; 5] = [
        (
            "storage_account",
            ws.storage_account.as_ref().map(|d| (&d.name, &d.existing)),
            STORAGE,
            true,
        ),
        (
            "key_vault",
            ws.key_vault.as_ref().map(|d| (&d.name, &d.existing)),
            KEY_VAULT,
            true,
        ),
        (
            "container_registry",
            ws.container_registry
                .as_ref()
                .map(|d| (&d.name, &d.existing)),
            REGISTRY,
            false,
        ),
        (
            "application_insights",
            ws.application_insights
                .as_ref()
                .map(|d| (&d.name, &d.existing)),
            APP_INSIGHTS,
            true,
        ),
        (
            "log_analytics",
            ws.log_analytics.as_ref().map(|d| (&d.name, &d.existing)),
            LOG_ANALYTICS,
            false,
        ),
    ];
    for (field, dep, ty, required) in deps {
        let path = p("workspace").key(field);
        match dep {
            None if required && !existing_ws => out.push(
                Diagnostic::new(
                    Rule::MissingDependency,
                    p("workspace"),
                    format!("a new workspace needs `{field}`"),
                )
                .on_key()
                .hint(format!(
                    "add `{field}: {{ name: ... }}` or `{{ existing: <resource id> }}`"
                )),
            ),
            None => {}
            Some((name, existing)) => {
                match (name, existing) {
                    (Some(_), Some(_)) | (None, None) => out.push(
                        Diagnostic::new(
                            Rule::Conflict,
                            path.clone(),
                            format!("`{field}` needs exactly one of `name` or `existing`"),
                        )
                        .hint("keep one of the two"),
                    ),
                    _ => {}
                }
                if let Some(id) = existing {
                    id_check(out, id, ty, path.key("existing"));
                }
                if existing_ws && name.is_some() && field != "log_analytics" {
                    out.push(
                        Diagnostic::new(
                            Rule::Conflict,
                            path.key("name"),
                            format!("an existing workspace keeps its {field}; amlpe cannot create a new one for it"),
                        )
                        .hint("give the resource id: `existing: /subscriptions/...`"),
                    );
                }
            }
        }
    }
    for (i, n) in s.networks.iter().enumerate() {
        let np = p("networks").index(i);
        if let Some(id) = &n.existing {
            if let Some(rid) = id_check(out, id, VNET, np.key("existing")) {
                if rid.name != n.name {
                    out.push(
                        Diagnostic::new(
                            Rule::Conflict,
                            np.key("name"),
                            format!(
                                "network `{}` names an existing VNet called `{}`",
                                n.name, rid.name
                            ),
                        )
                        .hint(format!("set name: {}", rid.name)),
                    );
                }
            }
            if n.resource_group.is_some() {
                out.push(
                    Diagnostic::new(
                        Rule::Conflict,
                        np.key("resource_group"),
                        format!(
                            "the resource group of existing VNet `{}` comes from its id",
                            n.name
                        ),
                    )
                    .hint("remove resource_group"),
                );
            }
        } else if n.address_space.is_empty() {
            out.push(
                Diagnostic::new(
                    Rule::Cidr,
                    np.key("name"),
                    format!("new network `{}` has no address_space", n.name),
                )
                .hint("add `address_space: [10.0.0.0/16]`, or `existing:` with the VNet's id"),
            );
        } else {
            for (j, sn) in n.subnets.iter().enumerate() {
                if sn.prefix.is_none() {
                    out.push(
                        Diagnostic::new(
                            Rule::Cidr,
                            np.key("subnets").index(j).key("name"),
                            format!("subnet `{}` of a new VNet has no prefix", sn.name),
                        )
                        .hint("add `prefix: 10.0.1.0/24` inside the VNet's address space"),
                    );
                }
            }
        }
        let dp = np.key("dns");
        match n.dns.zones {
            ZoneMode::Existing => {
                if n.dns.zone_ids.is_empty() {
                    out.push(
                        Diagnostic::new(
                            Rule::ExistingZones,
                            dp.key("zones"),
                            format!("`{}` has `zones: existing` but no `zone_ids`", n.name),
                        )
                        .hint("list the resource ids of the private DNS zones"),
                    );
                }
                if n.dns.resource_group.is_some() {
                    out.push(
                        Diagnostic::new(
                            Rule::Conflict,
                            dp.key("resource_group"),
                            format!(
                                "the existing zones of `{}` take their resource group from their ids",
                                n.name
                            ),
                        )
                        .hint("remove resource_group"),
                    );
                }
            }
            ZoneMode::Create | ZoneMode::None => {
                if !n.dns.zone_ids.is_empty() {
                    out.push(
                        Diagnostic::new(
                            Rule::Conflict,
                            dp.key("zone_ids"),
                            format!(
                                "`{}` lists zone_ids, which are used only with `zones: existing`",
                                n.name
                            ),
                        )
                        .hint("set `zones: existing` or remove zone_ids"),
                    );
                }
                if n.dns.zones == ZoneMode::None && n.dns.resource_group.is_some() {
                    out.push(
                        Diagnostic::new(
                            Rule::Conflict,
                            dp.key("resource_group"),
                            format!(
                                "`{}` has `zones: none`, which creates no zones, so it takes no resource_group",
                                n.name
                            ),
                        )
                        .hint("remove resource_group"),
                    );
                }
            }
        }
        for (j, id) in n.dns.zone_ids.iter().enumerate() {
            let _ = id_check(out, id, DNS_ZONE, dp.key("zone_ids").index(j));
        }
    }
}

/// A dependency's field name, its `name`/`existing` pair, its type, and whether a new
/// workspace requires it.
type DepFields<'a> = (
    &'static str,
    Option<(&'a Option<String>, &'a Option<String>)>,
    catalog::ResourceType,
    bool,
);

fn id_check(
    out: &mut Vec<Diagnostic>,
    id: &str,
    ty: catalog::ResourceType,
    path: FieldPath,
) -> Option<catalog::ResourceId> {
    catalog::parse_resource_id(id, ty)
        .map_err(|msg| {
            out.push(
                Diagnostic::new(Rule::ResourceId, path, msg).hint(
                    "copy the id from `az resource show --query id` or the portal's JSON view",
                ),
            );
        })
        .ok()
}

/// The hint of a name that is not among `names`: the closest one, else all of them.
fn known_names<'a>(got: &str, names: impl Iterator<Item = &'a str> + Clone, what: &str) -> String {
    did_you_mean(got, names.clone()).unwrap_or_else(|| {
        let all: Vec<&str> = names.collect();
        if all.is_empty() {
            format!("the scenario declares no {what}")
        } else {
            format!("declared {what}: {}", all.join(", "))
        }
    })
}

fn references(s: &Scenario, out: &mut Vec<Diagnostic>) {
    let networks = Networks::of(s);
    let net_names = s.networks.iter().map(|n| n.name.as_str());
    // An unknown network named by several computes is one mistake, reported once.
    let mut unknown: Vec<(String, Vec<FieldPath>)> = Vec::new();
    let mut subnet_ref =
        |net: &str, subnet: &str, base: FieldPath, who: String| match networks.get(net) {
            None => match unknown.iter_mut().find(|(n, _)| *n == net) {
                Some((_, paths)) => paths.push(base.key("network")),
                None => unknown.push((net.to_string(), vec![base.key("network")])),
            },
            Some((_, n)) => {
                if n.subnet(subnet).is_none() {
                    out.push(
                        Diagnostic::new(
                            Rule::DanglingReference,
                            base.key("subnet"),
                            format!(
                                "{who} names subnet `{}`, which network `{}` does not have",
                                catalog::shorten(subnet),
                                n.name
                            ),
                        )
                        .hint(known_names(
                            subnet,
                            n.subnets.iter().map(|x| x.name.as_str()),
                            "subnets",
                        )),
                    );
                }
            }
        };
    for (i, c) in s.computes.iter().enumerate() {
        let who = format!("compute `{}`", catalog::shorten(&c.name));
        subnet_ref(&c.network, &c.subnet, p("computes").index(i), who);
    }
    for (i, k) in s.kubernetes.iter().enumerate() {
        let who = format!("AKS cluster `{}`", catalog::shorten(&k.name));
        subnet_ref(&k.network, &k.subnet, p("kubernetes").index(i), who);
    }
    for (net, paths) in unknown {
        let mut d = Diagnostic::new(
            Rule::DanglingReference,
            paths[0].clone(),
            format!(
                "unknown network `{}`{}",
                catalog::shorten(&net),
                if paths.len() > 1 {
                    format!(", named in {} places", paths.len())
                } else {
                    String::new()
                }
            ),
        )
        .hint(known_names(&net, net_names.clone(), "networks"));
        for other in &paths[1..] {
            d = d.also(other.clone());
        }
        out.push(d);
    }
    for (i, n) in s.networks.iter().enumerate() {
        let Some(e) = &n.endpoints else { continue };
        let ep = p("networks").index(i).key("endpoints");
        if n.subnet(&e.subnet).is_none() {
            out.push(
                Diagnostic::new(
                    Rule::DanglingReference,
                    ep.key("subnet"),
                    format!(
                        "the endpoints of `{}` name subnet `{}`, which the network does not have",
                        n.name,
                        catalog::shorten(&e.subnet)
                    ),
                )
                .hint(known_names(
                    &e.subnet,
                    n.subnets.iter().map(|x| x.name.as_str()),
                    "subnets",
                )),
            );
        }
        for (j, t) in e.targets.iter().enumerate() {
            let ws = &s.workspace;
            let (present, field) = match t {
                Target::Workspace => (true, "workspace"),
                Target::StorageBlob | Target::StorageFile => {
                    (ws.storage_account.is_some(), "workspace.storage_account")
                }
                Target::KeyVault => (ws.key_vault.is_some(), "workspace.key_vault"),
                Target::ContainerRegistry => (
                    ws.container_registry.is_some(),
                    "workspace.container_registry",
                ),
            };
            if !present {
                out.push(
                    Diagnostic::new(
                        Rule::MissingDependency,
                        ep.key("targets").index(j),
                        format!(
                            "target `{}` needs `{field}`, which the scenario does not declare",
                            t.as_str()
                        ),
                    )
                    .hint(format!("declare `{field}` or remove the target")),
                );
            }
        }
    }
}

/// The region of a compute or cluster: its own, else its VNet's, else the scenario's.
fn effective_location<'a>(
    s: &'a Scenario,
    networks: &Networks<'a>,
    own: &'a Option<String>,
    net: &str,
) -> &'a str {
    own.as_deref()
        .or_else(|| networks.get(net).and_then(|(_, n)| n.location.as_deref()))
        .unwrap_or(&s.location)
}

fn regions(s: &Scenario, out: &mut Vec<Diagnostic>) {
    let known = catalog::regions(s.cloud);
    let mut warn_unknown = |loc: &str, path: FieldPath| {
        if catalog::check_name(&catalog::NAME_REGION, loc).is_ok() && !known.contains(&loc) {
            out.push(
                Diagnostic::new(
                    Rule::UnknownRegion,
                    path,
                    format!(
                        "`{loc}` is not a known {} region for Azure Machine Learning",
                        catalog::cloud_name(s.cloud)
                    ),
                )
                .hint(
                    did_you_mean(loc, known.iter().copied())
                        .unwrap_or_else(|| format!("known regions: {}", known.join(", "))),
                ),
            );
        }
    };
    warn_unknown(&s.location, p("location"));
    for (i, n) in s.networks.iter().enumerate() {
        if let Some(l) = &n.location {
            warn_unknown(l, p("networks").index(i).key("location"));
        }
    }
    let networks = Networks::of(s);
    // Computes that take a VNet's region are out of the workspace's region for one cause:
    // one diagnostic at that VNet's location names them all.
    let mut outside: Vec<(Rule, FieldPath, String, Vec<String>)> = Vec::new();
    let mut check = |own: &Option<String>, net: &str, base: FieldPath, rule: Rule, who: String| {
        let loc = effective_location(s, &networks, own, net);
        let path = if own.is_some() {
            base.key("location")
        } else {
            match networks.get(net) {
                Some((i, n)) if n.location.is_some() => p("networks").index(i).key("location"),
                _ => base.key("name"),
            }
        };
        if loc != s.location {
            match outside.iter_mut().find(|o| o.0 == rule && o.1 == path) {
                Some(o) => o.3.push(who.clone()),
                None => outside.push((rule, path.clone(), loc.to_string(), vec![who.clone()])),
            }
        }
        if let (Some(own), Some((_, n))) = (own, networks.get(net)) {
            let net_loc = n.location.as_deref().unwrap_or(&s.location);
            if own != net_loc && loc == s.location {
                out.push(
                    Diagnostic::new(
                        Rule::ComputeVnetRegion,
                        base.key("location"),
                        format!(
                            "{who} is in `{own}` but its network `{}` is in `{net_loc}`",
                            n.name
                        ),
                    )
                    .hint("a compute must be in the region of its VNet"),
                );
            }
        }
    };
    for (i, c) in s.computes.iter().enumerate() {
        let what = match c.kind {
            ComputeKind::Cluster => "compute cluster",
            ComputeKind::Instance => "compute instance",
        };
        check(
            &c.location,
            &c.network,
            p("computes").index(i),
            Rule::ComputeRegion,
            format!("{what} `{}`", catalog::shorten(&c.name)),
        );
    }
    for (i, k) in s.kubernetes.iter().enumerate() {
        check(
            &k.location,
            &k.network,
            p("kubernetes").index(i),
            Rule::AksRegion,
            format!("AKS cluster `{}`", catalog::shorten(&k.name)),
        );
    }
    for (rule, path, loc, who) in outside {
        let (what, verb) = if who.len() == 1 {
            (who[0].clone(), "is")
        } else {
            (who.join(", "), "are")
        };
        let kinds = if rule == Rule::AksRegion {
            "AKS clusters"
        } else {
            "compute instances and clusters"
        };
        out.push(
            Diagnostic::new(
                rule,
                path,
                format!(
                    "{what} {verb} in `{loc}` but the workspace is in `{}`",
                    s.location
                ),
            )
            .hint(format!(
                "with a private endpoint, {kinds} must be in the workspace's region: use `{}`",
                s.location
            )),
        );
    }
}

/// E031: Azure ML computes and attached AKS clusters need a VNet in the workspace's
/// subscription (catalog::COMPUTE_VNET_SUBSCRIPTION). The subscription is known when the
/// workspace or the VNet exists; a new workspace takes the deploying one, which the scripts
/// check against the computes' VNets before they change anything.
fn compute_subscription(s: &Scenario, out: &mut Vec<Diagnostic>) {
    let networks = Networks::of(s);
    let mut want = (s.workspace.existing.as_deref())
        .and_then(names::id_subscription)
        .map(|sub| (sub, "the workspace".to_string()));
    let placed = (s.computes.iter().enumerate())
        .map(|(i, c)| (p("computes").index(i), &c.name, &c.network, "compute"))
        .chain(
            (s.kubernetes.iter().enumerate())
                .map(|(i, k)| (p("kubernetes").index(i), &k.name, &k.network, "AKS cluster")),
        );
    // The computes of one VNet in another subscription: one diagnostic for that VNet.
    let mut wrong: Vec<(&str, &str, Places)> = Vec::new();
    for (path, name, net, what) in placed {
        let Some((_, n)) = networks.get(net) else {
            continue;
        };
        let Some(sub) = names::network_subscription(n) else {
            continue;
        };
        match &want {
            Some((w, _)) if !w.eq_ignore_ascii_case(sub) => {
                let here = (path.key("network"), format!("{what} `{name}`"));
                match wrong.iter_mut().find(|x| x.0 == net.as_str()) {
                    Some((_, _, v)) => v.push(here),
                    None => wrong.push((net, sub, vec![here])),
                }
            }
            Some(_) => {}
            None => want = Some((sub, format!("{what} `{name}`'s VNet `{net}`"))),
        }
    }
    let Some((w, owner)) = want else { return };
    for (net, sub, placed) in wrong {
        let d = at_places(Rule::ComputeVnetSubscription, &placed, |who| {
            format!(
                "{who} in VNet `{net}` of subscription {sub}, but {owner} is in subscription {w}"
            )
        });
        out.push(d.hint(format!(
            "{}: use a VNet of subscription {w}",
            catalog::COMPUTE_VNET_SUBSCRIPTION
        )));
    }
}

/// E016: the people who use the workspace are named by Microsoft Entra object id (a GUID),
/// each once, and only for a workspace amlpe creates.
fn users(s: &Scenario, out: &mut Vec<Diagnostic>) {
    let ws = &s.workspace;
    if ws.existing.is_some() && !ws.users.is_empty() {
        out.push(
            Diagnostic::new(
                Rule::Conflict,
                p("workspace.users"),
                "`users` grants roles on a workspace amlpe creates, but this one exists",
            )
            .hint("remove `users`: the owner of the existing workspace grants its roles"),
        );
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, u) in ws.users.iter().enumerate() {
        let path = p("workspace.users").index(i).key("object_id");
        if !catalog::is_guid(&u.object_id) {
            out.push(
                Diagnostic::new(
                    Rule::PrincipalId,
                    path,
                    format!("`{}` is not a Microsoft Entra object id", u.object_id),
                )
                .hint("use the object id (a GUID like 00000000-0000-0000-0000-000000000000): `az ad user show --id <upn> --query id` or `az ad group show --group <name> --query id`"),
            );
        } else if let Some(first) = seen.insert(u.object_id.to_lowercase(), i) {
            out.push(
                Diagnostic::new(
                    Rule::DuplicateName,
                    path,
                    format!(
                        "object id `{}` is listed twice (also workspace.users[{first}])",
                        u.object_id
                    ),
                )
                .hint("list each user or group once"),
            );
        }
    }
}

/// The dependency targets a VNet with a workspace endpoint must reach, given the scenario.
pub fn dependency_targets(s: &Scenario) -> Vec<Target> {
    let mut v = Vec::new();
    if s.workspace.storage_account.is_some() {
        v.extend([Target::StorageBlob, Target::StorageFile]);
    }
    if s.workspace.key_vault.is_some() {
        v.push(Target::KeyVault);
    }
    if s.workspace.container_registry.is_some() {
        v.push(Target::ContainerRegistry);
    }
    v
}

fn dependencies_per_vnet(s: &Scenario, out: &mut Vec<Diagnostic>) {
    let deps = dependency_targets(s);
    let ws_vnets: Vec<(usize, &Network)> = s
        .networks
        .iter()
        .enumerate()
        .filter(|(_, n)| n.has(Target::Workspace))
        .collect();
    if ws_vnets.is_empty() {
        out.push(
            Diagnostic::new(
                Rule::NoWorkspaceEndpoint,
                p("networks"),
                "no network has a private endpoint for the workspace",
            )
            .on_key()
            .hint(
                "add `workspace` to the endpoint targets of the VNet your clients or computes use",
            ),
        );
        return;
    }
    let list = |ts: &[Target]| ts.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ");
    if ws_vnets.len() > 1 && !ws_vnets.iter().any(|(_, n)| deps.iter().all(|t| n.has(*t))) {
        let (i, _) = ws_vnets[0];
        out.push(
            Diagnostic::new(
                Rule::DependencyVnet,
                p("networks").index(i).key("endpoints").key("targets"),
                format!(
                    "the workspace has {} private endpoints, and none is in a VNet that also holds the endpoints of its dependencies ({})",
                    ws_vnets.len(),
                    list(&deps)
                ),
            )
            .hint("one VNet (the 'services' VNet) must hold the workspace endpoint and the storage, Key Vault and registry endpoints"),
        );
    }
    for (i, n) in &ws_vnets {
        let missing: Vec<Target> = deps.iter().copied().filter(|t| !n.has(*t)).collect();
        if !missing.is_empty() {
            out.push(
                Diagnostic::new(
                    Rule::WorkspaceVnetReach,
                    p("networks").index(*i).key("endpoints").key("targets"),
                    format!(
                        "`{}` has a workspace endpoint but cannot reach {}",
                        n.name,
                        list(&missing)
                    ),
                )
                .hint(format!(
                    "every VNet with a workspace endpoint needs endpoints for the storage account (blob and file), Key Vault and registry: add {}",
                    list(&missing)
                )),
            );
        }
    }
}

/// Where a VNet's records for a target land: one key per zone, so two endpoints of the same
/// target sharing a key overwrite each other's A record.
fn dns_zones(s: &Scenario, out: &mut Vec<Diagnostic>) {
    let mut owners: HashMap<(String, Target), usize> = HashMap::new();
    for (i, n) in s.networks.iter().enumerate() {
        let dp = p("networks").index(i).key("dns");
        let mut collisions: Vec<(usize, Target, &str)> = Vec::new();
        if n.dns.zones == ZoneMode::Existing && !n.dns.zone_ids.is_empty() {
            existing_zone_coverage(s, i, n, out);
        }
        if n.dns.zones == ZoneMode::None {
            continue;
        }
        for t in n.targets() {
            for z in catalog::zones(s.cloud, *t) {
                let key = match n.dns.zones {
                    ZoneMode::Create => format!("rg:{}/{}", names::zone_home(s, n), z.name),
                    _ => match n.dns.zone_ids.iter().find(|id| {
                        id.rsplit('/')
                            .next()
                            .is_some_and(|x| x.eq_ignore_ascii_case(z.name))
                    }) {
                        Some(id) => format!("id:{}", id.to_lowercase()),
                        None => continue,
                    },
                };
                if let Some(first) = owners.insert((key, *t), i) {
                    if first != i {
                        collisions.push((first, *t, z.name));
                        break;
                    }
                }
            }
        }
        // One mistake (two VNets sharing a zone set), however many zones it touches.
        let mut firsts: Vec<usize> = collisions.iter().map(|c| c.0).collect();
        firsts.sort_unstable();
        firsts.dedup();
        for first in firsts {
            let zones: Vec<String> = collisions
                .iter()
                .filter(|c| c.0 == first)
                .map(|(_, t, z)| format!("{} in `{z}`", t.as_str()))
                .collect();
            let place = match n.dns.zones {
                ZoneMode::Create => {
                    format!("resource group `{}`", names::dns_resource_group(s, n))
                }
                _ => "the same existing zones".to_string(),
            };
            out.push(
                Diagnostic::new(
                    Rule::DnsZoneCollision,
                    if n.dns.resource_group.is_some() {
                        dp.key("resource_group")
                    } else {
                        dp.clone()
                    },
                    format!(
                        "the endpoints of `{}` and `{}` would register in the same zones in {place}, where each overwrites the other's A records: {}",
                        s.networks[first].name,
                        n.name,
                        zones.join(", ")
                    ),
                )
                .hint(format!(
                    "give `{}` its own zone set: `dns: {{ zones: create, resource_group: <another group> }}`",
                    n.name
                )),
            );
        }
    }
}

fn existing_zone_coverage(s: &Scenario, i: usize, n: &Network, out: &mut Vec<Diagnostic>) {
    let dp = p("networks").index(i).key("dns");
    let needed: Vec<&str> = n
        .targets()
        .iter()
        .flat_map(|t| catalog::zones(s.cloud, *t))
        .map(|z| z.name)
        .collect();
    let all_known: Vec<&str> = Target::ALL
        .iter()
        .flat_map(|t| catalog::zones(s.cloud, *t))
        .map(|z| z.name)
        .collect();
    let other_clouds: Vec<(Cloud, &str)> = [
        Cloud::AzureCloud,
        Cloud::AzureUSGovernment,
        Cloud::AzureChinaCloud,
    ]
    .into_iter()
    .filter(|c| *c != s.cloud)
    .flat_map(|c| {
        Target::ALL
            .iter()
            .flat_map(move |t| catalog::zones(c, *t))
            .map(move |z| (c, z.name))
    })
    .collect();
    // Hubs hold zones for other services (SQL, Cosmos DB, ...) and for targets this VNet has
    // no endpoint of: amlpe takes the zones it needs from the list and names the others.
    // A zone amlpe uses in another cloud, and not in this one, is a mistake of cloud.
    let mut unused: Vec<(usize, &str)> = Vec::new();
    for (j, id) in n.dns.zone_ids.iter().enumerate() {
        let zname = id.rsplit('/').next().unwrap_or_default();
        if needed.iter().any(|k| k.eq_ignore_ascii_case(zname)) {
            continue;
        }
        let foreign = other_clouds
            .iter()
            .find(|(_, z)| z.eq_ignore_ascii_case(zname))
            .filter(|_| !all_known.iter().any(|k| k.eq_ignore_ascii_case(zname)));
        if let Some((cloud, _)) = foreign {
            out.push(
                Diagnostic::new(
                    Rule::ExistingZones,
                    dp.key("zone_ids").index(j),
                    format!(
                        "zone `{}` in the zone_ids of `{}` is a private-link zone of {}, and the scenario deploys to {}",
                        catalog::shorten(zname),
                        n.name,
                        catalog::cloud_name(*cloud),
                        catalog::cloud_name(s.cloud)
                    ),
                )
                .hint(format!(
                    "the zones for this cloud: {}",
                    all_known.join(", ")
                )),
            );
        } else {
            unused.push((j, zname));
        }
    }
    if let Some((first, _)) = unused.first() {
        let names: Vec<&str> = unused.iter().map(|(_, z)| *z).collect();
        out.push(
            Diagnostic::new(
                Rule::UnusedExistingZones,
                dp.key("zone_ids").index(*first),
                format!(
                    "the endpoints of `{}` use none of these listed zones: {}; amlpe takes the zones it needs from zone_ids and leaves these alone",
                    n.name,
                    names
                        .iter()
                        .map(|z| format!("`{}`", catalog::shorten(z)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .hint(format!(
                "nothing to do when the list is the hub's whole zone set; the zones these endpoints use: {}",
                needed.join(", ")
            )),
        );
    }
    let missing: Vec<&str> = needed
        .iter()
        .copied()
        .filter(|z| {
            !n.dns.zone_ids.iter().any(|id| {
                id.rsplit('/')
                    .next()
                    .is_some_and(|x| x.eq_ignore_ascii_case(z))
            })
        })
        .collect();
    if !missing.is_empty() {
        out.push(
            Diagnostic::new(
                Rule::ExistingZones,
                dp.key("zone_ids"),
                format!(
                    "the endpoints of `{}` need zones that zone_ids does not list: {}",
                    n.name,
                    missing.join(", ")
                ),
            )
            .hint(
                "add their resource ids (the workspace needs both the api and the notebooks zone)",
            ),
        );
    }
}

fn image_build_compute(s: &Scenario, out: &mut Vec<Diagnostic>) {
    let ws = &s.workspace;
    match &ws.image_build_compute {
        None => {
            if ws.existing.is_none() && ws.container_registry.is_some() {
                out.push(
                    Diagnostic::new(
                        Rule::ImageBuildCompute,
                        p("workspace"),
                        "the registry is private, so ACR tasks cannot build images, and `image_build_compute` is not set",
                    )
                    .on_key()
                    .hint("add a compute cluster in the VNet and set `image_build_compute: <its name>` (else builds fail with ImageBuildComputeNotValid)"),
                );
            }
        }
        Some(c) => match s.compute(c) {
            None => out.push(
                Diagnostic::new(
                    Rule::ImageBuildCompute,
                    p("workspace.image_build_compute"),
                    format!(
                        "`image_build_compute` names `{}`, which is not a compute of the scenario",
                        catalog::shorten(c)
                    ),
                )
                .hint(
                    did_you_mean(
                        c,
                        s.computes
                            .iter()
                            .filter(|x| x.kind == ComputeKind::Cluster)
                            .map(|x| x.name.as_str()),
                    )
                    .unwrap_or_else(|| {
                        "declare it under computes with `kind: cluster`".to_string()
                    }),
                ),
            ),
            Some((_, comp)) if comp.kind != ComputeKind::Cluster => out.push(
                Diagnostic::new(
                    Rule::ImageBuildCompute,
                    p("workspace.image_build_compute"),
                    format!("`{c}` is a compute instance; images are built on a compute cluster"),
                )
                .hint("name a compute with `kind: cluster`"),
            ),
            Some(_) => {}
        },
    }
}

fn registry_sku(s: &Scenario, out: &mut Vec<Diagnostic>) {
    if let Some(r) = &s.workspace.container_registry {
        if r.existing.is_none() && r.sku != RegistrySku::Premium {
            out.push(
                Diagnostic::new(
                    Rule::RegistrySku,
                    p("workspace.container_registry.sku"),
                    format!(
                        "container registry `{}` has SKU `{:?}`, which does not support private endpoints",
                        r.name.as_deref().map(catalog::shorten).unwrap_or_default(),
                        r.sku
                    ),
                )
                .hint("use `sku: Premium`"),
            );
        }
    }
}

fn addresses(s: &Scenario, out: &mut Vec<Diagnostic>) {
    // `kind` and `owner` name the value: "address space" of "`vnet-a`", "prefix" of "subnet
    // `snet-pe`".
    let parse = |text: &str,
                 (kind, owner): (&str, &str),
                 path: FieldPath,
                 out: &mut Vec<Diagnostic>|
     -> Option<Ipv4Net> {
        match text.parse::<Ipv4Net>() {
            Err(_) => {
                let hint = if text.contains(':') {
                    "amlpe plans IPv4 address spaces; write a prefix like 10.0.0.0/16"
                } else {
                    "write an IPv4 prefix like 10.0.0.0/16"
                };
                out.push(
                    Diagnostic::new(
                        Rule::Cidr,
                        path,
                        format!(
                            "the {kind} `{}` of {owner} is not an IPv4 CIDR prefix",
                            catalog::shorten(text)
                        ),
                    )
                    .hint(hint),
                );
                None
            }
            // `010.0.0.0/16` parses as 10.0.0.0/16 but would reach the outputs as written.
            Ok(net) if net.trunc() == net && net.to_string() != text => {
                out.push(
                    Diagnostic::new(
                        Rule::Cidr,
                        path,
                        format!(
                            "the {kind} `{}` of {owner} is not written in canonical form",
                            catalog::shorten(text)
                        ),
                    )
                    .hint(format!("write it as {net}")),
                );
                None
            }
            Ok(net) if net.trunc() != net => {
                out.push(
                    Diagnostic::new(
                        Rule::Cidr,
                        path,
                        format!("the {kind} `{text}` of {owner} has host bits set"),
                    )
                    .hint(format!("did you mean {}?", net.trunc())),
                );
                None
            }
            Ok(net) if net.prefix_len() > catalog::SUBNET_SMALLEST_PREFIX => {
                let smallest = catalog::SUBNET_SMALLEST_PREFIX;
                out.push(
                    Diagnostic::new(
                        Rule::Cidr,
                        path,
                        format!("the {kind} `{text}` of {owner} is smaller than Azure's smallest subnet (/{smallest})"),
                    )
                    .hint(format!("use /{smallest} or larger")),
                );
                None
            }
            Ok(net) => Some(net),
        }
    };
    let bridge: Ipv4Net = catalog::DOCKER_BRIDGE.parse().unwrap_or_default();
    // (start, end, network index, path) for an overlap sweep: sorting keeps it n log n.
    let mut spaces: Vec<(u32, u32, usize, FieldPath, Ipv4Net)> = Vec::new();
    for (i, n) in s.networks.iter().enumerate() {
        let np = p("networks").index(i);
        let mut own = Vec::new();
        for (j, a) in n.address_space.iter().enumerate() {
            let path = np.key("address_space").index(j);
            let owner = format!("`{}`", n.name);
            if let Some(net) = parse(a, ("address space", &owner), path.clone(), out) {
                if net.contains(&bridge.network()) || bridge.contains(&net.network()) {
                    out.push(
                        Diagnostic::new(
                            Rule::DockerBridge,
                            path.clone(),
                            format!("`{net}` overlaps {}, Docker's default bridge network", catalog::DOCKER_BRIDGE),
                        )
                        .hint("computes in this VNet may fail to reach these addresses; pick another range"),
                    );
                }
                spaces.push((
                    u32::from(net.network()),
                    u32::from(net.broadcast()),
                    i,
                    path,
                    net,
                ));
                own.push(net);
            }
        }
        let mut subnets: Vec<(u32, u32, FieldPath, Ipv4Net, &str)> = Vec::new();
        for (j, sn) in n.subnets.iter().enumerate() {
            let Some(prefix) = &sn.prefix else { continue };
            let path = np.key("subnets").index(j).key("prefix");
            let owner = format!("subnet `{}`", sn.name);
            let Some(net) = parse(prefix, ("prefix", &owner), path.clone(), out) else {
                continue;
            };
            if !own.is_empty() && !own.iter().any(|a| a.contains(&net)) {
                out.push(
                    Diagnostic::new(
                        Rule::SubnetOutsideVnet,
                        path.clone(),
                        format!(
                            "subnet `{}` ({net}) is outside the address space of `{}`",
                            sn.name, n.name
                        ),
                    )
                    .hint(format!(
                        "choose a prefix inside {}",
                        own.iter()
                            .map(|a| a.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                );
            }
            subnets.push((
                u32::from(net.network()),
                u32::from(net.broadcast()),
                path,
                net,
                &sn.name,
            ));
        }
        subnets.sort_by_key(|x| (x.0, x.1));
        for w in subnets.windows(2) {
            if w[1].0 <= w[0].1 {
                out.push(
                    Diagnostic::new(
                        Rule::SubnetOverlap,
                        w[1].2.clone(),
                        format!(
                            "subnet `{}` ({}) overlaps subnet `{}` ({}) in `{}`",
                            w[1].4, w[1].3, w[0].4, w[0].3, n.name
                        ),
                    )
                    .hint("subnets of a VNet must not overlap"),
                );
            }
        }
    }
    spaces.sort_by_key(|x| (x.0, x.1));
    let mut widest: Option<&(u32, u32, usize, FieldPath, Ipv4Net)> = None;
    for cur in &spaces {
        if let Some(prev) = widest {
            if cur.0 <= prev.1 && cur.2 != prev.2 {
                out.push(
                    Diagnostic::new(
                        Rule::VnetOverlap,
                        cur.3.clone(),
                        format!(
                            "address space {} of `{}` overlaps {} of `{}`",
                            cur.4, s.networks[cur.2].name, prev.4, s.networks[prev.2].name
                        ),
                    )
                    .hint("VNets that reach the same workspace must not overlap (peering and routing fail)"),
                );
            }
        }
        if widest.is_none_or(|w| cur.1 > w.1) {
            widest = Some(cur);
        }
    }
}

fn public_access(s: &Scenario, out: &mut Vec<Diagnostic>) {
    let has_endpoints = s.networks.iter().any(|n| n.has(Target::Workspace));
    if s.workspace.public_network_access == PublicNetworkAccess::Enabled && has_endpoints {
        out.push(
            Diagnostic::new(
                Rule::PublicAccess,
                p("workspace.public_network_access"),
                "the workspace answers on its public endpoint as well as its private endpoints",
            )
            .hint("over the public endpoint some studio features fail to access data behind the VNet (such as the storage account), and Jupyter, JupyterLab and RStudio on compute instances are not supported; the private endpoints stay in place"),
        );
    }
}

/// W056: zone-redundant storage and registries need a region with availability zones; without
/// them amlpe plans locally redundant ones (`catalog::zone_regions`).
fn zone_redundancy(s: &Scenario, out: &mut Vec<Diagnostic>) {
    let ws = &s.workspace;
    let new = |d: Option<(&Option<String>, &Option<String>)>| {
        d.is_some_and(|(name, existing)| name.is_some() && existing.is_none())
    };
    let storage = new(ws.storage_account.as_ref().map(|d| (&d.name, &d.existing)));
    let registry = new(ws
        .container_registry
        .as_ref()
        .map(|d| (&d.name, &d.existing)));
    if ws.existing.is_some() || !(storage || registry) || catalog::has_zones(s.cloud, &s.location) {
        return;
    }
    let what = match (storage, registry) {
        (true, true) => format!(
            "the storage account is locally redundant ({}) and the registry is not zone-redundant",
            catalog::storage_sku(false)
        ),
        (true, false) => format!(
            "the storage account is locally redundant ({})",
            catalog::storage_sku(false)
        ),
        _ => "the registry is not zone-redundant".to_string(),
    };
    out.push(
        Diagnostic::new(
            Rule::NoAvailabilityZones,
            p("location"),
            format!("`{}` has no availability zones, so {what}", s.location),
        )
        .hint(format!(
            "for zone redundancy use a region with availability zones, such as {}",
            catalog::zone_regions(s.cloud)
                .iter()
                .take(4)
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        )),
    );
}

fn legacy(s: &Scenario, out: &mut Vec<Diagnostic>) {
    for (i, l) in s.legacy.iter().enumerate() {
        let (what, date) = match l {
            crate::scenario::Legacy::CliV1 => (
                "Azure ML CLI v1 (`az ml` 1.x with --pe-* flags)",
                catalog::CLI_V1_END_OF_SUPPORT,
            ),
            crate::scenario::Legacy::SdkV1 => (
                "Python SDK v1 (azureml-core)",
                catalog::SDK_V1_END_OF_SUPPORT,
            ),
        };
        out.push(
            Diagnostic::new(
                Rule::Legacy,
                p("legacy").index(i),
                format!("{what} reached end of support on {date}"),
            )
            .hint("its files are generated under legacy/ for reference; deploy with the Bicep, ARM or CLI v2 outputs"),
        );
    }
}

fn compute_reach(s: &Scenario, out: &mut Vec<Diagnostic>) {
    let networks = Networks::of(s);
    // The computes of one VNet without a workspace endpoint: one warning for that VNet.
    let mut by_vnet: Vec<(usize, Places)> = Vec::new();
    let placed = (s.computes.iter().enumerate())
        .map(|(i, c)| {
            (
                &c.network,
                p("computes").index(i),
                format!("compute `{}`", c.name),
            )
        })
        .chain((s.kubernetes.iter().enumerate()).map(|(i, k)| {
            (
                &k.network,
                p("kubernetes").index(i),
                format!("AKS cluster `{}`", k.name),
            )
        }));
    for (net, base, who) in placed {
        let Some((n, net)) = networks.get(net) else {
            continue;
        };
        if net.has(Target::Workspace) {
            continue;
        }
        let here = (base.key("network"), who);
        match by_vnet.iter_mut().find(|(k, _)| *k == n) {
            Some((_, v)) => v.push(here),
            None => by_vnet.push((n, vec![here])),
        }
    }
    for (n, placed) in by_vnet {
        let d = at_places(Rule::ComputeOutsideEndpointVnet, &placed, |who| {
            format!(
                "{who} in `{}`, which has no workspace endpoint",
                s.networks[n].name
            )
        });
        out.push(d.hint("compute targets that are not behind a VNet with a workspace endpoint do not work; add `workspace` to that VNet's targets"));
    }
}

/// W055: the Azure ML extension's inference router without TLS serves plain HTTP
/// (`allowInsecureConnections=True`), "only for development or testing purposes"
/// (`catalog::AML_EXTENSION_TLS_SETTINGS`).
fn inference_tls(s: &Scenario, out: &mut Vec<Diagnostic>) {
    for (i, k) in s.kubernetes.iter().enumerate() {
        if k.attach_as == AttachKind::Kubernetes && k.tls.is_none() {
            out.push(
                Diagnostic::new(
                    Rule::InferenceWithoutTls,
                    p("kubernetes").index(i).key("name"),
                    format!("the inference router of `{}` serves plain HTTP (allowInsecureConnections); Azure ML recommends that only for development and testing", k.name),
                )
                .hint("add `tls: { cname: <host name>, secret: <Kubernetes secret in the azureml namespace with cert.pem and key.pem> }`"),
            );
        }
    }
}

fn approval(s: &Scenario, out: &mut Vec<Diagnostic>) {
    for (i, n) in s.networks.iter().enumerate() {
        if n.endpoints
            .as_ref()
            .is_some_and(|e| e.approval == crate::scenario::Approval::Manual)
        {
            out.push(
                Diagnostic::new(
                    Rule::ManualApproval,
                    p("networks").index(i).key("endpoints").key("approval"),
                    format!("the endpoints of `{}` stay Pending until the owner of each target approves them", n.name),
                )
                .hint("approve them under Networking > Private endpoint connections, or `az network private-endpoint-connection approve`"),
            );
        }
    }
}

/// Computes without public IPs need an outbound path (see `catalog::DEFAULT_OUTBOUND_ACCESS`):
/// a new VNet with computes gets one from amlpe; an existing VNet's is the network team's, since
/// amlpe does not change existing subnets.
fn egress(s: &Scenario, out: &mut Vec<Diagnostic>) {
    for (i, n) in s.networks.iter().enumerate() {
        let path = p("networks").index(i).key("egress");
        let computes = s.compute_subnets(&n.name);
        match (&n.egress, &n.existing) {
            (Some(Egress::Provided), None) if !computes.is_empty() => out.push(
                Diagnostic::new(
                    Rule::Egress,
                    path,
                    format!(
                        "`{}` is a new VNet, so nothing provides outbound access to its compute subnet(s) {}: new subnets have no default outbound access",
                        n.name,
                        quoted(&computes)
                    ),
                )
                .hint("use `egress: nat-gateway` (the default) or `egress: { firewall: <private IP of the firewall> }`"),
            ),
            (Some(e @ (Egress::NatGateway | Egress::Firewall(_))), Some(_)) => out.push(
                Diagnostic::new(
                    Rule::Egress,
                    path,
                    format!(
                        "`{}` is an existing VNet: amlpe does not change its subnets, so it cannot attach {}",
                        n.name,
                        if *e == Egress::NatGateway { "a NAT gateway" } else { "a route table" }
                    ),
                )
                .hint("use `egress: provided` and have the network team give the compute subnets a NAT gateway or a route to the firewall"),
            ),
            (Some(Egress::Firewall(ip)), None) if ip.parse::<std::net::Ipv4Addr>().is_err() => {
                out.push(
                    Diagnostic::new(
                        Rule::Egress,
                        path.key("firewall"),
                        format!(
                            "the firewall address `{}` of `{}` is not an IPv4 address",
                            catalog::shorten(ip),
                            n.name
                        ),
                    )
                    .hint("give the firewall's private IPv4 address, e.g. `egress: { firewall: 10.0.0.4 }`"),
                )
            }
            _ => {}
        }
    }
}

/// Subnets Azure reserves for one service (`catalog::SPECIAL_SUBNETS`) hold no endpoints and
/// no computes of amlpe's.
fn special_subnets(s: &Scenario, out: &mut Vec<Diagnostic>) {
    let mut refuse = |subnet: &str, path: FieldPath, what: &str| {
        if let Some(why) = catalog::special_subnet(subnet) {
            out.push(
                Diagnostic::new(
                    Rule::SpecialSubnet,
                    path,
                    format!("{what} cannot go in `{subnet}`: it is {why}"),
                )
                .hint("use a subnet of its own"),
            );
        }
    };
    for (i, n) in s.networks.iter().enumerate() {
        if let Some(e) = &n.endpoints {
            refuse(
                &e.subnet,
                p("networks").index(i).key("endpoints").key("subnet"),
                &format!("the private endpoints of `{}`", n.name),
            );
        }
    }
    for (i, c) in s.computes.iter().enumerate() {
        refuse(
            &c.subnet,
            p("computes").index(i).key("subnet"),
            &format!("compute `{}`", c.name),
        );
    }
    for (i, k) in s.kubernetes.iter().enumerate() {
        refuse(
            &k.subnet,
            p("kubernetes").index(i).key("subnet"),
            &format!("AKS cluster `{}`", k.name),
        );
    }
}

/// `a`, `b` as the messages quote names.
fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// E017: amlpe puts the scenario's tags, and none of its own, on every resource it creates, so
/// they meet the strictest limit among those resources (`catalog::TAGS_PER_RESOURCE` and the
/// other tag facts): the count, the name and value lengths, the characters, and names that
/// differ only in case (Azure treats tag names without case).
fn tags(s: &Scenario, out: &mut Vec<Diagnostic>) {
    let n = s.tags.len();
    let zones_of = s
        .networks
        .iter()
        .find(|net| net.dns.zones == ZoneMode::Create && !net.targets().is_empty());
    if n > catalog::TAGS_PER_RESOURCE {
        out.push(
            Diagnostic::new(
                Rule::Tags,
                p("tags"),
                format!(
                    "the scenario has {n} tags, and amlpe puts every one on each resource it creates; Azure allows at most {} on a resource",
                    catalog::TAGS_PER_RESOURCE
                ),
            )
            .on_key()
            .hint("merge some: one tag value can hold a JSON string of several values"),
        );
    } else if let Some(net) = zones_of.filter(|_| n > catalog::TAGS_PER_PRIVATE_DNS_ZONE) {
        out.push(
            Diagnostic::new(
                Rule::Tags,
                p("tags"),
                format!(
                    "the scenario has {n} tags, and amlpe puts them on the private DNS zones it creates for `{}`; a private DNS zone takes at most {}",
                    net.name,
                    catalog::TAGS_PER_PRIVATE_DNS_ZONE
                ),
            )
            .on_key()
            .hint(format!(
                "keep at most {} tags, or use zones that exist (`dns: {{ zones: existing, zone_ids: [...] }}`)",
                catalog::TAGS_PER_PRIVATE_DNS_ZONE
            )),
        );
    }
    let storage = s
        .workspace
        .storage_account
        .as_ref()
        .and_then(|d| d.name.as_deref());
    let mut seen: HashMap<String, &str> = HashMap::new();
    for (k, v) in &s.tags {
        let path = p("tags").key(k);
        let shown = catalog::shorten(k);
        let name_issue = tag_name_issue(k, storage);
        if let Some((msg, hint)) = name_issue {
            out.push(
                Diagnostic::new(Rule::Tags, path.clone(), msg)
                    .on_key()
                    .hint(hint),
            );
        }
        if let Some(first) = seen.get(&k.to_lowercase()) {
            out.push(
                Diagnostic::new(
                    Rule::Tags,
                    path.clone(),
                    format!(
                        "tag names `{}` and `{shown}` differ only in case; Azure treats tag names without case, so they are one tag",
                        catalog::shorten(first)
                    ),
                )
                .on_key()
                .hint("keep one of the two"),
            );
        } else {
            seen.insert(k.to_lowercase(), k);
        }
        let vlen = v.chars().count();
        if vlen > catalog::TAG_VALUE_MAX {
            out.push(
                Diagnostic::new(
                    Rule::Tags,
                    path,
                    format!(
                        "the value of tag `{shown}` has {vlen} characters; Azure allows at most {} in a tag value",
                        catalog::TAG_VALUE_MAX
                    ),
                )
                .hint("shorten it, or spread it over several tags"),
            );
        }
    }
}

/// E018: the scripts pass the tags to most `az` commands as `--tags key=value` words, which
/// the Azure CLI splits at the first `=` and reads as an option when they start with `-`
/// (`catalog::CLI_TAGS`): a tag name with `=`, or starting with `-`, cannot reach Azure that
/// way. The templates could carry it; the scripts could not, so it is refused.
fn cli_tags(s: &Scenario, out: &mut Vec<Diagnostic>) {
    for k in s.tags.keys() {
        let why = if k.contains('=') {
            "contains `=`, and the Azure CLI splits a `--tags key=value` word at its first `=`"
        } else if k.starts_with('-') {
            "starts with `-`, and the Azure CLI reads a `--tags` word starting with `-` as an option"
        } else {
            continue;
        };
        let fixed: String = k.trim_start_matches('-').replace('=', "-");
        let fixed = if fixed.is_empty() {
            "tag".to_string()
        } else {
            fixed
        };
        out.push(
            Diagnostic::new(
                Rule::CliTags,
                p("tags").key(k),
                format!(
                    "tag name `{}` {why}: the tag cannot reach Azure through deploy.sh and the ops scripts",
                    catalog::shorten(k)
                ),
            )
            .on_key()
            .hint(format!(
                "rename the tag, for example to `{}`",
                catalog::shorten(&fixed)
            )),
        );
    }
}

/// What is wrong with a tag name, and how to fix it; `storage` is the storage account amlpe
/// creates, if any.
fn tag_name_issue(k: &str, storage: Option<&str>) -> Option<(String, String)> {
    let shown = catalog::shorten(k);
    let len = k.chars().count();
    if k.is_empty() {
        return Some((
            "a tag has an empty name".to_string(),
            "give the tag a name".to_string(),
        ));
    }
    if let Some(c) = k.chars().find(|c| catalog::TAG_NAME_FORBIDDEN.contains(c)) {
        let fixed: String = k
            .chars()
            .map(|c| {
                if catalog::TAG_NAME_FORBIDDEN.contains(&c) {
                    '-'
                } else {
                    c
                }
            })
            .collect();
        return Some((
            format!(
                "tag name `{shown}` contains `{c}`; Azure refuses `<`, `>`, `%`, `&`, `\\`, `?` and `/` in tag names"
            ),
            format!("rename the tag, for example to `{}`", catalog::shorten(&fixed)),
        ));
    }
    if len > catalog::TAG_NAME_MAX {
        return Some((
            format!(
                "tag name `{shown}` has {len} characters; Azure allows at most {} in a tag name",
                catalog::TAG_NAME_MAX
            ),
            "shorten the name".to_string(),
        ));
    }
    let st = storage.filter(|_| len > catalog::TAG_NAME_MAX_STORAGE)?;
    Some((
        format!(
            "tag name `{shown}` has {len} characters; a storage account takes tag names of at most {}, and amlpe creates `{}` with these tags",
            catalog::TAG_NAME_MAX_STORAGE,
            catalog::shorten(st)
        ),
        format!(
            "shorten the name to {} characters or fewer",
            catalog::TAG_NAME_MAX_STORAGE
        ),
    ))
}

/// E032: node counts and VM sizes Azure accepts, and node counts only where they mean
/// something (a compute instance is one VM).
fn compute_bounds(s: &Scenario, out: &mut Vec<Diagnostic>) {
    let vm_size = |out: &mut Vec<Diagnostic>, size: &str, path: FieldPath, who: String| {
        if let Err(msg) = catalog::check_vm_size(size) {
            out.push(Diagnostic::new(Rule::ComputeBounds, path, format!("{who}: {msg}")).hint(
                "write the size as Azure names it, like Standard_DS3_v2 or Standard_NC6s_v3 (case does not matter); `az vm list-skus --location <region> --resource-type virtualMachines` lists them",
            ));
        }
    };
    let builder = s.workspace.image_build_compute.as_deref();
    for (i, c) in s.computes.iter().enumerate() {
        let cp = p("computes").index(i);
        let kind = match c.kind {
            ComputeKind::Cluster => "compute cluster",
            ComputeKind::Instance => "compute instance",
        };
        let who = format!("{kind} `{}`", catalog::shorten(&c.name));
        vm_size(out, &c.vm_size, cp.key("vm_size"), who);
        match c.kind {
            ComputeKind::Instance => {
                for (field, value) in [("min_nodes", c.min_nodes), ("max_nodes", c.max_nodes)] {
                    if value.is_some() {
                        out.push(
                            Diagnostic::new(
                                Rule::ComputeBounds,
                                cp.key(field),
                                format!(
                                    "compute instance `{}` is one VM: `{field}` applies to clusters only",
                                    c.name
                                ),
                            )
                            .on_key()
                            .hint("remove it, or make the compute `kind: cluster`"),
                        );
                    }
                }
            }
            ComputeKind::Cluster => {
                let (min, max) = (c.min_nodes(), c.max_nodes());
                if min > max {
                    let (path, fix) = if c.min_nodes.is_some() && c.max_nodes.is_none() {
                        (
                            cp.key("min_nodes"),
                            format!("set `max_nodes: {min}` or more, or lower min_nodes"),
                        )
                    } else {
                        (
                            cp.key("min_nodes"),
                            "lower min_nodes or raise max_nodes".to_string(),
                        )
                    };
                    let max_said = if c.max_nodes.is_some() {
                        format!("max_nodes {max}")
                    } else {
                        format!("the default max_nodes of {max}")
                    };
                    out.push(
                        Diagnostic::new(
                            Rule::ComputeBounds,
                            path,
                            format!(
                                "compute cluster `{}` has min_nodes {min}, above {max_said}",
                                c.name
                            ),
                        )
                        .hint(fix),
                    );
                }
                if builder == Some(c.name.as_str()) && max == 0 {
                    out.push(
                        Diagnostic::new(
                            Rule::ComputeBounds,
                            cp.key("max_nodes"),
                            format!(
                                "compute cluster `{}` builds the workspace's images, but max_nodes 0 leaves it no node to build on",
                                c.name
                            ),
                        )
                        .hint("set max_nodes to 1 or more (min_nodes 0 keeps it empty while idle)"),
                    );
                }
            }
        }
    }
    for (i, k) in s.kubernetes.iter().enumerate() {
        let kp = p("kubernetes").index(i);
        let who = format!("AKS cluster `{}`", catalog::shorten(&k.name));
        vm_size(out, &k.vm_size, kp.key("vm_size"), who);
        if !catalog::AKS_NODE_COUNT.contains(&k.node_count) {
            out.push(
                Diagnostic::new(
                    Rule::ComputeBounds,
                    kp.key("node_count"),
                    format!(
                        "AKS cluster `{}` has node_count {}, outside {}-{}, the node count of an AKS system node pool",
                        catalog::shorten(&k.name),
                        k.node_count,
                        catalog::AKS_NODE_COUNT.start(),
                        catalog::AKS_NODE_COUNT.end()
                    ),
                )
                .hint("give the cluster at least one node; 3 is the default"),
            );
        }
    }
}

/// A subnet prefix the address rules accept (E040 reports the others).
fn known_prefix(text: &str) -> Option<Ipv4Net> {
    let net: Ipv4Net = text.parse().ok()?;
    (net.trunc() == net
        && net.to_string() == text
        && net.prefix_len() <= catalog::SUBNET_SMALLEST_PREFIX)
        .then_some(net)
}

/// E047: what amlpe places in a subnet fits in it: Azure keeps 5 addresses of every subnet
/// (`catalog::SUBNET_RESERVED_ADDRESSES`), each private endpoint takes the addresses of its
/// members, a cluster one per node up to max_nodes, an instance one, an AKS cluster its nodes,
/// their pods, an upgrade's surge node and its internal load balancer. Subnets without a
/// prefix in the scenario (of existing VNets) are not checked.
fn subnet_capacity(s: &Scenario, out: &mut Vec<Diagnostic>) {
    let networks = Networks::of(s);
    let here = |i: usize, net: &str| networks.get(net).is_some_and(|(k, _)| k == i);
    for (i, n) in s.networks.iter().enumerate() {
        for (j, sn) in n.subnets.iter().enumerate() {
            let Some(prefix) = sn.prefix.as_deref().and_then(known_prefix) else {
                continue;
            };
            if n.subnet(&sn.name).is_some_and(|(first, _)| first != j) {
                continue;
            }
            let mut needs: Vec<(String, u64)> = Vec::new();
            if let Some(e) = n.endpoints.as_ref().filter(|e| e.subnet == sn.name) {
                let mut targets: Vec<Target> = Vec::new();
                for t in &e.targets {
                    if !targets.contains(t) {
                        targets.push(*t);
                    }
                }
                for t in targets {
                    needs.push((
                        format!("{} endpoint", t.as_str()),
                        catalog::endpoint_addresses(t),
                    ));
                }
            }
            for c in s
                .computes
                .iter()
                .filter(|c| c.subnet == sn.name && here(i, &c.network))
            {
                needs.push(match c.kind {
                    ComputeKind::Cluster => (
                        format!("compute cluster `{}` (max_nodes {})", c.name, c.max_nodes()),
                        u64::from(c.max_nodes()),
                    ),
                    ComputeKind::Instance => (
                        format!("compute instance `{}`", c.name),
                        catalog::COMPUTE_INSTANCE_ADDRESSES,
                    ),
                });
            }
            for k in s
                .kubernetes
                .iter()
                .filter(|k| k.subnet == sn.name && here(i, &k.network))
            {
                needs.push((
                    format!(
                        "AKS cluster `{}` (({} nodes + {} upgrade surge) x (1 + {} pods) + {} internal load balancer)",
                        k.name,
                        k.node_count,
                        catalog::AKS_UPGRADE_SURGE_NODES,
                        catalog::AKS_MAX_PODS,
                        catalog::AKS_INTERNAL_LOAD_BALANCER_ADDRESSES
                    ),
                    catalog::aks_addresses(k.node_count),
                ));
            }
            let need: u64 = needs.iter().map(|(_, a)| a).sum();
            let size = 1u64 << (32 - u32::from(prefix.prefix_len()));
            let usable = size.saturating_sub(catalog::SUBNET_RESERVED_ADDRESSES);
            if need <= usable {
                continue;
            }
            let usable_of =
                |l: u8| (1u64 << (32 - u32::from(l))) - catalog::SUBNET_RESERVED_ADDRESSES;
            let hint = match (0..=catalog::SUBNET_SMALLEST_PREFIX).rev().find(|l| usable_of(*l) >= need) {
                Some(l) => format!(
                    "use a /{l} or larger prefix ({} usable addresses), or move some of them to another subnet",
                    usable_of(l)
                ),
                None => "no IPv4 subnet holds that many: lower max_nodes or node_count".to_string(),
            };
            let list = needs
                .iter()
                .map(|(what, a)| format!("{what} {a}"))
                .collect::<Vec<_>>()
                .join(", ");
            out.push(
                Diagnostic::new(
                    Rule::SubnetCapacity,
                    p("networks").index(i).key("subnets").index(j).key("prefix"),
                    format!(
                        "subnet `{}` ({prefix}) has {usable} usable addresses ({size} minus the {} Azure reserves) but needs {need}: {list}",
                        sn.name,
                        catalog::SUBNET_RESERVED_ADDRESSES
                    ),
                )
                .hint(hint),
            );
        }
    }
}
