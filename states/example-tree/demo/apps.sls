{% set root = salt['pillar.get']('demo:root', '/tmp/umec-demo') %}
{% for app in pillar.demo.apps %}
{{ root }}/apps/{{ app }}:
  file.directory:
    - makedirs: true
{% endfor %}
