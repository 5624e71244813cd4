#!/usr/bin/python3
"""The Python side of `npm run bench`'s formula rows: Python Jinja2 (Debian's python3-jinja2)
rendering a Salt formula's SLS files the way Salt 3006 sets Jinja2 up, with a small Salt layer of
the functions, filters and tags the shared formulas use. Salt itself cannot be installed here; this
layer stands in for it only so both engines do the same rendering work, and the TypeScript side
compares the texts so a row says when they differ.

Usage: salt_formulas_render.py FORMULA_DIR GRAINS_YAML RUNS SLS_FILE...
Prints {"median_ms": m, "outputs": {sls_file: text | {"error": message}}} on stdout.
"""
import json
import os
import pwd
import grp
import shutil
import subprocess
import sys
import time

import jinja2
import jinja2.ext
import jinja2.sandbox
import yaml
from jinja2 import nodes


class SaltLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader with Salt's tweaks: 0644 is 644, timestamps stay strings."""

    def construct_scalar(self, node):
        if node.tag == 'tag:yaml.org,2002:int' and node.value != '0' and node.value.startswith('0') \
                and not node.value.startswith(('0b', '0x')):
            node.value = node.value.lstrip('0') or '0'
        return super().construct_scalar(node)


SaltLoader.add_constructor('tag:yaml.org,2002:timestamp', SaltLoader.construct_scalar)


def load_yaml(text):
    return yaml.load(text, Loader=SaltLoader)


def traverse(data, key, default=None, delimiter=':'):
    for part in key.split(delimiter):
        if isinstance(data, list):
            try:
                data = data[int(part)]
            except (ValueError, IndexError):
                found = [d[part] for d in data if isinstance(d, dict) and part in d]
                if not found:
                    return default
                data = found[0]
        elif isinstance(data, dict) and part in data:
            data = data[part]
        else:
            return default
    return data


def update(dest, upd, merge_lists=False):
    for k, v in upd.items():
        if isinstance(v, dict) and isinstance(dest.get(k), dict):
            update(dest[k], v, merge_lists)
        elif merge_lists and isinstance(v, list) and isinstance(dest.get(k), list):
            dest[k] = dest[k] + [x for x in v if x not in dest[k]]
        else:
            dest[k] = v
    return dest


class Salt(dict):
    """salt['mod.fun'] and salt.mod.fun."""

    def __getattr__(self, mod):
        outer = self

        class Mod:
            def __getattr__(self, fun):
                return outer[f'{mod}.{fun}']
        return Mod()


def salt_functions(grains, pillar, opts, root):
    def config_get(key, default='', delimiter=':', merge=None, **_):
        for src in (opts, grains, pillar):
            v = traverse(src, key, KeyError, delimiter)
            if v is not KeyError:
                return v
        return default

    def pillar_get(key, default='', merge=False, delimiter=':', **_):
        v = traverse(pillar, key, KeyError, delimiter)
        if merge and isinstance(default, dict):
            return update(default, v) if isinstance(v, dict) else default
        return default if v is KeyError else v

    def filter_by(lookup_dict, grain='os_family', merge=None, default='default', base=None):
        val = traverse(grains, grain, None)
        ret = None
        for key in ([val] if not isinstance(val, list) else val):
            if key in lookup_dict:
                ret = lookup_dict[key]
                break
        if ret is None:
            ret = lookup_dict.get(default)
        if base and base in lookup_dict:
            ret = update(dict(lookup_dict[base]), ret or {})
        if merge:
            ret = update(ret if ret is not None else {}, merge)
        return ret

    def user_info(name):
        try:
            p = pwd.getpwnam(name)
        except KeyError:
            return {}
        return {'name': p.pw_name, 'uid': p.pw_uid, 'gid': p.pw_gid, 'home': p.pw_dir, 'shell': p.pw_shell,
                'passwd': p.pw_passwd, 'fullname': p.pw_gecos.split(',')[0],
                'groups': sorted(g.gr_name for g in grp.getgrall() if name in g.gr_mem)}

    def list_master_dirs(saltenv='base', prefix=''):
        out = []
        for d, _, _ in os.walk(root):
            rel = os.path.relpath(d, root)
            out.append(rel)
        prefix = prefix.strip('/')
        return sorted(x for x in out if x.startswith(prefix))

    def serialize(serializer, obj, **_):
        if serializer == 'json':
            return json.dumps(obj)
        return yaml.safe_dump(obj, default_flow_style=False)

    def defaults_merge(dest, src, merge_lists=False, in_place=True):
        return update(dest, src, merge_lists)

    def cmd_run(cmd, **_):
        r = subprocess.run(cmd, shell=True, capture_output=True, text=True)
        return (r.stdout + r.stderr).rstrip()

    return Salt({
        'config.get': config_get,
        'config.option': lambda key, default='', **_: next((src[key] for src in (opts, grains, pillar) if key in src), default),
        'pillar.get': pillar_get,
        'grains.get': lambda key, default='', delimiter=':', **_: traverse(grains, key, default, delimiter),
        'grains.filter_by': filter_by,
        'log.debug': lambda *a, **k: None,
        'log.warning': lambda *a, **k: None,
        'file.dirname': os.path.dirname,
        'file.join': os.path.join,
        'file.file_exists': os.path.isfile,
        'file.directory_exists': os.path.isdir,
        'user.info': user_info,
        'cmd.run': cmd_run,
        'cmd.has_exec': lambda name: shutil.which(name) is not None,
        'cmd.which': shutil.which,
        'cp.list_master_dirs': list_master_dirs,
        'slsutil.serialize': serialize,
        'slsutil.merge': lambda a, b, **_: update(dict(a), b),
        'defaults.merge': defaults_merge,
        'mine.get': lambda *a, **k: {},
    })


class ImportYaml(jinja2.ext.Extension):
    """Salt's {% import_yaml "file" as name %} (and import_json/import_text)."""
    tags = {'import_yaml', 'import_json', 'import_text'}

    def parse(self, parser):
        kind = next(parser.stream).value.split('_')[1]
        lineno = parser.stream.current.lineno
        source = parser.parse_expression()
        parser.stream.expect('name:as')
        target = parser.parse_assign_target(name_only=True)
        call = self.call_method('_load', [source, nodes.Const(kind)], lineno=lineno)
        return nodes.Assign(target, call, lineno=lineno)

    def _load(self, name, kind):
        # Salt imports the file as a template (rendered without context), then parses its text
        text = self.environment.get_template(name).render()
        if kind == 'yaml':
            return load_yaml(text)
        if kind == 'json':
            return json.loads(text)
        return text


class TplLoader(jinja2.FileSystemLoader):
    """Salt's SaltCacheLoader: loading a template sets tplfile/tpldir/tpldot for the render."""

    def get_source(self, environment, template):
        source, path, uptodate = super().get_source(environment, template)
        tpldir = os.path.dirname(template)
        environment.globals.update({'tplfile': template, 'tpldir': tpldir or '.', 'tpldot': tpldir.replace('/', '.')})
        return source, path, uptodate


def yaml_filter(data, flow_style=True):
    # Salt's OrderedDumper keeps mapping order (its pillar and map data are OrderedDicts)
    return yaml.safe_dump(data, default_flow_style=flow_style, sort_keys=False).strip().removesuffix('\n...')


def environment(root, context):
    env = jinja2.sandbox.SandboxedEnvironment(
        loader=TplLoader(root), undefined=jinja2.StrictUndefined,
        extensions=['jinja2.ext.do', 'jinja2.ext.loopcontrols', ImportYaml], autoescape=False)
    env.filters.update({
        'yaml': yaml_filter,
        'json': lambda v, sort_keys=True: json.dumps(v, sort_keys=sort_keys),
        'yaml_encode': lambda v: yaml.safe_dump(v, default_flow_style=True).strip().removesuffix('\n...'),
        'yaml_dquote': lambda v: json.dumps(str(v)),
        'unique': lambda v: list(dict.fromkeys(v)),
        'regex_replace': lambda s, pat, rep, ignorecase=False, multiline=False: __import__('re').sub(pat, rep, s),
        'traverse': traverse,
        # Salt's own tojson: json.dumps in mapping order, <>&' escaped
        'tojson': lambda v, indent=None: json.dumps(v, indent=indent).replace('<', '\\u003c').replace('>', '\\u003e')
        .replace('&', '\\u0026').replace("'", '\\u0027'),
    })
    env.globals.update(context)
    return env


def main():
    root, grains_file, runs, files = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    with open(grains_file, encoding='utf-8') as f:
        grains = load_yaml(f.read())
    with open(os.path.join(root, 'pillar.yaml'), encoding='utf-8') as f:
        pillar = load_yaml(f.read()) or {}
    opts = {'id': grains.get('id', 'box1'), 'saltenv': 'base', 'file_client': 'local'}
    outputs = {}

    def render_all():
        for rel in files:
            sls = rel[:-4].replace('/', '.').removesuffix('.init')
            ctx = {'grains': grains, 'pillar': pillar, 'opts': opts, 'saltenv': 'base', 'sls': sls,
                   'slspath': os.path.dirname(rel), 'tplroot': rel.split('/')[0]}
            ctx['salt'] = salt_functions(grains, pillar, opts, root)
            try:
                out = environment(root, ctx).get_template(rel).render(ctx)
                # Salt: "Workaround a bug in Jinja that removes the final newline"
                with open(os.path.join(root, rel), encoding='utf-8') as f:
                    outputs[rel] = out + '\n' if f.read().endswith('\n') else out
            except Exception as e:  # noqa: BLE001 - a file this layer cannot render is reported, not timed
                outputs[rel] = {'error': f'{type(e).__name__}: {e}'}

    render_all()
    ok = [rel for rel in files if isinstance(outputs[rel], str)]
    files[:] = ok
    times = [0.0]
    for _ in range(runs):
        t0 = time.perf_counter()
        render_all()
        times.append((time.perf_counter() - t0) * 1000)
    times = sorted(times[1:] if runs else times)
    m = len(times) // 2
    med = times[m] if len(times) % 2 else (times[m - 1] + times[m]) / 2
    print(json.dumps({'median_ms': med, 'outputs': outputs}))


if __name__ == '__main__':
    main()
