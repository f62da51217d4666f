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
/// The DNS prefix of an AKS cluster's API server, from its name: the name may hold
/// underscores and 63 characters, a DNS prefix neither (see [`catalog::AKS_DNS_PREFIX_MAX`]).
/// Lowercase letters, digits and hyphens, at most 54, starting and ending with a letter or
/// digit; never empty.
pub fn aks_dns_prefix(cluster: &str) -> String {
    let mapped: String = cluster
        .chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' | '-' => Some(c),
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            '_' | '.' | ' ' => Some('-'),
            _ => None,
        })
        .collect();
    let trimmed = mapped.trim_matches('-');
    let cut = &trimmed[..trimmed.len().min(catalog::AKS_DNS_PREFIX_MAX)];
    let cut = cut.trim_end_matches('-');
    if cut.is_empty() {
        "aks".to_string()
    } else {
        cut.to_string()
    }
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
/// The subscription an existing VNet's id names: its endpoints, and the zones amlpe creates in
/// its group, are deployed there. `None`: the deploying subscription.
pub fn network_subscription(n: &Network) -> Option<&str> {
    n.existing.as_deref().and_then(id_subscription)
}
/// The subscription a resource id names: its second segment (ids are validated before
/// planning, see [`catalog::parse_resource_id`]).
pub fn id_subscription(id: &str) -> Option<&str> {
    id.split('/').nth(2)
}
/// The subscription of the zones amlpe creates for a VNet: its own when they go in its group,
/// the deploying one when `dns.resource_group` names a group.
pub fn dns_subscription(n: &Network) -> Option<&str> {
    if n.dns.resource_group.is_some() {
        None
    } else {
        network_subscription(n)
    }
}
/// Where the zones amlpe creates for a VNet live (subscription and group, lowercase): VNets
/// with the same home share them.
pub fn zone_home(s: &Scenario, n: &Network) -> String {
    let sub = dns_subscription(n).unwrap_or_default();
    format!("{sub}/{}", dns_resource_group(s, n)).to_ascii_lowercase()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Letters, digits and hyphens, 1 to 54, starting and ending with a letter or digit.
    fn valid_dns_prefix(p: &str) -> bool {
        let b = p.as_bytes();
        (1..=catalog::AKS_DNS_PREFIX_MAX).contains(&b.len())
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
    }

    #[test]
    fn aks_dns_prefixes_are_valid() {
        assert_eq!(aks_dns_prefix("aks-inference"), "aks-inference");
        assert_eq!(aks_dns_prefix("AKS_Inference_1"), "aks-inference-1");
        let long = format!("a{}", "b".repeat(53)) + "_c_d";
        assert_eq!(aks_dns_prefix(&long).len(), 54);
        // Cut after a hyphen: the hyphen goes too.
        let edge = format!("{}_x", "a".repeat(53));
        assert_eq!(aks_dns_prefix(&edge), "a".repeat(53));
        for name in [
            "a",
            "a_",
            "_a",
            "a-_-b",
            &"z".repeat(63),
            "Ab9",
            "x__________y",
        ] {
            let p = aks_dns_prefix(name);
            assert!(valid_dns_prefix(&p), "{name} -> {p}");
        }
    }

    /// The names derived from a VNet's stay within Azure's limits for the longest VNet name
    /// Azure allows: 80 characters for network security groups, NAT gateways, public IPs, route
    /// tables, private DNS zone links and network interfaces ("Naming rules and restrictions for
    /// Azure resources", Microsoft.Network). Endpoint names have their own rule, checked at
    /// validation (E010).
    #[test]
    fn names_derived_from_a_vnet_fit_azures_limits() {
        let vnet = "v".repeat(catalog::NAME_VNET.max);
        let pe = private_endpoint(&vnet, Target::ContainerRegistry);
        for derived in [
            nsg(&vnet),
            nat_gateway(&vnet),
            nat_public_ip(&vnet),
            route_table(&vnet),
            vnet_link(&vnet),
            format!("{pe}-nic"),
        ] {
            assert!(
                derived.len() <= 80,
                "{derived}: {} characters",
                derived.len()
            );
        }
    }
}
