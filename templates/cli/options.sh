{#- The options of every script, in its header comment (included by script.sh and
    legacy-cli-v1.sh; prelude.sh prints them for --help). -#}
#   --dry-run          print every Azure CLI command instead of running it (stdout, one
#                      shell-quoted command per line; progress on stderr) and call no az at all.
{% if head.subscription -%}
#   --subscription ID  the subscription to work in; without it, that of `az account show`
#                      (with --dry-run, {{ catalog.placeholder_subscription }}).
{% endif -%}
{% if confirm -%}
#   --yes              do it without asking; without --yes the script asks on a terminal, and
#                      refuses when there is none.
{% endif -%}
# Before any change, the script checks that the Azure CLI is signed in to {{ about.cloud | comment }}, the
# scenario's cloud{% if head.subscription %}, and prints the subscription it works in{% endif %}.
# Nothing else is chosen at run time: the settings below are the scenario's values, not read
# from the environment.
