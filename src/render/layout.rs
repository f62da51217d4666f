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

use serde::Serialize;
use serde_json::Value;

use crate::plan::{Output, Parameter, Plan, Resource, ResourceGroupPlan, Scope};

/// One deployment: the resources amlpe creates in one resource group at one stage. Templates
/// read its index, group, subscription and name.
#[derive(Debug, Clone, Serialize)]
pub struct Deployment<'p> {
    /// 1-based position in the sequence.
    pub index: usize,
    /// Set when the group is in a subscription the scenario names (an existing hub zone's
    /// links); otherwise the deploying subscription.
    pub subscription: Option<&'p str>,
    pub resource_group: &'p str,
    /// 1 for the group's first deployment, 2 for the next one, ...
    pub stage: usize,
    /// The places in the plan of its resources, in plan order.
    #[serde(skip)]
    pub positions: Vec<usize>,
    /// Indices (1-based) of the earlier deployments holding resources this one needs.
    #[serde(skip)]
    pub needs: Vec<usize>,
    /// The deployment's name (≤ 64 characters, unique in the template).
    pub name: String,
}

/// How the whole deployment is run (the files' headers say it): with the template `file` and
/// its parameter file `params`.
#[derive(Serialize)]
pub struct Deploy<'a> {
    pub subscription: bool,
    pub location: &'a str,
    pub resource_group: &'a str,
    pub file: &'static str,
    pub params: &'static str,
}

impl<'a> Deploy<'a> {
    pub fn new(plan: &'a Plan, file: &'static str, params: &'static str) -> Self {
        let (location, resource_group) = (&plan.location, &plan.resource_group);
        let subscription = plan.scope == Scope::Subscription;
        Self {
            subscription,
            location,
            resource_group,
            file,
            params,
        }
    }
}

/// A parameter as a template declares it, its default spelled in the template's language
/// (top-level files only: the others get every value from the file that runs them).
#[derive(Serialize)]
pub struct Param<'a> {
    pub name: &'a str,
    #[serde(rename = "type")]
    pub ty: &'a str,
    pub description: &'a str,
    pub allowed: &'a [String],
    pub default: Option<String>,
}

impl<'a> Param<'a> {
    pub fn new(p: &'a Parameter, default: Option<String>) -> Self {
        let (name, ty, description, allowed) = (&p.name, &p.ty, &p.description, &p.allowed);
        Self {
            name,
            ty,
            description,
            allowed,
            default,
        }
    }
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
    /// The principal id of a planned resource's system-assigned identity.
    Principal(&'v str),
    /// The id of a built-in role definition, by its GUID.
    Role(&'v str),
    /// A GUID derived from these values (`guid()` in templates): role assignment names.
    Guid(&'v [Value]),
}

/// The special form an object stands for, if it is one.
pub fn form(m: &serde_json::Map<String, Value>) -> Option<Form<'_>> {
    // One look at each key: most objects are plain data, and a look-up per form name would
    // hash every name for every object.
    let (mut reference, mut param, mut env, mut prefix, mut tenant) = (None, None, None, "", false);
    for (k, v) in m {
        match k.as_str() {
            "$principal" => return v.as_str().map(Form::Principal),
            "$role" => return v.as_str().map(Form::Role),
            "$guid" => return v.as_array().map(|a| Form::Guid(a.as_slice())),
            "$ref" => reference = v.as_str(),
            "$param" => param = v.as_str(),
            "$env" => env = v.as_str(),
            "$prefix" => prefix = v.as_str().unwrap_or_default(),
            "$tenant" => tenant = true,
            _ => {}
        }
    }
    match (reference, param, env) {
        (Some(s), _, _) => Some(Form::Ref(s)),
        (None, Some(p), _) => Some(Form::Param(p)),
        (None, None, Some(suffix)) => Some(Form::Env { prefix, suffix }),
        _ => tenant.then_some(Form::Tenant),
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
            Some(Form::Principal(s)) => refs.push(s),
            Some(Form::Guid(a)) => a.iter().for_each(|x| walk(x, refs, params)),
            Some(_) => {}
            None => m.values().for_each(|x| walk(x, refs, params)),
        },
        Value::Array(a) => a.iter().for_each(|x| walk(x, refs, params)),
        _ => {}
    }
}

/// The first of equal symbols, in order (a resource names a handful).
fn dedup<'a>(symbols: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out = Vec::new();
    for s in symbols {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// What the renderers need to know of a plan, worked out once per plan. Per resource, by
/// place in the plan: where it lives, what its values refer to and use, what it needs.
pub struct Layout<'p> {
    pub plan: &'p Plan,
    /// The deployments, in order.
    pub deployments: Vec<Deployment<'p>>,
    /// Each resource's place in the plan, by symbol (the first, should two share one).
    positions: HashMap<&'p str, usize>,
    /// Where it lives (see [`home`]).
    pub homes: Vec<(Option<&'p str>, &'p str)>,
    /// The symbols its values (properties, sku, identity, location, name) refer to.
    pub references: Vec<Vec<&'p str>>,
    /// The symbols that must exist before it is deployed: its parent, the resource it
    /// extends, what its values refer to, and its explicit `depends_on`.
    pub needs: Vec<Vec<&'p str>>,
    /// The `$param` names its values use.
    params: Vec<Vec<&'p str>>,
    /// The deployment (index into `deployments`) that creates it.
    holders: Vec<Option<usize>>,
}

impl<'p> Layout<'p> {
    pub fn new(plan: &'p Plan) -> Self {
        let mut positions = HashMap::new();
        for (i, r) in plan.resources.iter().enumerate() {
            positions.entry(r.symbol.as_str()).or_insert(i);
        }
        let (mut references, mut needs, mut params) = (Vec::new(), Vec::new(), Vec::new());
        for r in &plan.resources {
            let (mut refs, mut used) = (Vec::new(), Vec::new());
            let values = [&r.name_expr, &r.location, &r.sku, &r.identity];
            for v in values.into_iter().flatten().chain([&r.properties]) {
                walk(v, &mut refs, &mut used);
            }
            let refs = dedup(refs);
            let need = r.parent.iter().chain(&r.scope).map(String::as_str);
            let need = need.chain(refs.iter().copied());
            needs.push(dedup(need.chain(r.depends_on.iter().map(String::as_str))));
            references.push(refs);
            params.push(dedup(used));
        }
        let homes: Vec<_> = plan.resources.iter().map(|r| home(plan, r)).collect();
        let deployments = deployments(plan, &homes, &needs, &positions);
        let mut holders = vec![None; plan.resources.len()];
        for (i, d) in deployments.iter().enumerate() {
            for &p in &d.positions {
                holders[p].get_or_insert(i);
            }
        }
        let (references, needs, params) = (references, needs, params);
        Self {
            plan,
            deployments,
            positions,
            homes,
            references,
            needs,
            params,
            holders,
        }
    }

    /// The places in the plan of every created resource, in deployment order: what one
    /// template deploys when the whole scenario is one deployment.
    pub fn created(&self) -> Vec<usize> {
        self.deployments
            .iter()
            .flat_map(|d| d.positions.clone())
            .collect()
    }

    /// The place in the plan of the resource with this symbol.
    pub fn position(&self, symbol: &str) -> Option<usize> {
        self.positions.get(symbol).copied()
    }

    /// The deployment (index into `deployments`) that creates the resource named `symbol`.
    pub fn holder(&self, symbol: &str) -> Option<usize> {
        self.position(symbol).and_then(|p| self.holders[p])
    }

    /// The template parameters the resources at `positions` use, in plan order (`tags` when
    /// any of them is tagged).
    pub fn used_parameters(&self, positions: &[usize]) -> Vec<&'p Parameter> {
        let tagged = positions.iter().any(|&i| self.plan.resources[i].tags);
        let used: HashSet<&str> = positions
            .iter()
            .flat_map(|&i| self.params[i].clone())
            .collect();
        let used = |p: &&Parameter| used.contains(p.name.as_str()) || (tagged && p.name == "tags");
        self.plan.parameters.iter().filter(used).collect()
    }

    /// The parameters a subscription-scope template declares: those its deployments pass on,
    /// `tags` for the groups it creates, and `location` when one of them is in the plan's
    /// region.
    pub fn subscription_parameters(&self) -> Vec<&'p Parameter> {
        let (plan, groups) = (self.plan, created_groups(self.plan));
        let passed = self
            .deployments
            .iter()
            .flat_map(|d| self.used_parameters(&d.positions));
        let passed: HashSet<&str> = passed.map(|p| p.name.as_str()).collect();
        let here = groups
            .iter()
            .any(|g| g.location.eq_ignore_ascii_case(&plan.location));
        let by_groups = |p: &Parameter| p.name == "tags" || (here && p.name == "location");
        let used = |p: &&Parameter| {
            (!groups.is_empty() && by_groups(p)) || passed.contains(p.name.as_str())
        };
        plan.parameters.iter().filter(used).collect()
    }

    /// The outputs each deployment holds (by index into `deployments`), in plan order.
    pub fn outputs_of(&self) -> Vec<Vec<&'p Output>> {
        let mut outputs = vec![Vec::new(); self.deployments.len()];
        for o in &self.plan.outputs {
            if let Some(i) = output_symbol(o).and_then(|s| self.holder(s)) {
                outputs[i].push(o);
            }
        }
        outputs
    }
}

/// Groups the subscription-scope templates create: groups with new resources that are not
/// known to exist already.
pub fn created_groups(plan: &Plan) -> Vec<&ResourceGroupPlan> {
    let created = |g: &&ResourceGroupPlan| plan.scope == Scope::Subscription && g.create;
    plan.resource_groups
        .iter()
        .filter(created)
        .filter(|g| !g.exists)
        .collect()
}

/// Parameter of a module deployed to another subscription that refers to resources in the
/// deploying one (there, `subscription()` is the module's own subscription).
pub const DEPLOYING_SUBSCRIPTION: &str = "deployingSubscriptionId";

/// Whether two optional subscriptions are the same, compared as lowercase text.
pub fn same_subscription(a: Option<&str>, b: Option<&str>) -> bool {
    a.map(str::to_lowercase) == b.map(str::to_lowercase)
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

/// The deployments of a plan, in order (per resource, by place in the plan: `homes`, where
/// it lives, and `needs`, what it needs; `positions`: each resource's place, by symbol).
fn deployments<'p>(
    plan: &'p Plan,
    homes: &[(Option<&'p str>, &'p str)],
    needs: &[Vec<&str>],
    positions: &HashMap<&str, usize>,
) -> Vec<Deployment<'p>> {
    // The created resources (by place in the plan), and what each needs (by index among them).
    let places: Vec<usize> = (0..plan.resources.len())
        .filter(|&i| !plan.resources[i].existing)
        .collect();
    let index: HashMap<usize, usize> = places.iter().enumerate().map(|(i, &p)| (p, i)).collect();
    let needed = |p: usize| {
        needs[p]
            .iter()
            .filter_map(|s| index.get(positions.get(s)?).copied())
    };
    let deps: Vec<Vec<usize>> = places.iter().map(|&p| needed(p).collect()).collect();
    let order = topological(&deps);

    // Groups (per subscription) in the order the plan lists them, then in order of first
    // sight; names compare case-insensitively, as Azure does, and keep their first spelling.
    let key = |(sub, rg): (Option<&str>, &str)| (sub.map(str::to_lowercase), rg.to_lowercase());
    let keys: Vec<_> = places.iter().map(|&p| key(homes[p])).collect();
    let rank: HashMap<String, usize> = plan
        .resource_groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.name.to_lowercase(), i))
        .collect();
    let mut seen = HashSet::new();
    let mut groups: Vec<_> = places
        .iter()
        .zip(&keys)
        .filter(|(_, k)| seen.insert(*k))
        .collect();
    groups.sort_by_key(|(_, (_, rg))| rank.get(rg).copied().unwrap_or(usize::MAX));
    let group_index: HashMap<_, usize> = groups
        .iter()
        .enumerate()
        .map(|(i, (_, k))| (*k, i))
        .collect();
    let group_of: Vec<usize> = keys.iter().map(|k| group_index[k]).collect();

    let (sequence, slot) = shortest_sequence(groups.len(), &group_of, &deps, &order);
    // Each slot's resources, in plan order.
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); sequence.len()];
    for (i, &s) in slot.iter().enumerate() {
        if let Some(m) = members.get_mut(s) {
            m.push(i);
        }
    }
    let base: String = plan.scenario.chars().take(60).collect();
    let mut stages = vec![0; groups.len()];
    let slots = sequence.iter().zip(members).enumerate();
    let deployment = |(pos, (&g, members)): (usize, (&usize, Vec<usize>))| {
        stages[g] += 1;
        let needed = members
            .iter()
            .flat_map(|&i| deps[i].iter().map(|&d| slot[d]));
        let mut needs: Vec<usize> = needed.filter(|&s| s != pos).map(|s| s + 1).collect();
        needs.sort_unstable();
        needs.dedup();
        // The slot's own group: a stage with no resources must not borrow another's name.
        let (subscription, resource_group) = homes[*groups[g].0];
        Deployment {
            index: pos + 1,
            subscription,
            resource_group,
            stage: stages[g],
            positions: members.iter().map(|&i| places[i]).collect(),
            needs,
            name: format!("{base}-{}", pos + 1),
        }
    };
    slots.map(deployment).collect()
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
