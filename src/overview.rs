//! `amlpe plan`: a short view of a plan for people: what is deployed where, which endpoints
//! each VNet gets, and the steps in order. `plan.json` holds everything; this is the part a
//! reviewer reads first.

use crate::catalog;
use crate::plan::{Plan, Resource};
use crate::scenario::ZoneMode;

/// The plan as text: resources by resource group, endpoints by VNet, the numbered steps.
pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    let workspace = if plan.workspace_existing {
        "existing workspace"
    } else {
        "workspace"
    };
    out.push_str(&format!(
        "{}: {workspace} {} in {} ({})\n",
        plan.scenario, plan.workspace, plan.location, plan.cloud
    ));
    resources(plan, &mut out);
    endpoints(plan, &mut out);
    out.push_str("\nsteps:\n");
    let width = plan.steps.last().map_or(1, |s| s.n.to_string().len());
    for s in &plan.steps {
        out.push_str(&format!("  {:>width$}. {}\n", s.n, s.title));
    }
    out
}

fn resources(plan: &Plan, out: &mut String) {
    // Groups in the order their first resource is planned; a group is named by its
    // subscription too, as one name may stand for groups in two subscriptions.
    let mut groups: Vec<(&Option<String>, &str)> = Vec::new();
    for r in &plan.resources {
        let key = (&r.subscription, r.resource_group.as_str());
        if !groups.contains(&key) {
            groups.push(key);
        }
    }
    out.push_str("\nresources by resource group:\n");
    for (subscription, name) in groups {
        let planned = plan
            .resource_groups
            .iter()
            .find(|g| g.name == name && &g.subscription == subscription);
        let state = match planned {
            Some(g) if g.create && !g.exists => "created",
            _ => "existing",
        };
        match subscription {
            Some(s) => out.push_str(&format!("  {name} (subscription {s}, {state})\n")),
            None => out.push_str(&format!("  {name} ({state})\n")),
        }
        let mut rows = Vec::new();
        for r in &plan.resources {
            if &r.subscription != subscription || r.resource_group != name {
                continue;
            }
            let label = catalog::resource_type(&r.ty).map_or(r.ty.as_str(), |t| t.label);
            let state = if r.existing { "existing" } else { "created" };
            rows.push(vec![
                full_name(plan, r),
                label.to_string(),
                state.to_string(),
            ]);
        }
        out.push_str(&table(&rows, 4));
    }
}

/// A child resource's name with its parents': `vnet-mlw/snet-endpoints`.
fn full_name(plan: &Plan, r: &Resource) -> String {
    let mut name = r.name.clone();
    let mut parent = r.parent.as_deref();
    while let Some(p) = parent.and_then(|s| plan.resource(s)) {
        name = format!("{}/{name}", p.name);
        parent = p.parent.as_deref();
    }
    name
}

fn endpoints(plan: &Plan, out: &mut String) {
    out.push_str("\nendpoints by VNet:\n");
    let mut any = false;
    for n in &plan.networks {
        let mine: Vec<_> = plan
            .endpoints
            .iter()
            .filter(|e| e.network_symbol == n.symbol)
            .collect();
        if mine.is_empty() {
            continue;
        }
        any = true;
        let dns = match n.dns {
            ZoneMode::Create => "DNS zones created",
            ZoneMode::Existing => "existing DNS zones",
            ZoneMode::None => "DNS records managed elsewhere",
        };
        let subnet = n.endpoint_subnet.as_deref().unwrap_or(&mine[0].subnet);
        out.push_str(&format!("  {} (subnet {subnet}; {dns})\n", n.name));
        let mut rows = vec![vec![
            "endpoint".to_string(),
            "target".to_string(),
            "group id".to_string(),
            "DNS zones".to_string(),
        ]];
        for e in mine {
            let zones: Vec<&str> = e.zones.iter().map(|z| z.zone.as_str()).collect();
            rows.push(vec![
                e.name.clone(),
                e.target_label.clone(),
                e.group_id.clone(),
                zones.join(", "),
            ]);
        }
        out.push_str(&table(&rows, 4));
    }
    if !any {
        out.push_str("  (none)\n");
    }
}

/// Rows as aligned columns, each line indented by `indent` spaces.
fn table(rows: &[Vec<String>], indent: usize) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = " ".repeat(indent);
        for (c, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if c + 1 < row.len() {
                let pad = widths[c] - cell.chars().count() + 2;
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
