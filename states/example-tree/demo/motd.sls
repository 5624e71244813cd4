include:
  - demo

{{ pillar.demo.root }}/motd:
  file.managed:
    - contents: |
        {{ pillar.demo.greeting }}
        host {{ grains.id }} ({{ grains.os }} {{ grains.osrelease }}, {{ grains.cpuarch }})
    - require:
      - file: demo-root

{{ pillar.demo.root }}/current:
  file.symlink:
    - target: {{ pillar.demo.root }}/motd
    - require:
      - file: {{ pillar.demo.root }}/motd
