#!/usr/bin/python3
"""The oracle of umec's Jinja2 differential test: renders every corpus case with Python's
Jinja2 the way Salt 3006 configures it and prints one JSON document on stdout:

  {"jinja2": version,
   "cases": {name: {"result": {"out": text} | {"error": class, "kind": umec kind, "message": text,
                               "where": {"filename": template, "lineno": n} when known},
                    "files": {path: text} (main.jinja is the case's template),
                    "options": [trim_blocks, lstrip_blocks, keep_trailing_newline, globals...],
                    "context": the case's context in typed JSON (see encode)}}}

The TypeScript side renders exactly these files and context with umec's engine, so the case
format is parsed in one place only.

Usage: jinja2_render.py CORPUS_DIR [--only NAME...]   render every case (or the named cases/groups)
       jinja2_render.py CORPUS_DIR --bench N NAME...  median ms of N warm passes rendering the
                                                      named cases (or groups): {"median_ms": m}
The case format is described in CORPUS_DIR/README.md.
"""
import json
import math
import os
import sys
import tempfile
import time

try:
    import jinja2
    import jinja2.sandbox
    import yaml
except ImportError as e:  # the test turns this into a clear failure
    sys.stderr.write(f"jinja2 oracle: {e} (install the Debian packages python3-jinja2 and python3-yaml)\n")
    sys.exit(3)

# umec's JinjaErrorKind names; a Python exception is reported as the first of these in its MRO
KINDS = {
    'TemplateSyntaxError', 'TemplateNotFound', 'UndefinedError', 'TemplateRuntimeError',
    'TypeError', 'ValueError', 'KeyError', 'IndexError', 'AttributeError', 'ZeroDivisionError',
}
OPTIONS = {'trim_blocks', 'lstrip_blocks', 'keep_trailing_newline', 'noeol', 'globals'}


def section_text(lines, eol=True):
    text = '\n'.join(lines).rstrip('\n')
    return text + '\n' if eol else text


def parse_cases(path, group):
    """One .cases file -> list of case dicts (name, template, context, files, options, tree)."""
    cases = []
    cur = None
    sec = None  # (kind, arg, lines)

    def close_section():
        if cur is None or sec is None:
            return
        kind, arg, lines = sec
        if kind == 'template':
            cur['template'] = section_text(lines, eol='noeol' not in cur['options'])
        elif kind == 'context':
            cur['context_src'] = section_text(lines)
        elif kind == 'file':
            cur['files'][arg] = section_text(lines)

    with open(path, encoding='utf-8') as f:
        raw = f.read().split('\n')
    for lineno, line in enumerate(raw, 1):
        if line.startswith('@@ '):
            close_section()
            words = line[3:].split()
            if not words:
                raise SystemExit(f'{path}:{lineno}: empty marker')
            if words[0] == 'case':
                if len(words) < 2:
                    raise SystemExit(f'{path}:{lineno}: case without a name')
                cur = {'name': f'{group}/{words[1]}', 'options': set(), 'tree': None,
                       'files': {}, 'context_src': None, 'line': lineno}
                for w in words[2:]:
                    if w.startswith('tree='):
                        cur['tree'] = w[5:]
                    elif w in OPTIONS:
                        cur['options'].add(w)
                    else:
                        raise SystemExit(f'{path}:{lineno}: unknown case option {w}')
                cases.append(cur)
                sec = ('template', None, [])
            elif cur is None:
                raise SystemExit(f'{path}:{lineno}: {words[0]} before the first case')
            elif words[0] == 'context':
                sec = ('context', None, [])
            elif words[0] == 'file' and len(words) == 2:
                sec = ('file', words[1], [])
            else:
                raise SystemExit(f'{path}:{lineno}: unknown marker {line}')
        elif sec is not None:
            sec[2].append(line)
    close_section()
    return cases


def load_corpus(corpus):
    cases = []
    names = set()
    cdir = os.path.join(corpus, 'cases')
    for fn in sorted(os.listdir(cdir)):
        if not fn.endswith('.cases'):
            continue
        for c in parse_cases(os.path.join(cdir, fn), fn[:-len('.cases')]):
            if c['name'] in names:
                raise SystemExit(f"{fn}:{c['line']}: duplicate case {c['name']}")
            names.add(c['name'])
            ctx = yaml.safe_load(c['context_src']) if c['context_src'] else None
            if ctx is None:
                ctx = {}
            if not isinstance(ctx, dict):
                raise SystemExit(f"{fn}:{c['line']}: the context of {c['name']} is not a mapping")
            c['context'] = ctx
            cases.append(c)
    return cases


def encode(v):
    """Typed JSON: dict -> {"dict": [[k, v]...]}, float -> {"float": x | "inf" | "-inf" | "nan"},
    list -> array; None/bool/int/str as themselves."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return {'float': 'nan'}
        if math.isinf(v):
            return {'float': 'inf' if v > 0 else '-inf'}
        return {'float': v}
    if isinstance(v, (list, tuple)):
        return [encode(x) for x in v]
    if isinstance(v, dict):
        return {'dict': [[encode(k), encode(x)] for k, x in v.items()]}
    raise SystemExit(f'context value of type {type(v).__name__} cannot be passed to umec: {v!r}')


def case_files(case, corpus):
    files = {}
    if case['tree']:
        tdir = os.path.join(corpus, 'trees', case['tree'])
        for dirpath, _, fns in os.walk(tdir):
            for fn in fns:
                full = os.path.join(dirpath, fn)
                with open(full, encoding='utf-8') as f:
                    files[os.path.relpath(full, tdir)] = f.read()
    files.update(case['files'])
    files['main.jinja'] = case['template']
    return files


def materialize(case, corpus, root):
    for rel, text in case_files(case, corpus).items():
        full = os.path.join(root, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, 'w', encoding='utf-8', newline='') as f:
            f.write(text)


def environment(case, root):
    # Salt 3006 renders with the sandboxed environment (salt/utils/templates.py
    # render_jinja_tmpl): range() capped at 100000, no underscore attributes, str.format sandboxed
    env = jinja2.sandbox.SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(root),
        undefined=jinja2.StrictUndefined,
        extensions=['jinja2.ext.do', 'jinja2.ext.loopcontrols'],
        autoescape=False,
        trim_blocks='trim_blocks' in case['options'],
        lstrip_blocks='lstrip_blocks' in case['options'],
        keep_trailing_newline='keep_trailing_newline' in case['options'],
    )
    if 'globals' in case['options']:
        # Salt's way: the context is also the environment's globals, so templates imported
        # without context see grains/pillar too
        env.globals.update(case['context'])
    return env


def kind_of(e):
    if isinstance(e, SyntaxError):
        # Jinja2 leaves some checks ('break' outside a loop) to Python's compiler
        return 'TemplateSyntaxError'
    for cls in type(e).__mro__:
        if cls.__name__ in KINDS:
            return cls.__name__
    return type(e).__name__


# a tmpfs when there is one: removing hundreds of small trees from an overlay /tmp is slow
TMP = '/dev/shm' if os.access('/dev/shm', os.W_OK) else None


def render(case, corpus):
    with tempfile.TemporaryDirectory(prefix='umec-jinja-oracle-', dir=TMP) as root:
        materialize(case, corpus, root)
        try:
            out = environment(case, root).get_template('main.jinja').render(case['context'])
            return {'out': out}
        except Exception as e:  # noqa: BLE001 - every failure is a result to compare
            r = {'error': type(e).__name__, 'kind': kind_of(e), 'message': str(e)}
            where = error_position(e, root)
            if where:
                r['where'] = where
            return r


def error_position(e, root):
    """The template file (relative to the case root) and line the error is in: the syntax
    error's own, else the innermost template frame of the traceback Jinja2 rewrote."""
    prefix = os.path.realpath(root) + os.sep
    if isinstance(e, jinja2.TemplateSyntaxError) and e.filename and e.lineno:
        fn = os.path.realpath(e.filename)
        return {'filename': fn[len(prefix):] if fn.startswith(prefix) else fn, 'lineno': e.lineno}
    found = None
    tb = e.__traceback__
    while tb is not None:
        fn = os.path.realpath(tb.tb_frame.f_code.co_filename)
        if fn.startswith(prefix):
            found = {'filename': fn[len(prefix):], 'lineno': tb.tb_lineno}
        tb = tb.tb_next
    return found


def bench(cases, corpus, runs):
    with tempfile.TemporaryDirectory(prefix='umec-jinja-bench-', dir=TMP) as base:
        prepared = []
        for i, c in enumerate(cases):
            root = os.path.join(base, str(i))
            materialize(c, corpus, root)
            prepared.append((environment(c, root), c['context']))
        for env, ctx in prepared:  # warm: compile and cache every template once
            env.get_template('main.jinja').render(ctx)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            for env, ctx in prepared:
                env.get_template('main.jinja').render(ctx)
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    m = len(times) // 2
    med = times[m] if len(times) % 2 else (times[m - 1] + times[m]) / 2
    return {'median_ms': med, 'runs': runs}


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    corpus = sys.argv[1]
    cases = load_corpus(corpus)
    if len(sys.argv) > 2 and sys.argv[2] == '--bench':
        runs = int(sys.argv[3])
        wanted = set(sys.argv[4:])
        chosen = [c for c in cases if c['name'] in wanted or c['name'].split('/')[0] in wanted]
        json.dump(bench(chosen, corpus, runs), sys.stdout)
        return
    if len(sys.argv) > 2 and sys.argv[2] == '--only':
        wanted = set(sys.argv[3:])
        cases = [c for c in cases if c['name'] in wanted or c['name'].split('/')[0] in wanted]
    result = {'jinja2': jinja2.__version__, 'cases': {}}
    for c in cases:
        context = encode(c['context'])  # before rendering: templates may mutate it ({% do %})
        result['cases'][c['name']] = {
            'result': render(c, corpus),
            'files': case_files(c, corpus),
            'options': sorted(c['options']),
            'context': context,
        }
    json.dump(result, sys.stdout, ensure_ascii=False)


if __name__ == '__main__':
    main()
