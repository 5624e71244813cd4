import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { Environment, JinjaError, toPy, type EnvironmentOptions, type TemplateLoader } from '../../../states/jinja/index.js';

/** A loader over a real temp directory, like Salt's file-root loader. */
function dirLoader(files: Record<string, string>): TemplateLoader {
  const root = mkdtempSync(join(tmpdir(), 'umec-jinja-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return {
    getSource(name) {
      const p = join(root, name);
      return existsSync(p) ? { source: readFileSync(p, 'utf8'), filename: name } : undefined;
    },
  };
}

const render = (src: string, ctx: Record<string, unknown> = {}, o: EnvironmentOptions = {}): string =>
  new Environment(o).fromString(src, 'test.sls').render(ctx as never);

function fails(f: () => unknown, kind: string, message: RegExp | string, where?: { filename?: string; lineno?: number }): void {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof JinjaError, `not a JinjaError: ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    if (where?.filename !== undefined) assert.equal(e.filename, where.filename);
    if (where?.lineno !== undefined) assert.equal(e.lineno, where.lineno);
    return;
  }
  assert.fail('no error');
}

test('text, variables and the dropped trailing newline', () => {
  assert.equal(render('hello {{ name }}!\n', { name: 'world' }), 'hello world!');
  assert.equal(render('a\n\n'), 'a\n');
  assert.equal(render('a\n', {}, { keepTrailingNewline: true }), 'a\n');
  assert.equal(render('a\r\nb'), 'a\nb');
});

test('whitespace control, trim_blocks and lstrip_blocks', () => {
  assert.equal(render('a  {%- if true %} b {% endif -%}  c'), 'a b c');
  assert.equal(render('{%- for a in ["x","y"] -%}\n  {{ a }}\n{%- endfor %}'), 'xy');
  assert.equal(render('a\n  {% if true %}\nb\n  {% endif %}\nc', {}, { trimBlocks: true, lstripBlocks: true }), 'a\nb\nc');
  assert.equal(render('a\n  {%+ if true %}\nb\n{% endif +%}\nc', {}, { trimBlocks: true, lstripBlocks: true }), 'a\n  b\n\nc');
  assert.equal(render('{# comment #}x{#- c -#}  y'), 'xy');
  assert.equal(render('{% raw %}{{ x }}{% endraw %}'), '{{ x }}');
});

test('literals: strings with escapes, numbers, tuples, lists, dicts with trailing commas', () => {
  assert.equal(render(`{{ 'a\\nb\\t\\x41\\u00e9\\\\' }}{{ "x'y" }}{{ 'a' 'b' }}`), "a\nb\tAé\\x'yab");
  assert.equal(render('{{ 1_000 }} {{ 0x1f }} {{ 0o17 }} {{ 0b11 }} {{ 1e3 }} {{ 1.5 }}'), '1000 31 15 3 1000.0 1.5');
  assert.equal(render("{{ (1,) }}{{ () }}{{ [1,2,] }}{{ {'a': 1,} }}{{ 1, 2 }}"), "(1,)()[1, 2]{'a': 1}(1, 2)");
  assert.equal(render('{% set k = "key" %}{{ {k: 1} }}'), "{'key': 1}");
  assert.equal(render('{{ true }}{{ True }}{{ none }}{{ None }}'), 'TrueTrueNoneNone');
});

test('for: unpacking, else, loop variables, inline filter, recursion', () => {
  assert.equal(render('{% for a, b in [[1,2],[3,4]] %}{{ a }}{{ b }}{% else %}no{% endfor %}{% for x in [] %}{% else %}empty{% endfor %}'), '1234empty');
  assert.equal(render('{% for x in "abc" %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}'),
    '103TrueFalse3|212FalseFalse3|321FalseTrue3|');
  assert.equal(render('{% for x in "abc" %}{{ loop.cycle("o", "e") }}{{ loop.previtem is defined }}{% endfor %}'), 'oFalseeTrueoTrue');
  assert.equal(render('{% for x in [none, "a", "b"] if x %}{{ loop.index }}{{ x }}{{ loop.length }}{% endfor %}'), '1a22b2');
  const tree = [{ n: 'a', c: [{ n: 'b', c: [] }] }];
  assert.equal(render('{% for i in t recursive %}{{ loop.depth }}{{ i.n }}[{{ loop(i.c) }}]{% endfor %}', { t: toPy(tree) }), '1a[2b[]]');
});

test('break and continue', () => {
  assert.equal(render('{% for x in "abcd" %}{% if x is sameas "b" %}{% continue %}{% endif %}{{ x }}{% if x is sameas "c" %}{% break %}{% endif %}{% endfor %}'), 'ac');
});

test('scoping: for bodies do not leak, if does, namespaces carry values out', () => {
  assert.equal(render("{% set x = 'a' %}{% for i in [1] %}{% set x = 'b' %}{{ x }}{% endfor %}{{ x }}"), 'ba');
  assert.equal(render("{% if true %}{% set x = 'in' %}{% endif %}{{ x }}"), 'in');
  assert.equal(render('{% set ns = namespace(v="") %}{% for i in "ab" %}{% set ns.v = ns.v ~ i %}{% endfor %}{{ ns.v }}'), 'ab');
  assert.equal(render('{% with a = 1, b = 2 %}{{ a }}{{ b }}{% endwith %}{{ a is defined }}'), '12False');
  fails(() => render('{% set x = 1 %}{% set x.y = 2 %}'), 'TemplateRuntimeError', 'cannot assign attribute on non-namespace object', { lineno: 1 });
});

test('set blocks and filter blocks', () => {
  assert.equal(render('{% set x %}ab{{ 1 }}{% endset %}{{ x }}{% set y | upper %}cd{% endset %}{{ y }}'), 'ab1CD');
  assert.equal(render('{% filter upper %}abc{% endfilter %}'), 'ABC');
  assert.equal(render('{% filter trim | upper %}  abc  {% endfilter %}'), 'ABC');
});

test('macros: defaults, varargs, kwargs, caller, attributes, closures', () => {
  assert.equal(render("{% macro m(a, b='d') %}[{{ a }}{{ b }}]{% endmacro %}{{ m('x') }}{{ m('x', b='y') }}{{ m.name }}{{ m.arguments }}"), "[xd][xy]m('a', 'b')");
  assert.equal(render('{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, k=4) }}'), "1(2, 3){'k': 4}");
  assert.equal(render('{% macro m(a, b=a) %}{{ b }}{% endmacro %}{{ m(7) }}'), '7');
  assert.equal(render('{% macro m() %}<{{ caller(1) }}>{% endmacro %}{% call(x) m() %}x={{ x }}{% endcall %}'), '<x=1>');
  assert.equal(render('{% macro m() %}{{ v }}{% endmacro %}{% set v = 1 %}{{ m() }}{% set v = 2 %}{{ m() }}'), '12');
  fails(() => render('{% macro m(a) %}{{ a }}{% endmacro %}{{ m() }}'), 'UndefinedError', "parameter 'a' was not provided");
  fails(() => render('{% macro m() %}{% endmacro %}{{ m(1) }}'), 'TypeError', "macro 'm' takes not more than 0 argument(s)");
  fails(() => render('{% macro m() %}{% endmacro %}{{ m(x=1) }}'), 'TypeError', "macro 'm' takes no keyword argument 'x'");
});

test('calls with *args, **kwargs and trailing commas', () => {
  assert.equal(render('{% macro m(a, b, c=0) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ m(*[1, 2], **{"c": 3}) }}{{ m(1, 2,) }}'), '123120');
});

test('StrictUndefined and the lenient mode', () => {
  fails(() => render('{{ x }}'), 'UndefinedError', "'x' is undefined", { filename: 'test.sls', lineno: 1 });
  fails(() => render('a\n{% for i in x %}{% endfor %}'), 'UndefinedError', "'x' is undefined", { lineno: 2 });
  fails(() => render('\n\n{% if x %}{% endif %}'), 'UndefinedError', "'x' is undefined", { lineno: 3 });
  fails(() => render('{{ x.y }}'), 'UndefinedError', "'x' is undefined");
  assert.equal(render('{{ x is defined }}{{ x is undefined }}{{ x | default("d") }}{{ x | d("e") }}'), 'FalseTruede');
  assert.equal(render('{{ 1 if false }}|{{ (1 if false) is defined }}'), '|False');
  assert.equal(render('{{ x }}|{% for i in x %}{% endfor %}|{{ "y" if x else "n" }}', {}, { strictUndefined: false }), '||n');
});

test('syntax errors name the line and the expected tag', () => {
  fails(() => render('line1\n{% for %}'), 'TemplateSyntaxError', "Expected an expression, got 'end of statement block'", { filename: 'test.sls', lineno: 2 });
  fails(() => render('{% if true %}\n\nx'), 'TemplateSyntaxError',
    "Unexpected end of template. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'.", { lineno: 3 });
  fails(() => render('{% nosuch %}'), 'TemplateSyntaxError', "Encountered unknown tag 'nosuch'.", { lineno: 1 });
  fails(() => render('\n{{ foo|nofilter }}'), 'TemplateSyntaxError', "No filter named 'nofilter'.", { lineno: 2 });
  fails(() => render('{{ foo is nosuchtest }}'), 'TemplateSyntaxError', "No test named 'nosuchtest'.");
  fails(() => render('{{ "abc }}'), 'TemplateSyntaxError', /unexpected char/);
  // unknown filters inside an if fail only when they run (Jinja2 3.x)
  assert.equal(render('{% if false %}{{ x|nofilter }}{% endif %}ok'), 'ok');
});

test('import, from-import, include with a directory loader; errors name the imported file', () => {
  const loader = dirLoader({
    'lib/macros.jinja': '{% set version = "1.2" %}{% set _private = 1 %}{% macro greet(n) %}hi {{ n }}{% endmacro %}body',
    'lib/inc.jinja': 'included {{ who | d("") }}',
    'lib/bad.jinja': '\n\n{{ nope }}',
    'lib/ctx.jinja': '{% macro who() %}{{ grains_id }}{% endmacro %}',
    'base.jinja': '<{% block head %}base-head{% endblock %}|{% block body %}{% endblock %}>',
    'child.jinja': '{% extends "base.jinja" %}{% block body %}child {{ super() }}{{ self.head() }}{% endblock %}',
    'data.yaml': 'a: {{ 1 }}',
    'data.json': '{"k": [{{ "1" }}, 2]}',
  });
  const env = new Environment({ loader, globals: { grains_id: 'minion1' }, dataParsers: { yaml: (t) => new Map([['raw', t]]) } });
  const r = (src: string, ctx = {}): string => env.fromString(src, 'top.sls').render(ctx);
  assert.equal(r('{% import "lib/macros.jinja" as m %}{{ m.greet("x") }} {{ m.version }} {{ m._private is defined }} {{ m }}'), 'hi x 1.2 False body');
  assert.equal(r('{% from "lib/macros.jinja" import greet as g, version %}{{ g("y") }}{{ version }}'), 'hi y1.2');
  assert.equal(r('{% set who = "me" %}{% include "lib/inc.jinja" %}|{% include "lib/inc.jinja" without context %}', { }).replace(/\n/g, ''), 'included me|included ');
  assert.equal(r('{% include "missing.jinja" ignore missing %}ok'), 'ok');
  assert.equal(r('{% include ["missing.jinja", "lib/inc.jinja"] %}', { who: 'x' }), 'included x');
  assert.equal(r('{% from "lib/ctx.jinja" import who %}{{ who() }}'), 'minion1');
  assert.equal(env.getTemplate('child.jinja').render(), '<base-head|child base-head>');
  fails(() => r('\n{% include "missing.jinja" %}'), 'TemplateNotFound', 'missing.jinja', { filename: 'top.sls', lineno: 2 });
  fails(() => r('\n{% import "lib/bad.jinja" as b %}'), 'UndefinedError', "'nope' is undefined", { filename: 'lib/bad.jinja', lineno: 3 });
  fails(() => r('{% from "lib/macros.jinja" import nothing %}{{ nothing }}'), 'UndefinedError',
    "the template 'lib/macros.jinja' (imported on line 1 in None) does not export the requested name 'nothing'");
  // Salt's tags
  const y = r('{% import_yaml "data.yaml" as d %}{{ d.raw }}');
  assert.equal(y, 'a: 1');
  assert.equal(r('{% import_json "data.json" as d %}{{ d.k }}'), '[1, 2]');
  assert.equal(r('{% import_text "data.yaml" as d %}{{ d }}'), 'a: 1');
  assert.equal(r('{% load_json as d %}{"x": "{{ grains_id }}"}{% endload %}{{ d.x }}'), 'minion1');
});

test('templates are parsed once per source', () => {
  const env = new Environment();
  const a = env.fromString('{{ 1 }}', 'x');
  const b = env.fromString('{{ 1 }}', 'x');
  assert.equal(a.render(), b.render());
});

test("Jinja2's name tracking: a name a frame assigns before reading starts undefined", () => {
  // the loop body reads the top-level x, which is only assigned after the loop
  fails(() => render('{% for i in [1] %}{{ x }}{% endfor %}{% set x = 2 %}', { x: 5 }), 'UndefinedError', "'x' is undefined");
  assert.equal(render('{{ x }}{% set x = 2 %}{{ x }}', { x: 5 }), '52');
  assert.equal(render('{% if false %}{% set x = 1 %}{% endif %}{{ x }}', { x: 5 }), '5');
  assert.equal(render('{% for i in [1, 2] %}{{ x }}{% set x = i %}{% endfor %}', { x: 5 }), '55');
  assert.equal(render('{% macro m() %}{% set y = x %}{% set x = 1 %}{{ y }}{% endmacro %}{{ m() }}', { x: 5 }), '5');
  fails(() => render('{% with %}{% set y = 2 %}{{ x }}{% endwith %}{% set x = 1 %}', { x: 5 }), 'UndefinedError', "'x' is undefined");
});

test('errors carry the line of the expression or statement that failed', () => {
  fails(() => render('a\n{{ 1 }}{{\n x }}'), 'UndefinedError', "'x' is undefined", { lineno: 3 });
  fails(() => render('{% set y = {\n "a": x.b\n} %}'), 'UndefinedError', "'x' is undefined", { lineno: 1 });
  fails(() => render('{% for i in [1] if\n x %}{% endfor %}'), 'UndefinedError', "'x' is undefined", { lineno: 2 });
  fails(() => render('{% macro m() %}\n\n{{ x }}{% endmacro %}\n{{ m() }}'), 'UndefinedError', "'x' is undefined", { lineno: 3 });
  fails(() => render('\n{% set z %}\n{{ x }}\n{% endset %}'), 'UndefinedError', "'x' is undefined", { lineno: 3 });
  fails(() => render('{% break %}'), 'TemplateSyntaxError', "'break' outside loop");
  fails(() => render('{% macro m(caller) %}{{ caller() }}{% endmacro %}'), 'TemplateSyntaxError', /special "caller" argument/);
});

test('extends: output after extends is dropped, but include and call blocks still print (as Jinja2)', () => {
  const loader = dirLoader({ 'base': '<{% block b %}B{% endblock %}>', 'inc': 'INC' });
  const env = new Environment({ loader });
  assert.equal(env.fromString("x{% extends 'base' %}y{% for i in [1] %}z{% endfor %}", 'main').render(), 'x<B>');
  assert.equal(env.fromString("{% extends 'base' %}{% include 'inc' %}{% filter upper %}f{% endfilter %}", 'main').render(), 'INC<B>');
  assert.equal(render('{% macro m() %}{% endmacro %}{{ m }}|{{ m is callable }}'), "<Macro 'm'>|True");
  assert.equal(render('{% for x in [1, 2] %}{% continue %}{% else %}else{% endfor %}|{% for x in [1] %}{% break %}{% else %}else{% endfor %}'), 'else|else');
});
