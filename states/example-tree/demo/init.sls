{% set root = salt['pillar.get']('demo:root', '/tmp/umec-demo') %}
include:
  - .apps

demo-root:
  file.directory:
    - name: {{ root }}
    - mode: '0755'

{{ root }}/etc/umec.conf:
  file.managed:
    - source: umec://demo/files/umec.conf.j2
    - template: jinja
    - makedirs: true
    - mode: '0640'
    - require:
      - file: demo-root

config-reloaded:
  cmd.run:
    - name: echo "config changed, reloading"
    - onchanges:
      - file: {{ root }}/etc/umec.conf
