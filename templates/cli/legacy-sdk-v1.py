{%- set keywords = {"storageAccount": "storage_account", "keyVault": "key_vault", "applicationInsights": "app_insights", "containerRegistry": "container_registry"} -%}
#!/usr/bin/env python3
# {{ header | comment }}
#
# LEGACY: the Azure Machine Learning Python SDK v1 (azureml-core) reaches end of support on
# {{ catalog.sdk_v1_end_of_support }}. A reference for teams migrating off it: deploy with deploy.sh (Azure CLI v2)
# or the Bicep / ARM templates.
"""The spec's Python SDK v1 operations on this scenario's workspace, one function each.

Usage: python3 sdk-v1.py {% if not ws.existing %}create|{% endif %}add-endpoints|remove-endpoints|enable-public-access

Needs `pip install azureml-core` and an Azure sign-in that azureml-core can use. Importing this
file runs nothing. The workspace's dependencies and their private endpoints are created by
deploy.sh; these functions cover the workspace's own private endpoints, as the spec does.
"""

import argparse
import os
import sys

END_OF_SUPPORT = {{ catalog.sdk_v1_end_of_support | yaml }}
PLACEHOLDER_SUBSCRIPTION = {{ catalog.placeholder_subscription | yaml }}
SUBSCRIPTION_ID = os.environ.get("AZURE_SUBSCRIPTION_ID", {% if ws.subscription %}{{ ws.subscription | yaml }}{% else %}PLACEHOLDER_SUBSCRIPTION{% endif %})
RESOURCE_GROUP = {{ ws.resource_group | yaml }}
WORKSPACE = {{ ws.name | yaml }}
LOCATION = {{ location | yaml }}
{%- if not ws.existing %}
IMAGE_BUILD_COMPUTE = {% if ws.properties?.imageBuildCompute %}{{ ws.properties.imageBuildCompute | yaml }}{% else %}None{% endif %}
# Workspace.create keyword -> resource id; created dependencies carry the placeholder
# subscription, replaced with SUBSCRIPTION_ID when used.
DEPENDENCIES = {
{%- for prop, id in dependencies %}
    {{ keywords[prop] | yaml }}: {{ id | yaml }},
{%- endfor %}
}
{%- endif %}
# The workspace's private endpoints, in the order the deployment creates them.
ENDPOINTS = [
{%- for e in endpoints %}
    {
        "name": {{ e.name | yaml }},
        "vnet_name": {{ e.vnet | yaml }},
        "vnet_subnet_name": {{ e.subnet | yaml }},
        "vnet_resource_group": {{ e.resource_group | yaml }},
        "vnet_subscription_id": {% if e.subscription %}{{ e.subscription | yaml }}{% else %}None{% endif %},
        "auto_approval": {% if e.manual_approval %}False{% else %}True{% endif %},
    },
{%- endfor %}
]
REMOVE_WARNINGS = [
{%- for w in catalog.warnings.remove %}
    {{ w | yaml }},
{%- endfor %}
]
PUBLIC_ACCESS_WARNINGS = [
{%- for w in catalog.warnings.enable_public %}
    {{ w | yaml }},
{%- endfor %}
]


def _warn(lines):
    for line in lines:
        print(f"WARNING: {line}", file=sys.stderr)


def _endpoint_config(endpoint):
    from azureml.core import PrivateEndPointConfig

    return PrivateEndPointConfig(
        name=endpoint["name"],
        vnet_name=endpoint["vnet_name"],
        vnet_subnet_name=endpoint["vnet_subnet_name"],
        vnet_subscription_id=endpoint["vnet_subscription_id"] or SUBSCRIPTION_ID,
        vnet_resource_group=endpoint["vnet_resource_group"],
    )


def _workspace():
    from azureml.core import Workspace

    return Workspace.get(name=WORKSPACE, subscription_id=SUBSCRIPTION_ID, resource_group=RESOURCE_GROUP)


def _add(ws, endpoint):
    ws.add_private_endpoint(
        private_endpoint_config=_endpoint_config(endpoint),
        private_endpoint_auto_approval=endpoint["auto_approval"],
        show_output=True,
    )
{%- if not ws.existing %}


def create_workspace():
    """Spec: Create a workspace that uses a private endpoint (Workspace.create with the first
    endpoint), then add the others."""
    from azureml.core import Workspace

    first, *rest = ENDPOINTS
    dependencies = {k: v.replace(PLACEHOLDER_SUBSCRIPTION, SUBSCRIPTION_ID) for k, v in DEPENDENCIES.items()}
    ws = Workspace.create(
        name=WORKSPACE,
        subscription_id=SUBSCRIPTION_ID,
        resource_group=RESOURCE_GROUP,
        location=LOCATION,
        create_resource_group=False,
        private_endpoint_config=_endpoint_config(first),
        private_endpoint_auto_approval=first["auto_approval"],
        show_output=True,
        **dependencies,
    )
    if IMAGE_BUILD_COMPUTE:
        # A private registry cannot build images with ACR tasks.
        ws.update(image_build_compute=IMAGE_BUILD_COMPUTE)
    for endpoint in rest:
        _add(ws, endpoint)
    return ws
{%- endif %}


def add_private_endpoints():
    """Spec: Add a private endpoint to a workspace (Workspace.add_private_endpoint)."""
    ws = _workspace()
    for endpoint in ENDPOINTS:
        _add(ws, endpoint)
    return ws


def remove_private_endpoints():
    """Spec: Remove a private endpoint (Workspace.delete_private_endpoint_connection)."""
    _warn(REMOVE_WARNINGS)
    ws = _workspace()
    names = {e["name"] for e in ENDPOINTS}
    for connection in ws.get_details().get("privateEndpointConnections", []):
        endpoint_id = connection.get("properties", {}).get("privateEndpoint", {}).get("id", "")
        if endpoint_id.rpartition("/")[2] in names:
            _, _, connection_name = connection["id"].rpartition("/")
            ws.delete_private_endpoint_connection(private_endpoint_connection_name=connection_name)
    return ws


def enable_public_access():
    """Spec: Enable public access (Workspace.update)."""
    _warn(PUBLIC_ACCESS_WARNINGS)
    ws = _workspace()
    ws.update(allow_public_access_when_behind_vnet=True)
    return ws


OPERATIONS = {
{%- if not ws.existing %}
    "create": create_workspace,
{%- endif %}
    "add-endpoints": add_private_endpoints,
    "remove-endpoints": remove_private_endpoints,
    "enable-public-access": enable_public_access,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("operation", choices=sorted(OPERATIONS))
    args = parser.parse_args(argv)
    print(f"LEGACY: Azure ML SDK v1 reaches end of support on {END_OF_SUPPORT}.", file=sys.stderr)
    OPERATIONS[args.operation]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
