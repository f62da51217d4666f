{#- Pieces every step template uses. A component is replaced one by one by a file in
    --templates DIR that defines one of the same name. -#}
{#- The last flag of a create, when it is tagged: ` \`, a new line, `--tags "${ARRAY[@]}"`
    (`array` names the tag array, or is none). -#}
{% component cli.tags(array) %}{% if array %} \
    --tags "${{ "{" }}{{ array }}[@]{{ "}" }}"{% endif %}{% endcomponent cli.tags %}
