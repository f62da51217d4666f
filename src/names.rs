//! Names amlpe derives, in one place, so the rules check exactly what the outputs use.

use crate::catalog;
use crate::scenario::{Kubernetes, Network, Scenario, Target};

pub fn private_endpoint(vnet: &str, t: Target) -> String {
    format!("pe-{vnet}-{}", catalog::target(t).short)
}
pub fn log_analytics(workspace: &str) -> String {
    format!("log-{workspace}")
}
pub fn nsg(vnet: &str) -> String {
    format!("nsg-{vnet}")
}
pub fn vnet_link(vnet: &str) -> String {
    format!("link-{vnet}")
}
pub fn attached_compute(k: &Kubernetes) -> &str {
    k.compute_name.as_deref().unwrap_or(&k.name)
}
/// The group that holds a VNet's created zones.
pub fn dns_resource_group<'a>(s: &'a Scenario, n: &'a Network) -> &'a str {
    n.dns
        .resource_group
        .as_deref()
        .unwrap_or_else(|| network_resource_group(s, n))
}
pub fn network_resource_group<'a>(s: &'a Scenario, n: &'a Network) -> &'a str {
    if let Some(id) = &n.existing {
        // Validated before planning; the fourth segment is the group.
        if let Some(rg) = id.split('/').nth(4) {
            return rg;
        }
    }
    n.resource_group.as_deref().unwrap_or(&s.resource_group)
}
pub const ZONE_GROUP: &str = "default";

/// The NAT gateway of a VNet's compute subnets, and its public IP address.
pub fn nat_gateway(vnet: &str) -> String {
    format!("nat-{vnet}")
}
pub fn nat_public_ip(vnet: &str) -> String {
    format!("pip-nat-{vnet}")
}
/// The route table that sends a VNet's compute subnets to a firewall.
pub fn route_table(vnet: &str) -> String {
    format!("rt-{vnet}")
}
