//! How the templates cut a plan into deployments, shared by the Bicep and ARM renderers so
//! both deploy the same resources in the same order.
//!
//! A resource-group-scope plan is one deployment. A subscription-scope plan is one deployment
//! per resource group, except that groups can need each other both ways: the isolated
//! topologies link a DNS group's zones to a VNet of the main group while the main group's zone
//! groups need those zones. Such a group is deployed again in a later stage, so the sequence
//! of deployments can be, e.g., main group → DNS group → main group. The sequence is the
//! shortest one that respects every dependency (a few groups at most: a short search).

use std::collections::{HashMap, HashSet};

use serde_json::Value;

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

/// Every `$param` name inside a plan value.
pub fn value_params<'v>(v: &'v Value, out: &mut Vec<&'v str>) {
    match v {
        Value::Object(m) => match form(m) {
            Some(Form::Param(p)) => out.push(p),
            Some(_) => {}
            None => m.values().for_each(|x| value_params(x, out)),
        },
        Value::Array(a) => a.iter().for_each(|x| value_params(x, out)),
        _ => {}
    }
}

/// The template parameters a set of resources uses, in plan order (`tags` when any of them
/// is tagged).
pub fn used_parameters<'p>(
    plan: &'p Plan,
    resources: &[&Resource],
    tags: bool,
) -> Vec<&'p Parameter> {
    let mut used = Vec::new();
    for r in resources {
        for v in [&r.name_expr, &r.location, &r.sku, &r.identity]
            .into_iter()
            .flatten()
            .chain([&r.properties])
        {
            value_params(v, &mut used);
        }
    }
    let tagged = tags || resources.iter().any(|r| r.tags);
    plan.parameters
        .iter()
        .filter(|p| used.contains(&p.name.as_str()) || (tagged && p.name == "tags"))
        .collect()
}

impl Deployment<'_> {
    /// Whether this deployment creates the resource named `symbol`.
    pub fn holds(&self, symbol: &str) -> bool {
        self.resources.iter().any(|r| r.symbol == symbol)
    }
}

/// Every `$ref` symbol inside a plan value.
pub fn value_refs<'v>(v: &'v Value, out: &mut Vec<&'v str>) {
    match v {
        Value::Object(m) => match form(m) {
            Some(Form::Ref(s)) => out.push(s),
            Some(_) => {}
            None => m.values().for_each(|x| value_refs(x, out)),
        },
        Value::Array(a) => a.iter().for_each(|x| value_refs(x, out)),
        _ => {}
    }
}

/// Symbols a resource refers to from its values (properties, sku, identity, location, name).
pub fn references(r: &Resource) -> Vec<&str> {
    let mut out = Vec::new();
    for v in [&r.name_expr, &r.location, &r.sku, &r.identity]
        .into_iter()
        .flatten()
        .chain([&r.properties])
    {
        value_refs(v, &mut out);
    }
    let mut seen = HashSet::new();
    out.retain(|s| seen.insert(*s));
    out
}

/// Symbols that must exist before the resource is deployed: its parent, the resource it
/// extends, what its values refer to, and its explicit `depends_on`.
pub fn needs(r: &Resource) -> Vec<&str> {
    let mut out: Vec<&str> = r
        .parent
        .iter()
        .chain(&r.scope)
        .map(String::as_str)
        .collect();
    out.extend(references(r));
    out.extend(r.depends_on.iter().map(String::as_str));
    let mut seen = HashSet::new();
    out.retain(|s| seen.insert(*s));
    out
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

/// `text` with every zone name that templates spell from the cloud's suffixes replaced by
/// `spell(prefix, suffix)`, so comments and descriptions name no cloud host either.
pub fn cloud_neutral(plan: &Plan, text: &str, spell: impl Fn(&str, &str) -> String) -> String {
    let mut out = text.to_string();
    for r in &plan.resources {
        if let Some(Value::Object(m)) = &r.name_expr {
            if let Some(Form::Env { prefix, suffix }) = form(m) {
                out = out.replace(&r.name, &spell(prefix, suffix));
            }
        }
    }
    out
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

/// The deployments of a plan, in order.
pub fn deployments(plan: &Plan) -> Vec<Deployment<'_>> {
    let created: Vec<&Resource> = plan.resources.iter().filter(|r| !r.existing).collect();
    let index: HashMap<&str, usize> = created
        .iter()
        .enumerate()
        .map(|(i, r)| (r.symbol.as_str(), i))
        .collect();
    let deps: Vec<Vec<usize>> = created
        .iter()
        .map(|r| {
            needs(r)
                .into_iter()
                .filter_map(|s| index.get(s).copied())
                .collect()
        })
        .collect();
    let order = topological(&deps);

    // Groups (per subscription) in the order the plan lists them; keys compare
    // case-insensitively, as Azure does.
    let key = |r: &Resource| {
        let (sub, rg) = home(plan, r);
        (sub.map(str::to_lowercase), rg.to_lowercase())
    };
    // Each group's key, and its name as first written (for the deployment's scope).
    type Group<'p> = ((Option<String>, String), (Option<&'p str>, &'p str));
    let mut groups: Vec<Group> = Vec::new();
    let mut seen: HashSet<(Option<String>, String)> = HashSet::new();
    for r in &created {
        let k = key(r);
        if seen.insert(k.clone()) {
            groups.push((k, home(plan, r)));
        }
    }
    let rank: HashMap<String, usize> = plan
        .resource_groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.name.to_lowercase(), i))
        .collect();
    groups.sort_by_key(|((_, rg), _)| rank.get(rg).copied().unwrap_or(usize::MAX));
    let position: HashMap<&(Option<String>, String), usize> = groups
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k, i))
        .collect();
    let group_of: Vec<usize> = created
        .iter()
        .map(|r| position.get(&key(r)).copied().unwrap_or(0))
        .collect();

    let (sequence, slot) = shortest_sequence(groups.len(), &group_of, &deps, &order);
    let base: String = plan.scenario.chars().take(60).collect();
    let mut out: Vec<Deployment> = Vec::with_capacity(sequence.len());
    for (pos, &g) in sequence.iter().enumerate() {
        let resources: Vec<&Resource> = (0..created.len())
            .filter(|&i| slot[i] == pos)
            .map(|i| created[i])
            .collect();
        let stage = sequence[..=pos].iter().filter(|&&x| x == g).count();
        let mut needs: Vec<usize> = (0..created.len())
            .filter(|&i| slot[i] == pos)
            .flat_map(|i| deps[i].iter().map(|&d| slot[d]))
            .filter(|&p| p != pos)
            .map(|p| p + 1)
            .collect();
        needs.sort_unstable();
        needs.dedup();
        // The slot's own group: a stage with no resources must not borrow another's name.
        let (subscription, resource_group) = groups[g].1;
        out.push(Deployment {
            index: pos + 1,
            subscription,
            resource_group,
            stage,
            resources,
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
    let mut slot = vec![usize::MAX; group_of.len()];
    for &i in order {
        let earliest = deps[i]
            .iter()
            .filter(|&&d| slot[d] != usize::MAX)
            .map(|&d| slot[d] + usize::from(group_of[d] != group_of[i]))
            .max()
            .unwrap_or(0);
        slot[i] = (earliest..sequence.len()).find(|&p| sequence[p] == group_of[i])?;
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
    let mut seq = Vec::new();
    for l in 0..=level.iter().copied().max().unwrap_or(0) {
        for g in 0..groups {
            if (0..group_of.len()).any(|i| level[i] == l && group_of[i] == g) {
                seq.push(g);
            }
        }
    }
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
