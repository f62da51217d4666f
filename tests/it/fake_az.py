#!/usr/bin/env python3
"""A fake `az` for the script tests: it keeps the resources it was asked to create in a state
file, keyed by resource id, and refuses anything a real deployment would trip over.

Environment:
  FAKE_AZ_STATE    state file (JSON), created on first use
  FAKE_AZ_LOG      every call is appended as one JSON line: {"verb", "type", "id", "argv"}
  FAKE_AZ_ACCOUNT  the subscription `az account show` reports
  FAKE_AZ_FORBID   when set, any call fails loudly (scripts in --dry-run must not call az)
  FAKE_AZ_FAIL     a write to a resource whose id contains this text fails (exit 1)
  FAKE_AZ_FAIL_VERB  with FAKE_AZ_FAIL, only writes with this verb fail (`update`: a create
                   succeeds and the update after it fails)

The state also holds the cloud `az cloud show` reports (`"cloud"`, AzureCloud when absent) and,
per resource, the `properties` that updates set (`--set a.b=x`, `--some-flag x` as `someFlag`),
which `show --query a.b --output tsv` reads back as the Azure CLI prints them.

A create fails when the resource exists (guards must prevent it), when its resource group or
parent is missing, or when a resource it references does not exist yet (so the order is
checked). `python3 fake_az.py --classify` reads az command lines on stdin (as --dry-run prints
them) and prints the same JSON per line without touching the state.
"""

import json
import os
import sys

TYPES = {
    "group": "Microsoft.Resources/resourceGroups",
    "network nsg": "Microsoft.Network/networkSecurityGroups",
    "network vnet": "Microsoft.Network/virtualNetworks",
    "network vnet subnet": "Microsoft.Network/virtualNetworks/subnets",
    "monitor log-analytics workspace": "Microsoft.OperationalInsights/workspaces",
    "storage account": "Microsoft.Storage/storageAccounts",
    "keyvault": "Microsoft.KeyVault/vaults",
    "acr": "Microsoft.ContainerRegistry/registries",
    "ml workspace": "Microsoft.MachineLearningServices/workspaces",
    "network private-endpoint": "Microsoft.Network/privateEndpoints",
    "network private-dns zone": "Microsoft.Network/privateDnsZones",
    "network private-dns link vnet": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    "network private-endpoint dns-zone-group": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
    "ml compute": "Microsoft.MachineLearningServices/workspaces/computes",
    "aks": "Microsoft.ContainerService/managedClusters",
    "k8s-extension": "Microsoft.KubernetesConfiguration/extensions",
    "role assignment": "Microsoft.Authorization/roleAssignments",
}
# Parent of a child type: (parent noun, option naming the parent).
PARENTS = {
    "network vnet subnet": ("network vnet", "--vnet-name"),
    "network private-dns link vnet": ("network private-dns zone", "--zone-name"),
    "network private-endpoint dns-zone-group": ("network private-endpoint", "--endpoint-name"),
    "ml compute": ("ml workspace", "--workspace-name"),
}
REFERENCES = [
    "--subnet",
    "--private-connection-resource-id",
    "--private-dns-zone",
    "--virtual-network",
    "--vnet-subnet-id",
    "--resource-id",
    "--network-security-group",
    "--storage-account",
    "--keyvault",
    "--key-vault",
    "--application-insights",
    "--container-registry",
]
WRITES = {"create", "add", "update", "delete", "attach"}


class Refused(Exception):
    pass


def parse(argv):
    path = []
    i = 0
    while i < len(argv) and not argv[i].startswith("-"):
        path.append(argv[i])
        i += 1
    opts = {}
    current = None
    for arg in argv[i:]:
        if arg.startswith("--"):
            current = arg
            opts.setdefault(current, [])
        elif current is None:
            raise Refused(f"stray argument {arg}")
        else:
            opts[current].append(arg)
    return path, opts


def one(opts, name, default=None):
    values = opts.get(name)
    if not values:
        if default is not None:
            return default
        raise Refused(f"missing {name}")
    return values[0]


def resource_id(noun, opts, account):
    """The ARM id a command addresses, and its type."""
    if noun == "resource":
        if "--ids" in opts or "--id" in opts:
            rid = one(opts, "--ids") if "--ids" in opts else one(opts, "--id")
            namespace, *rest = rid.split("/providers/", 1)[1].split("/")
            return rid, "/".join([namespace, *rest[0::2]])
        rtype = one(opts, "--resource-type")
        sub = one(opts, "--subscription", account)
        return f"/subscriptions/{sub}/resourceGroups/{one(opts, '--resource-group')}/providers/{rtype}/{one(opts, '--name')}", rtype
    rtype = TYPES.get(noun)
    if rtype is None:
        raise Refused(f"unknown command group `az {noun}`")
    if noun == "role assignment":
        # One assignment per scope and role (the scripts grant one role to one principal).
        return f"{one(opts, '--scope')}/providers/{rtype}/{one(opts, '--role')}", rtype
    sub = one(opts, "--subscription", account)
    if noun == "group":
        return f"/subscriptions/{sub}/resourceGroups/{one(opts, '--name')}", rtype
    name = one(opts, "--name")
    group = f"/subscriptions/{sub}/resourceGroups/{one(opts, '--resource-group')}"
    if noun in PARENTS:
        parent_noun, option = PARENTS[noun]
        parent, _ = resource_id(parent_noun, {**opts, "--name": [one(opts, option)]}, account)
        return f"{parent}/{rtype.rsplit('/', 1)[1]}/{name}", rtype
    if noun == "k8s-extension":
        cluster_type = one(opts, "--cluster-type")
        if cluster_type != "managedClusters":
            raise Refused(f"unexpected cluster type {cluster_type}")
        cluster, _ = resource_id("aks", {**opts, "--name": [one(opts, "--cluster-name")]}, account)
        return f"{cluster}/providers/{rtype}/{name}", rtype
    return f"{group}/providers/{rtype}/{name}", rtype


def classify(argv, account):
    path, opts = parse(argv)
    if path[:2] == ["account", "show"]:
        return {"verb": "account", "type": None, "id": None, "argv": argv}
    if path[:2] == ["cloud", "show"]:
        return {"verb": "cloud", "type": None, "id": None, "argv": argv}
    verb = path[-1]
    noun = " ".join(path[:-1])
    rid, rtype = resource_id(noun, opts, account)
    return {"verb": verb, "type": rtype, "id": rid, "argv": argv}


def yaml_values(path):
    """Top-level `key: "value"` lines of a workspace YAML."""
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line[:1].isalpha() and ": " in line:
                key, _, value = line.rstrip("\n").partition(": ")
                values[key] = json.loads(value) if value.startswith('"') else value
    return values


def tsv(value):
    """A value as `--output tsv` prints it."""
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "None"
    if isinstance(value, (dict, list)):
        raise Refused(f"a query for {value!r}: the scripts query single values")
    return str(value)


def literal(text):
    """A command-line value as the resource holds it: booleans and numbers typed."""
    if text in ("true", "false"):
        return text == "true"
    return int(text) if text.isdigit() else text


def camel(flag):
    """`--anonymous-pull-enabled` -> `anonymousPullEnabled`."""
    first, *rest = flag.lstrip("-").split("-")
    return first + "".join(w.capitalize() for w in rest)


# Options of an update that address the resource rather than set a property.
ADDRESSING = {"--subscription", "--resource-group", "--name", "--ids", "--file", "--set"}


def references(value):
    """Every resource id in a JSON body."""
    if isinstance(value, dict):
        for v in value.values():
            yield from references(v)
    elif isinstance(value, list):
        for v in value:
            yield from references(v)
    elif isinstance(value, str) and value.startswith("/subscriptions/"):
        yield value


def main(argv):
    if argv[:1] == ["--classify"]:
        import shlex

        for line in sys.stdin:
            if line.strip():
                print(json.dumps(classify(shlex.split(line)[1:], "<subscription>")))
        return 0
    log_path = os.environ["FAKE_AZ_LOG"]
    if os.environ.get("FAKE_AZ_FORBID"):
        with open(log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"verb": "forbidden", "argv": argv}) + "\n")
        print("fake az: called although no az call was allowed", file=sys.stderr)
        return 99
    account = os.environ["FAKE_AZ_ACCOUNT"]
    state_path = os.environ["FAKE_AZ_STATE"]
    try:
        with open(state_path, encoding="utf-8") as f:
            state = json.load(f)
    except FileNotFoundError:
        state = {"resources": {}}
    resources = state["resources"]
    call = classify(argv, account)
    with open(log_path, "a", encoding="utf-8") as f:
        f.write(json.dumps(call) + "\n")
    if call["verb"] == "account":
        print(account)
        return 0
    if call["verb"] == "cloud":
        if parse(argv)[1].get("--query") != ["name"]:
            raise Refused("az cloud show is asked for its name only")
        print(state.get("cloud", "AzureCloud"))
        return 0
    path, opts = parse(argv)
    noun = " ".join(path[:-1])
    verb = call["verb"]
    fail = os.environ.get("FAKE_AZ_FAIL")
    fail_verb = os.environ.get("FAKE_AZ_FAIL_VERB")
    if fail and verb in WRITES and fail in call["id"] and fail_verb in (None, verb):
        print(f"ERROR: (InternalServerError) injected failure for {call['id']}", file=sys.stderr)
        return 1
    key = call["id"].lower()
    entry = resources.get(key)

    def exists(rid):
        return rid.lower() in resources

    def need(rid, what):
        if not exists(rid):
            raise Refused(f"{what} {rid} does not exist")

    if verb == "show":
        if entry is None:
            print(f"ERROR: (ResourceNotFound) {call['id']} was not found.", file=sys.stderr)
            return 3
        query = opts.get("--query", [None])[0]
        if query == "public_network_access":
            print(entry.get("public_network_access", "Disabled"))
        elif query == "identity.principalId":
            print("00000000-0000-0000-0000-0000000000aa")
        elif query == "privateDnsZoneConfigs[].name":
            print("\n".join(entry.get("configs", [])))
        elif query is not None:
            value = entry.get("properties", {})
            for key in query.split("."):
                value = value.get(key) if isinstance(value, dict) else None
            print(tsv(value))
        else:
            print(json.dumps({"id": call["id"]}))
        return 0
    if verb == "list" and noun == "role assignment":
        print(1 if entry is not None else 0)
        return 0
    if verb in ("create", "attach"):
        if entry is not None:
            raise Refused(f"{call['id']} exists already: a guard should have skipped this {verb}")
        if noun != "group":
            rg = call["id"].split("/providers/", 1)[0]
            rg = "/".join(rg.split("/")[:5])
            need(rg, "resource group")
        if noun in PARENTS:
            need(call["id"].rsplit("/", 2)[0], "parent")
        if noun == "k8s-extension":
            need(call["id"].split("/providers/Microsoft.KubernetesConfiguration", 1)[0], "cluster")
        if noun == "role assignment":
            need(one(opts, "--scope"), "--scope")
        for option in REFERENCES:
            for value in opts.get(option, []):
                if value.startswith("/subscriptions/"):
                    need(value, option)
        entry = {"type": call["type"]}
        if noun == "ml workspace":
            values = yaml_values(one(opts, "--file"))
            if values.get("name") != one(opts, "--name"):
                raise Refused(f"workspace YAML names {values.get('name')}, not {one(opts, '--name')}")
            for k in ("storage_account", "key_vault", "application_insights", "container_registry"):
                if k in values:
                    need(values[k], f"workspace YAML {k}")
            entry["public_network_access"] = values.get("public_network_access", "Enabled")
        if noun == "resource":
            body = json.loads(one(opts, "--properties"))
            for v in references(body):
                need(v, "--properties")
            if "/" in call["type"].split("/", 1)[1]:
                need(call["id"].rsplit("/", 2)[0], "parent")
        if noun == "network private-endpoint dns-zone-group":
            need(one(opts, "--private-dns-zone"), "--private-dns-zone")
            entry["configs"] = [one(opts, "--zone-name")]
        resources[key] = entry
    elif verb == "add":
        if entry is None:
            raise Refused(f"{call['id']} does not exist: nothing to add to")
        config = one(opts, "--zone-name")
        if config in entry.get("configs", []):
            raise Refused(f"{call['id']} holds {config} already: a guard should have skipped this add")
        need(one(opts, "--private-dns-zone"), "--private-dns-zone")
        entry.setdefault("configs", []).append(config)
    elif verb == "update":
        if entry is None:
            raise Refused(f"{call['id']} does not exist: nothing to update")
        if "--file" in opts:
            values = yaml_values(one(opts, "--file"))
            for k in ("storage_account", "key_vault", "application_insights", "container_registry", "hbi_workspace"):
                if k in values:
                    raise Refused(f"the update YAML still sets {k}")
            entry["public_network_access"] = values["public_network_access"]
        else:
            props = entry.setdefault("properties", {})
            for assignment in opts.get("--set", []):
                key, sep, value = assignment.partition("=")
                if not sep:
                    raise Refused(f"--set {assignment}: not key=value")
                *parents, last = key.split(".")
                target = props
                for p in parents:
                    target = target.setdefault(p, {})
                target[last] = literal(value)
            for option, values in opts.items():
                if option not in ADDRESSING:
                    props[camel(option)] = literal(one(opts, option))
    elif verb == "delete":
        if entry is None:
            raise Refused(f"{call['id']} does not exist: nothing to delete")
        for k in [k for k in resources if k == key or k.startswith(key + "/")]:
            del resources[k]
    else:
        raise Refused(f"unexpected verb {verb}")
    with open(state_path, "w", encoding="utf-8") as f:
        json.dump(state, f, indent=1)
    print(json.dumps({"id": call["id"]}))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Refused as err:
        import shlex

        print(f"fake az: refused `az {shlex.join(sys.argv[1:])}`: {err}", file=sys.stderr)
        sys.exit(42)
