//! How the templates cut a plan into deployments, shared by the Bicep and ARM renderers so
//! both deploy the same resources in the same order.
//!
//! A resource-group-scope plan is one deployment. A subscription-scope plan is one deployment
//! per resource group, except that groups can need each other both ways: the isolated
//! topologies link a DNS group's zones to a VNet of the main group while the main group's zone
//! groups need those zones. Such a group is deployed again in a later stage, so the sequence
//! of deployments can be, e.g., main group → DNS group → main group. The sequence is the
//! shortest one that respects every dependency (a few groups at most: a short search).

use std::borrow::Cow;

use serde_json::Value;

use crate::fxhash::{FxHashMap, FxHashSet};
use crate::plan::{Output, Parameter, Plan, Resource, ResourceGroupPlan, Scope};

/// One deployment: the resources amlpe creates in one resource group at one stage.
#[derive(Debug, Clone)]
pub struct Deployment<'p> {
    /// 1-based position in the sequence.
    pub index: usize,
    /// Set when the group is in a subscription the scenario names (an existing hub zone's
    /// links); otherwise the deploying subscription.
    pub subscription: Option<&'p str>,
    pub resource_group: &'p str,
    /// 1 for the group's first deployment, 2 for the next one, ...
    pub stage: usize,
    /// In plan order.
    pub resources: Vec<&'p Resource>,
    /// Their places in the plan.
    pub positions: Vec<usize>,
    /// Indices of the earlier deployments holding resources this one needs.
    pub needs: Vec<usize>,
    /// The deployment's name (≤ 64 characters, unique in the template).
    pub name: String,
}

/// A special form of a plan value (see [`crate::plan`]); each renderer spells it its way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form<'v> {
    /// The resource id of a planned resource.
    Ref(&'v str),
    /// A template parameter.
    Param(&'v str),
    /// `prefix` + `environment().suffixes.<suffix>`.
    Env { prefix: &'v str, suffix: &'v str },
    /// The tenant of the deploying subscription.
    Tenant,
}

/// The special form an object stands for, if it is one.
pub fn form(m: &serde_json::Map<String, Value>) -> Option<Form<'_>> {
    // Forms are objects of one or two keys. A small object is read key by key; a look-up per
    // form name would hash every name for every object.
    if m.len() > 4 {
        return form_by_lookup(m);
    }
    let (mut reference, mut param, mut env, mut prefix, mut tenant) =
        (None, None, None, None, false);
    for (k, v) in m {
        match k.as_str() {
            "$ref" => reference = v.as_str(),
            "$param" => param = v.as_str(),
            "$env" => env = v.as_str(),
            "$prefix" => prefix = v.as_str(),
            "$tenant" => tenant = true,
            _ => {}
        }
    }
    if let Some(s) = reference {
        Some(Form::Ref(s))
    } else if let Some(p) = param {
        Some(Form::Param(p))
    } else if let Some(suffix) = env {
        Some(Form::Env {
            prefix: prefix.unwrap_or_default(),
            suffix,
        })
    } else if tenant {
        Some(Form::Tenant)
    } else {
        None
    }
}

fn form_by_lookup(m: &serde_json::Map<String, Value>) -> Option<Form<'_>> {
    let text = |k: &str| m.get(k).and_then(Value::as_str);
    if let Some(s) = text("$ref") {
        Some(Form::Ref(s))
    } else if let Some(p) = text("$param") {
        Some(Form::Param(p))
    } else if let Some(suffix) = text("$env") {
        Some(Form::Env {
            prefix: text("$prefix").unwrap_or_default(),
            suffix,
        })
    } else if m.contains_key("$tenant") {
        Some(Form::Tenant)
    } else {
        None
    }
}

/// The resource an output gives the id of.
pub fn output_symbol(o: &Output) -> Option<&str> {
    match &o.value {
        Value::Object(m) => match form(m) {
            Some(Form::Ref(s)) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// The `$ref` symbols and `$param` names inside a plan value, in order.
fn walk<'v>(v: &'v Value, refs: &mut Vec<&'v str>, params: &mut Vec<&'v str>) {
    match v {
        Value::Object(m) => match form(m) {
            Some(Form::Ref(s)) => refs.push(s),
            Some(Form::Param(p)) => params.push(p),
            Some(_) => {}
            None => m.values().for_each(|x| walk(x, refs, params)),
        },
        Value::Array(a) => a.iter().for_each(|x| walk(x, refs, params)),
        _ => {}
    }
}

/// Keeps the first of equal symbols, in order.
fn dedup(v: &mut Vec<&str>) {
    if v.len() <= 16 {
        // A handful: comparing beats hashing.
        let mut kept = 0;
        for i in 0..v.len() {
            let s = v[i];
            if !v[..kept].contains(&s) {
                v[kept] = s;
                kept += 1;
            }
        }
        v.truncate(kept);
    } else {
        let mut seen = FxHashSet::default();
        v.retain(|s| seen.insert(*s));
    }
}

/// Lists of symbols, one per resource, stored end to end (one allocation for them all).
struct Lists<'p> {
    items: Vec<&'p str>,
    /// Where each list ends in `items`.
    ends: Vec<usize>,
}

impl<'p> Lists<'p> {
    fn with_capacity(lists: usize) -> Self {
        Self {
            items: Vec::with_capacity(4 * lists),
            ends: Vec::with_capacity(lists),
        }
    }

    /// Appends a list: `items`, the first of equal symbols only.
    fn push(&mut self, items: &mut Vec<&'p str>) {
        dedup(items);
        self.items.append(items);
        self.ends.push(self.items.len());
    }

    fn get(&self, i: usize) -> &[&'p str] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.items[start..self.ends[i]]
    }
}

/// What the renderers need to know of a plan, worked out once per plan (each resource's values
/// are walked once): what every resource refers to, needs and uses, and the deployments.
pub struct Layout<'p> {
    pub plan: &'p Plan,
    /// The deployments, in order.
    pub deployments: Vec<Deployment<'p>>,
    /// Each resource's place in the plan, by symbol (the first, should two share one).
    positions: FxHashMap<&'p str, usize>,
    /// Per resource (by place in the plan): the symbols its values refer to (properties,
    /// sku, identity, location, name), each once, in order.
    references: Lists<'p>,
    /// Per resource: the symbols that must exist before it is deployed: its parent, the
    /// resource it extends, what its values refer to, and its explicit `depends_on`.
    needs: Lists<'p>,
    /// Per resource: the `$param` names its values use.
    params: Lists<'p>,
    /// Per resource: the deployment (index into `deployments`) that creates it.
    holders: Vec<Option<usize>>,
}

impl<'p> Layout<'p> {
    /// Every created resource and its place in the plan, in deployment order: what one
    /// template deploys when the whole scenario is one deployment.
    pub fn created(&self) -> (Vec<&'p Resource>, Vec<usize>) {
        let resources = self
            .deployments
            .iter()
            .flat_map(|d| d.resources.iter().copied())
            .collect();
        let positions = self
            .deployments
            .iter()
            .flat_map(|d| d.positions.iter().copied())
            .collect();
        (resources, positions)
    }

    pub fn new(plan: &'p Plan) -> Self {
        let n = plan.resources.len();
        let mut positions = FxHashMap::with_capacity_and_hasher(n, Default::default());
        for (i, r) in plan.resources.iter().enumerate() {
            positions.entry(r.symbol.as_str()).or_insert(i);
        }
        let mut references = Lists::with_capacity(n);
        let mut needs = Lists::with_capacity(n);
        let mut params = Lists::with_capacity(n);
        let (mut refs, mut need, mut used) = (Vec::new(), Vec::new(), Vec::new());
        for r in &plan.resources {
            for v in [&r.name_expr, &r.location, &r.sku, &r.identity]
                .into_iter()
                .flatten()
                .chain([&r.properties])
            {
                walk(v, &mut refs, &mut used);
            }
            dedup(&mut refs);
            need.extend(r.parent.iter().chain(&r.scope).map(String::as_str));
            need.extend(&refs);
            need.extend(r.depends_on.iter().map(String::as_str));
            references.push(&mut refs);
            needs.push(&mut need);
            params.push(&mut used);
        }
        let deployments = deployments(plan, &needs, &positions);
        let mut holders = vec![None; n];
        for (i, d) in deployments.iter().enumerate() {
            for &p in &d.positions {
                holders[p].get_or_insert(i);
            }
        }
        Self {
            plan,
            deployments,
            positions,
            references,
            needs,
            params,
            holders,
        }
    }

    /// The place in the plan of the resource with this symbol.
    pub fn position(&self, symbol: &str) -> Option<usize> {
        self.positions.get(symbol).copied()
    }

    /// Whether a resource of the plan has this symbol.
    pub fn is_symbol(&self, symbol: &str) -> bool {
        self.positions.contains_key(symbol)
    }

    /// The symbols the values of the resource at `position` refer to.
    pub fn references(&self, position: usize) -> &[&'p str] {
        self.references.get(position)
    }

    /// What the resource at `position` needs deployed first.
    pub fn needs(&self, position: usize) -> &[&'p str] {
        self.needs.get(position)
    }

    /// The deployment (index into `deployments`) that creates the resource named `symbol`.
    pub fn holder(&self, symbol: &str) -> Option<usize> {
        self.position(symbol).and_then(|p| self.holders[p])
    }

    /// The template parameters the resources at `positions` use, in plan order (`tags` when
    /// any of them is tagged).
    pub fn used_parameters(&self, positions: &[usize], tags: bool) -> Vec<&'p Parameter> {
        let tagged = tags || positions.iter().any(|&i| self.plan.resources[i].tags);
        self.plan
            .parameters
            .iter()
            .filter(|p| {
                positions
                    .iter()
                    .any(|&i| self.params.get(i).contains(&p.name.as_str()))
                    || (tagged && p.name == "tags")
            })
            .collect()
    }
}

/// Groups the subscription-scope templates create: groups with new resources that are not
/// known to exist already.
pub fn created_groups(plan: &Plan) -> impl Iterator<Item = &ResourceGroupPlan> {
    plan.resource_groups
        .iter()
        .filter(move |g| plan.scope == Scope::Subscription && g.create && !g.exists)
}

/// Parameter of a module deployed to another subscription that refers to resources in the
/// deploying one (there, `subscription()` is the module's own subscription).
pub const DEPLOYING_SUBSCRIPTION: &str = "deployingSubscriptionId";
pub const DEPLOYING_SUBSCRIPTION_DESCRIPTION: &str =
    "Subscription of the deployment that runs this one, where the resources it refers to live";

/// Rewrites comments and descriptions so they name no cloud host: every zone name that the
/// templates spell from the cloud's suffixes (a resource whose `name_expr` is an `$env` form)
/// becomes its spelling. The names are collected once per plan; there are a few distinct
/// ones, however many resources (one zone per DNS resource group) carry them.
pub struct CloudNeutral<'p> {
    /// (zone name, its spelling), each name once, in plan order.
    zones: Vec<(&'p str, String)>,
    /// The first bytes of the names, for a quick look whether a text holds any.
    first: [bool; 256],
    /// What every name starts with.
    common: &'p str,
    /// No name is empty, and no two names or a name and a spelling overlap: replacing every
    /// name in one pass over the text is then the same as replacing them one after another.
    independent: bool,
}

/// Whether `a` and `b` can share text: one holds the other, or an end of one is a start of
/// the other.
fn overlap(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let contains = |x: &[u8], y: &[u8]| match y.first() {
        None => true,
        Some(&first) => x.windows(y.len()).any(|w| w[0] == first && w == y),
    };
    // Whether a start of `y`, shorter than both, is an end of `x`.
    let ends_in = |x: &[u8], y: &[u8]| {
        (1..x.len().min(y.len())).any(|k| x[x.len() - k] == y[0] && x[x.len() - k..] == y[..k])
    };
    contains(a, b) || contains(b, a) || ends_in(a, b) || ends_in(b, a)
}

impl<'p> CloudNeutral<'p> {
    /// `spell(prefix, suffix)` spells a zone name in the output's language.
    pub fn new(plan: &'p Plan, spell: impl Fn(&str, &str) -> String) -> Self {
        let mut zones: Vec<(&'p str, String)> = Vec::new();
        for r in &plan.resources {
            if let Some(Value::Object(m)) = &r.name_expr {
                if let Some(Form::Env { prefix, suffix }) = form(m) {
                    // A name already replaced no longer occurs in the text: only the first
                    // spelling of a name ever applies.
                    if !zones.iter().any(|(n, _)| *n == r.name) {
                        zones.push((&r.name, spell(prefix, suffix)));
                    }
                }
            }
        }
        let mut first = [false; 256];
        for (name, _) in &zones {
            if let Some(&b) = name.as_bytes().first() {
                first[usize::from(b)] = true;
            }
        }
        let mut common: &str = zones.first().map_or("", |(n, _)| n);
        for (name, _) in &zones {
            while !name.starts_with(common) {
                let mut end = common.len() - 1;
                while !common.is_char_boundary(end) {
                    end -= 1;
                }
                common = &common[..end];
            }
        }
        let independent = zones.iter().all(|(n, _)| !n.is_empty())
            && zones.iter().enumerate().all(|(i, (name, _))| {
                zones.iter().enumerate().all(|(j, (other, spelled))| {
                    i == j || (!overlap(name, other) && !overlap(name, spelled))
                })
            });
        Self {
            zones,
            first,
            common,
            independent,
        }
    }

    /// The first place at or after `from` where a name starts, and which.
    fn next(&self, text: &str, from: usize) -> Option<(usize, usize)> {
        let bytes = text.as_bytes();
        (from..bytes.len()).find_map(|i| {
            if !self.first[usize::from(bytes[i])] || !bytes[i..].starts_with(self.common.as_bytes())
            {
                return None;
            }
            let z = self
                .zones
                .iter()
                .position(|(name, _)| bytes[i..].starts_with(name.as_bytes()))?;
            Some((i, z))
        })
    }

    /// `text` with every zone name replaced by its spelling, in plan order.
    pub fn apply<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if !self.independent {
            let mut out = Cow::Borrowed(text);
            for (name, spelled) in &self.zones {
                if out.contains(name) {
                    out = Cow::Owned(out.replace(name, spelled));
                }
            }
            return out;
        }
        let Some(mut at) = self.next(text, 0) else {
            return Cow::Borrowed(text);
        };
        let mut out = String::with_capacity(text.len() + 32);
        let mut done = 0;
        loop {
            let (i, z) = at;
            let (name, spelled) = &self.zones[z];
            out.push_str(&text[done..i]);
            out.push_str(spelled);
            done = i + name.len();
            match self.next(text, done) {
                Some(next) => at = next,
                None => break,
            }
        }
        out.push_str(&text[done..]);
        Cow::Owned(out)
    }
}

/// Whether two optional subscriptions are the same, compared as lowercase text.
pub fn same_subscription(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) if a.is_ascii() && b.is_ascii() => a.eq_ignore_ascii_case(b),
        (Some(a), Some(b)) => a.to_lowercase() == b.to_lowercase(),
        _ => false,
    }
}

/// Where a resource lives: (subscription when named, resource group). A child lives where its
/// parent does, whatever group the plan filed it under.
pub fn home<'p>(plan: &'p Plan, r: &'p Resource) -> (Option<&'p str>, &'p str) {
    let mut top = r;
    let mut hops = 0;
    while let Some(p) = top.parent.as_deref().and_then(|p| plan.resource(p)) {
        top = p;
        hops += 1;
        if hops > plan.resources.len() {
            break;
        }
    }
    let sub = r.subscription.as_deref().or(top.subscription.as_deref());
    (sub, top.resource_group.as_str())
}

/// Where a created group goes: the `location` parameter when that is the plan's region (so
/// the group follows an override, and no region is hard-coded), else the plan's region.
pub fn group_location(plan: &Plan, g: &ResourceGroupPlan) -> Value {
    if g.location.eq_ignore_ascii_case(&plan.location) {
        serde_json::json!({ "$param": "location" })
    } else {
        Value::String(g.location.clone())
    }
}

/// The deployments of a plan, in order (`needs`: per resource, what it needs; `positions`:
/// each resource's place in the plan, by symbol).
fn deployments<'p>(
    plan: &'p Plan,
    needs: &Lists,
    positions: &FxHashMap<&str, usize>,
) -> Vec<Deployment<'p>> {
    let created: Vec<usize> = (0..plan.resources.len())
        .filter(|&i| !plan.resources[i].existing)
        .collect();
    // Each created resource's index in `created`, by place in the plan.
    let mut index = vec![usize::MAX; plan.resources.len()];
    for (i, &p) in created.iter().enumerate() {
        index[p] = i;
    }
    let deps: Vec<Vec<usize>> = created
        .iter()
        .map(|&p| {
            needs
                .get(p)
                .iter()
                .filter_map(|s| positions.get(s).map(|&q| index[q]))
                .filter(|&i| i != usize::MAX)
                .collect()
        })
        .collect();
    let places = created;
    let created: Vec<&Resource> = places.iter().map(|&p| &plan.resources[p]).collect();
    let order = topological(&deps);

    // Groups (per subscription) in the order the plan lists them; keys compare
    // case-insensitively, as Azure does. Each group's name as first written (for the
    // deployment's scope), and each resource's group in order of first sight.
    let mut ids: FxHashMap<(Option<String>, String), usize> = FxHashMap::default();
    let mut seen: Vec<(Option<&str>, &str)> = Vec::new();
    let mut rank_of: Vec<usize> = Vec::new();
    let rank: FxHashMap<String, usize> = plan
        .resource_groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.name.to_lowercase(), i))
        .collect();
    // Resources of a group mostly come together: the previous one's group is checked first.
    let mut last: Option<((Option<&str>, &str), usize)> = None;
    let sighted: Vec<usize> = created
        .iter()
        .map(|r| {
            let home = home(plan, r);
            if let Some((h, id)) = last {
                if h == home {
                    return id;
                }
            }
            let (sub, name) = home;
            let key = (sub.map(str::to_lowercase), name.to_lowercase());
            let id = *ids.entry(key).or_insert_with_key(|(_, rg)| {
                seen.push(home);
                rank_of.push(rank.get(rg).copied().unwrap_or(usize::MAX));
                seen.len() - 1
            });
            last = Some((home, id));
            id
        })
        .collect();
    // Stable: groups of equal rank stay in order of first sight.
    let mut sorted: Vec<usize> = (0..seen.len()).collect();
    sorted.sort_by_key(|&g| rank_of[g]);
    let mut new_index = vec![0; seen.len()];
    for (i, &g) in sorted.iter().enumerate() {
        new_index[g] = i;
    }
    let groups: Vec<(Option<&str>, &str)> = sorted.iter().map(|&g| seen[g]).collect();
    let group_of: Vec<usize> = sighted.iter().map(|&g| new_index[g]).collect();

    let (sequence, slot) = shortest_sequence(groups.len(), &group_of, &deps, &order);
    // Each slot's resources, in plan order.
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); sequence.len()];
    for (i, &p) in slot.iter().enumerate() {
        if let Some(m) = members.get_mut(p) {
            m.push(i);
        }
    }
    let base: String = plan.scenario.chars().take(60).collect();
    let mut stages = vec![0usize; groups.len()];
    let mut out: Vec<Deployment> = Vec::with_capacity(sequence.len());
    for (pos, (&g, members)) in sequence.iter().zip(&members).enumerate() {
        let resources: Vec<&Resource> = members.iter().map(|&i| created[i]).collect();
        let positions: Vec<usize> = members.iter().map(|&i| places[i]).collect();
        stages[g] += 1;
        let stage = stages[g];
        let mut needs: Vec<usize> = members
            .iter()
            .flat_map(|&i| deps[i].iter().map(|&d| slot[d]))
            .filter(|&p| p != pos)
            .map(|p| p + 1)
            .collect();
        needs.sort_unstable();
        needs.dedup();
        // The slot's own group: a stage with no resources must not borrow another's name.
        let (subscription, resource_group) = groups[g];
        out.push(Deployment {
            index: pos + 1,
            subscription,
            resource_group,
            stage,
            resources,
            positions,
            needs,
            name: format!("{base}-{}", pos + 1),
        });
    }
    out
}

/// Resource indices so that every resource comes after what it needs (plan order otherwise).
fn topological(deps: &[Vec<usize>]) -> Vec<usize> {
    fn visit(i: usize, deps: &[Vec<usize>], state: &mut [u8], out: &mut Vec<usize>) {
        if state[i] != 0 {
            return; // done, or a cycle (which the plan never builds): keep plan order
        }
        state[i] = 1;
        for &d in &deps[i] {
            visit(d, deps, state, out);
        }
        state[i] = 2;
        out.push(i);
    }
    let mut state = vec![0u8; deps.len()];
    let mut out = Vec::with_capacity(deps.len());
    for i in 0..deps.len() {
        visit(i, deps, &mut state, &mut out);
    }
    out
}

/// Places each resource in the earliest deployment of its group that comes after everything
/// it needs from other groups (and not before what it needs from its own). Earliest is best
/// for everything downstream, so a sequence fits iff this greedy placement succeeds.
fn place(
    sequence: &[usize],
    group_of: &[usize],
    deps: &[Vec<usize>],
    order: &[usize],
) -> Option<Vec<usize>> {
    // Each group's positions in the sequence, ascending.
    let mut at: Vec<Vec<usize>> = Vec::new();
    for (p, &g) in sequence.iter().enumerate() {
        if at.len() <= g {
            at.resize_with(g + 1, Vec::new);
        }
        at[g].push(p);
    }
    let mut slot = vec![usize::MAX; group_of.len()];
    for &i in order {
        let earliest = deps[i]
            .iter()
            .filter(|&&d| slot[d] != usize::MAX)
            .map(|&d| slot[d] + usize::from(group_of[d] != group_of[i]))
            .max()
            .unwrap_or(0);
        let mine = at.get(group_of[i])?;
        slot[i] = *mine.get(mine.partition_point(|&p| p < earliest))?;
    }
    Some(slot)
}

/// The shortest sequence of groups (no group twice in a row) that fits, tried in a fixed
/// order so the output is stable; past a search budget, one stage per level of cross-group
/// dependency (always fits, maybe longer).
fn shortest_sequence(
    groups: usize,
    group_of: &[usize],
    deps: &[Vec<usize>],
    order: &[usize],
) -> (Vec<usize>, Vec<usize>) {
    if groups == 0 {
        return (Vec::new(), Vec::new());
    }
    const BUDGET: usize = 200_000;
    let mut tried = 0;
    let mut len = 1;
    while tried < BUDGET && len <= group_of.len().max(1) {
        if len < groups {
            // Too short to hold every group: none of the `groups^len` sequences is valid, so
            // count them (as tries against the budget) without enumerating them.
            let count = u32::try_from(len)
                .ok()
                .and_then(|l| groups.checked_pow(l))
                .unwrap_or(usize::MAX);
            tried = tried.saturating_add(count).min(BUDGET);
            len += 1;
            continue;
        }
        let mut seq = vec![0usize; len];
        loop {
            let valid =
                seq.windows(2).all(|w| w[0] != w[1]) && (0..groups).all(|g| seq.contains(&g));
            tried += 1;
            if valid {
                if let Some(slot) = place(&seq, group_of, deps, order) {
                    return (seq, slot);
                }
            }
            if !next(&mut seq, groups) || tried >= BUDGET {
                break;
            }
        }
        len += 1;
    }
    // Fallback: levels of cross-group dependency, each level's groups in order.
    let mut level = vec![0usize; group_of.len()];
    for &i in order {
        level[i] = deps[i]
            .iter()
            .map(|&d| level[d] + usize::from(group_of[d] != group_of[i]))
            .max()
            .unwrap_or(0);
    }
    let mut pairs: Vec<(usize, usize)> = level
        .iter()
        .copied()
        .zip(group_of.iter().copied())
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let seq: Vec<usize> = pairs.into_iter().map(|(_, g)| g).collect();
    let slot = place(&seq, group_of, deps, order).unwrap_or_else(|| vec![0; group_of.len()]);
    (seq, slot)
}

/// The next sequence in lexicographic order; false after the last.
fn next(seq: &mut [usize], base: usize) -> bool {
    for d in seq.iter_mut().rev() {
        *d += 1;
        if *d < base {
            return true;
        }
        *d = 0;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloud_neutral_text_is_the_same_in_one_pass_as_name_by_name() {
        let zones = [
            ("privatelink.blob.core.windows.net", "privatelink.blob.${s}"),
            ("privatelink.file.core.windows.net", "privatelink.file.${s}"),
            ("privatelink.api.azureml.ms", "privatelink.api.${m}"),
        ];
        let neutral = CloudNeutral {
            zones: zones.iter().map(|(n, s)| (*n, s.to_string())).collect(),
            first: {
                let mut f = [false; 256];
                f[usize::from(b'p')] = true;
                f
            },
            common: "privatelink.",
            independent: true,
        };
        for text in [
            "",
            "no zone here, a private endpoint",
            "zone privatelink.blob.core.windows.net",
            "privatelink.blob.core.windows.netprivatelink.file.core.windows.net and again \
             privatelink.api.azureml.ms, privatelink.blob.core.windows.ne",
        ] {
            let mut expected = text.to_string();
            for (n, s) in zones {
                expected = expected.replace(n, s);
            }
            assert_eq!(neutral.apply(text), expected);
        }
        assert!(overlap("ab", "bc") && overlap("abc", "b") && !overlap("ab", "cd"));
    }

    #[test]
    fn a_two_way_dependency_takes_three_stages() {
        // 0: vnet (A), 1: zone (B), 2: link -> vnet (B), 3: zone group -> zone (A)
        let group_of = [0, 1, 1, 0];
        let deps = vec![vec![], vec![], vec![1, 0], vec![1]];
        let order = topological(&deps);
        let (seq, slot) = shortest_sequence(2, &group_of, &deps, &order);
        assert_eq!(seq, vec![0, 1, 0]);
        assert_eq!(slot, vec![0, 1, 1, 2]);
    }

    #[test]
    fn independent_groups_take_one_stage_each() {
        let group_of = [0, 1, 0];
        let deps = vec![vec![], vec![0], vec![]];
        let order = topological(&deps);
        let (seq, slot) = shortest_sequence(2, &group_of, &deps, &order);
        assert_eq!(seq, vec![0, 1]);
        assert_eq!(slot, vec![0, 1, 0]);
    }
}
