base:
  '*':
    - demo
  'G@kernel:Linux and not L@never-this-box':
    - match: compound
    - demo.motd
