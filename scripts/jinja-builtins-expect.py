#!/usr/bin/env python3
"""Writes test/states/jinja/builtins-cases.ts: calls of umec's Jinja2 builtin filters and tests
with what Python Jinja2 3.1 (Salt's SandboxedEnvironment, StrictUndefined unless a case says
lenient) returns for them. Run from the repository root after changing the cases below:
    python3 scripts/jinja-builtins-expect.py
"""
import json, sys, types
import jinja2, jinja2.sandbox
from jinja2.runtime import Undefined
from markupsafe import Markup

STRICT = jinja2.sandbox.SandboxedEnvironment(undefined=jinja2.StrictUndefined, extensions=['jinja2.ext.do', 'jinja2.ext.loopcontrols'])
LENIENT = jinja2.sandbox.SandboxedEnvironment(extensions=['jinja2.ext.do', 'jinja2.ext.loopcontrols'])

# value constructors (encoded as JSON both sides decode the same way)
def F(x): return {'$f': x}                 # float
def T(*xs): return {'$t': list(xs)}        # tuple
def U(name): return {'$u': name}           # undefined name
def M(*pairs): return {'$m': [list(p) for p in pairs]}  # dict with any keys
def G(*xs): return {'$g': list(xs)}        # a generator over the items
def V(kind, d): return {'$v': [kind, d]}    # dict.keys()/values()/items() of d

def dec(v, env):
    if isinstance(v, dict):
        if '$f' in v: return float(v['$f'])
        if '$t' in v: return tuple(dec(x, env) for x in v['$t'])
        if '$u' in v: return env.undefined(name=v['$u'])
        if '$m' in v: return {dec(k, env): dec(x, env) for k, x in v['$m']}
        if '$g' in v: return (dec(x, env) for x in v['$g'])
        if '$v' in v: return getattr(dec(v['$v'][1], env), v['$v'][0])()
        return {k: dec(x, env) for k, x in v.items()}
    if isinstance(v, list): return [dec(x, env) for x in v]
    return v

ITER_TYPES = ('generator', 'list_reverseiterator', 'reversed', 'dict_reversekeyiterator', 'dict_reversevalueiterator', 'dict_reverseitemiterator')

def show(r):
    if isinstance(r, Undefined): return f'Undefined({r._undefined_message})'
    if type(r).__name__ in ITER_TYPES: return f'<{type(r).__name__}>{show(list(r))}'
    if isinstance(r, Markup): return repr(str(r))
    return repr(r)

def run(kind, name, value, args, kwargs, lenient):
    env = LENIENT if lenient else STRICT
    ctx = env.from_string('').new_context()
    try:
        v, a, k = dec(value, env), dec(args, env), dec(kwargs, env)
        if kind == 'filter':
            r = env.call_filter(name, v, a, k, context=ctx)
        else:
            r = env.call_test(name, v, a, k, context=ctx)
        return show(r)
    except Exception as e:
        return f'!{type(e).__name__}: {e}'

CASES = []
def f(name, value, *args, _lenient=False, **kwargs):
    CASES.append(('filter', name, value, list(args), kwargs, _lenient))
def t(name, value, *args, _lenient=False, **kwargs):
    CASES.append(('test', name, value, list(args), kwargs, _lenient))

# ---- numbers
for v in [5, -5, F(-7.5), True, 'a', None, U('x')]: f('abs', v)
for v in ['42', '  -4_2 ', '4__2', '3.7', '-3.99', '1e3', 'inf', 'nan', 'x', None, [1], True, F(3.99), F(-3.99), U('x'), '0x1A', '0b101']:
    f('int', v)
f('int', 'x', 7); f('int', '0x1A', 0, 0); f('int', '0x1A', 0, 16); f('int', 'ff', base=16); f('int', '010', 0, 0)
f('int', '00', 0, 0); f('int', '0b_101', 0, 0); f('int', '0o17', base=8); f('int', '0o17'); f('int', '12', base=99)
f('int', '1.5', base=16); f('int', 'z', 0, 36); f('int', U('x'), _lenient=True)
for v in ['1.5', ' 1_0.5 ', 'Infinity', '-inf', 'x', None, 3, True, F(2.5), '1e-3', '.5', '5.', '1_.5', U('x')]: f('float', v)
f('float', 'x', 'dflt'); f('float', U('x'), _lenient=True)
for v in [F(2.5), F(3.5), F(-0.5), F(0.125), F(2.675), 3, True, F(1e20), F(42.55), 'a', U('x')]: f('round', v)
f('round', F(0.125), 2); f('round', F(2.675), 2); f('round', 1250, -2); f('round', 1350, -2); f('round', F(12345.6789), -2)
f('round', F(42.55), 1, 'floor'); f('round', F(42.55), 1, 'ceil'); f('round', 42, 1, 'ceil'); f('round', 5, -1, 'floor')
f('round', 42, method='x'); f('round', F(2.5), F(1.0)); f('round', F(1.05), 1); f('round', F(-1.25), 1)
for v in [0, 1, F(1.5), 999, 1000, 1250, 999999, 1000000, 123456789, '2000', F(1e30), -5, 'abc', None, U('x')]: f('filesizeformat', v)
for v in [1023, 1024, 1000000, 1073741824]: f('filesizeformat', v, True)

# ---- text
f('capitalize', 'hello WORLD'); f('capitalize', ''); f('capitalize', 5); f('capitalize', U('x')); f('capitalize', U('x'), _lenient=True)
for w, s in [(7, 'ab'), (6, 'ab'), (6, 'abc'), (7, 'abc'), (4, 'a'), (2, 'abc')]: f('center', s, w)
f('center', 'x')
f('lower', 'HeLLo'); f('upper', 'hello ß'); f('upper', None); f('lower', 5); f('upper', U('x')); f('upper', U('x'), _lenient=True)
f('title', "hello-world (foo) [bar] <baz>x{y}  o'neil"); f('title', 'ÉCOLE été'); f('title', '')
f('trim', '  hi \n'); f('trim', 'xxhixx', 'x'); f('trim', 'abcba', 'ab'); f('trim', 5)
f('truncate', 'foo bar baz qux', 9); f('truncate', 'foo bar baz qux', 9, True); f('truncate', 'foo bar baz qux', 11)
f('truncate', 'foo bar baz qux', 11, False, '...', 0); f('truncate', 'foobarbazqux', 9, leeway=0); f('truncate', 'foo', 2)
f('truncate', 'foo bar', 5, end='!', leeway=0); f('truncate', 'x' * 300); f('truncate', 'a b', 1, end=''); f('truncate', 'abc', 3, leeway=-1)
f('truncate', U('x'), _lenient=True); f('truncate', U('x')); f('truncate', 12345, 3)
f('wordcount', 'hello world, it is 3 o_clock'); f('wordcount', ''); f('wordcount', 'né-à  x')
f('replace', 'aaaaargh', 'a', "d'oh, ", 2); f('replace', 'abc', '', '-'); f('replace', 'abc', '', '-', 2); f('replace', 'abc', 'b', '-', 0)
f('replace', 'abc', 'b', '-', -5); f('replace', 123, 2, 9); f('replace', 'aaa', 'a', 'b', count=2); f('replace', 'a', 'a', 'b', 'x')
f('indent', 'a\nb\n\nc'); f('indent', 'a\nb\n\nc', 2, True, True); f('indent', 'a\nb\n', '> ', first=True); f('indent', 'a\r\nb')
f('indent', '', first=True); f('indent', 'a\n\n', blank=True); f('indent', 5); f('indent', 'x\ny', width=0); f('indent', U('x'), _lenient=True)
f('string', 5); f('string', [1, 'a']); f('string', None); f('string', U('x')); f('string', U('x'), _lenient=True)
f('safe', '<b>'); f('safe', 5)
f('striptags', '<a href="x">foo</a>  &amp; <!-- c <b> --> bar &lt;x&gt; &copy; &#65; &#x42;'); f('striptags', 'a <b\nc'); f('striptags', ' a \n\t b ')
f('striptags', '&#150; &nbsp;x &unknownentity;')
f('striptags', '&copyright &hellip; &hellip &ampx &#1; &#xFFFF; &#xD800; &#9999999; &NotEqualTilde; &#65 &lt')
f('escape', '<&>"\''); f('e', None); f('e', 5); f('forceescape', '<&>'); f('escape', U('x')); f('e', U('x'), _lenient=True)
f('urlencode', 'a b/c?d=é&'); f('urlencode', {'a b': 'c/d', 'e': 1}); f('urlencode', [T('a', 1), T('b', 'x y')]); f('urlencode', 5)
f('urlencode', U('x'), _lenient=True); f('urlencode', U('x')); f('urlencode', '~_.-!*()\''); f('urlencode', [[1, 2, 3]])
f('xmlattr', {'class': 'my<list', 'missing': None, 'id': 1}); f('xmlattr', {'class': 'x'}, False); f('xmlattr', {'a b': 'x'})
f('xmlattr', {}); f('xmlattr', {'a': U('y')}); f('xmlattr', [1]); f('xmlattr', {'a/': 1}); f('xmlattr', M((1, 'x')))
f('wordwrap', 'Hello world, this is a long line that should wrap around at some point okay', 20)
f('wordwrap', 'a\n\nb ccccccccccccccccccccccccc-dddd', 10); f('wordwrap', 'well-known super-long-hyphenated-word here', 12)
f('wordwrap', 'aaaaaaaaaaaaaaaaa', 5, False); f('wordwrap', 'a -- b --- c', 3); f('wordwrap', 'xyz', 0); f('wordwrap', 'aaaaaaaaaaaaaaaaa', 5)
f('wordwrap', 'one two three four', 9, wrapstring='<br>'); f('wordwrap', 'super-long-hyphenated', 8, break_on_hyphens=False)
f('wordwrap', '  leading and  double  spaces  ', 10); f('wordwrap', 'tab\there x', 5); f('wordwrap', '')
f('format', '%s, %s!', 'Hello', 'World'); f('format', '%(a)s-%(b)d', a='x', b=3); f('format', '%s', 1, a=2); f('format', '%d%%', 5)
f('urlize', 'see http://example.com/x?y=1. and www.foo.org, (https://a.b/c) mail me@x.org or mailto:a@b.cc')
f('urlize', 'go to example.com now'); f('urlize', 'http://example.com/very/long/path', 10); f('urlize', 'http://x.com', nofollow=True, target='_blank')
f('urlize', '<http://x.com> & "a"'); f('urlize', 'ftp://x.y z', extra_schemes=['ftp://']); f('urlize', 'x', extra_schemes=['b'])
f('urlize', 'http://127.0.0.1:8080/x and https://[::1]/y'); f('urlize', '@a@b.com foo@bar')

# ---- sequences
f('batch', [1, 2, 3, 4, 5], 2); f('batch', [1, 2, 3, 4, 5], 2, 0); f('batch', [1, 2, 3], 0); f('batch', [], 2); f('batch', 'abc', 2)
f('slice', [1, 2, 3, 4, 5], 3); f('slice', [1, 2, 3, 4, 5], 3, 0); f('slice', [1, 2, 3, 4], 3, 'x'); f('slice', [1, 2], 0); f('slice', [], 2)
f('dictsort', {'b': 1, 'A': 2, 'c': 0}); f('dictsort', {'b': 1, 'A': 2, 'c': 0}, True); f('dictsort', {'b': 1, 'A': 2, 'c': 0}, by='value', reverse=True)
f('dictsort', {'b': 'X', 'a': 'y', 'c': 'x'}, False, 'value'); f('dictsort', {'b': 1}, by='x'); f('dictsort', [1, 2]); f('dictsort', U('x'), _lenient=True)
f('dictsort', M((1, 'a'), ('b', 2)))
f('first', [1, 2]); f('first', ''); f('first', 'abc'); f('first', {'a': 1, 'b': 2}); f('first', G(3, 4)); f('first', U('x')); f('first', U('x'), _lenient=True); f('first', 5)
f('last', [1, 2]); f('last', []); f('last', 'abc'); f('last', {'a': 1, 'b': 2}); f('last', T(1, 2)); f('last', G(3, 4)); f('last', U('x')); f('last', U('x'), _lenient=True); f('last', 5)
people = [{'n': 'a', 'c': 'NY'}, {'n': 'b', 'c': 'ca'}, {'n': 'c', 'c': 'CA'}, {'n': 'd', 'c': 'ny'}]
f('groupby', people, 'c'); f('groupby', people, 'c', case_sensitive=True); f('groupby', [[1, 'a'], [2, 'b'], [1, 'c']], 0)
f('groupby', [[1, 'a'], [2, 'b'], [1, 'c']], '0'); f('groupby', [{'c': 'x'}, {}], 'c', default='x'); f('groupby', [{'c': 'x'}, {}], 'c')
f('groupby', [{'a': {'b': 'X'}}, {'a': {'b': 'y'}}, {'a': {'b': 'x'}}], 'a.b'); f('groupby', [], 'a')
f('items', {'a': 1, 'b': [2]}); f('items', U('x')); f('items', [1]); f('items', {})
f('join', [1, 2, 3], '|'); f('join', [{'n': 1}, {'n': 'b'}], ', ', attribute='n'); f('join', {'a': 1, 'b': 2}); f('join', [1, None, F(1.5)])
f('join', [[1]]); f('join', 'abc', '-'); f('join', U('x')); f('join', U('x'), _lenient=True); f('join', [T(1, 'a'), T(2, 'b')], attribute=1); f('join', G('a', 'b'), ',')
f('list', 'abc'); f('list', {'a': 1}); f('list', T(1, 2)); f('list', G(1, 2)); f('list', 5); f('list', U('x')); f('list', U('x'), _lenient=True)
f('map', [1, 2], 'string'); f('map', [{'a': 1}, {}], attribute='a', default=0); f('map', [1], attribute='a', x=1); f('map', [1])
f('map', [], 'upper'); f('map', [1, 'a'], 'int', 5); f('map', ['a', 'B'], 'upper'); f('map', [{'a': {'b': 3}}], attribute='a.b')
f('map', [[1, 2], [3, 4]], attribute='1'); f('map', 'ab', 'upper'); f('map', [1], 'nosuch'); f('map', [1, 2], 'default'); f('map', U('x'))
f('map', ['a'], 'replace', 'a', 'b'); f('map', [' a '], 'trim'); f('map', [{'a': 1}], 'attr', 'a'); f('map', U('x'), 'upper', _lenient=True)
f('max', ['b', 'A', 'c']); f('min', ['b', 'A', 'c']); f('max', ['b', 'A', 'c'], True); f('min', ['b', 'A', 'c'], case_sensitive=True)
f('max', [{'a': 3}, {'a': 1}], attribute='a'); f('max', []); f('min', []); f('max', [1, 1.0, True]); f('min', [True, 1]); f('max', [1, 'a'])
f('max', 'hello'); f('min', {'b': 1, 'a': 2}); f('max', ['a', 'A']); f('min', ['B', 'b'])
f('select', [1, 2, 3, 4], 'odd'); f('reject', [1, 2, 3, 4], 'odd'); f('select', [0, 1, '', None, 'a']); f('reject', [0, 1, '', None, 'a'])
f('select', [1, 2, 3, 4], 'divisibleby', 2); f('selectattr', [{'a': 1}, {'a': 0}], 'a'); f('rejectattr', [{'a': 1}, {'a': 0}], 'a')
f('selectattr', [{'a': 1}, {'a': 0}, {}], 'a'); f('selectattr', [{'a': 1}, {'a': 2}], 'a', '==', 2); f('selectattr', [{'a': 1}, {'a': 2}], 'a', 'equalto', 2)
f('selectattr', [{'a': 1}]); f('select', [1], 'nosuch'); f('select', [], 'nosuch'); f('select', [1, 2, 3], 'in', [1, 3]); f('rejectattr', [{'a': None}, {'a': 1}], 'a', 'none')
f('select', ['a', 'B', 'c'], 'lower'); f('selectattr', [{'a': {'b': 1}}, {'a': {'b': 0}}], 'a.b'); f('select', U('x')); f('select', U('x'), _lenient=True)
f('sort', [3, 1, 2]); f('sort', ['b', 'A', 'c']); f('sort', ['b', 'A', 'c'], case_sensitive=True); f('sort', ['b', 'A', 'c'], True)
f('sort', [{'a': 2, 'b': 'x'}, {'a': 1, 'b': 'y'}, {'a': 2, 'b': 'a'}], attribute='a,b'); f('sort', [{'a': {'b': 2}}, {'a': {'b': 1}}], attribute='a.b')
f('sort', [1, 'a']); f('sort', {'b': 1, 'a': 2}); f('sort', 'cba'); f('sort', [T(2, 'a'), T(1, 'b')]); f('sort', [[2, 'x'], [1, 'y']], attribute=0)
f('sort', ['a', 'B', 'A', 'b'], reverse=True); f('sort', [F(1.5), 1, True, 0]); f('sort', [{'a': 'B'}, {'a': 'a'}], attribute='a'); f('sort', U('x'))
f('sum', [1, 2, 3]); f('sum', [F(1.5), 2]); f('sum', [{'p': 1}, {'p': 2}], attribute='p', start=10); f('sum', [[1], [2]], start=[])
f('sum', []); f('sum', ['a']); f('sum', ['a'], start=''); f('sum', [True, True]); f('sum', U('x')); f('sum', U('x'), _lenient=True)
f('unique', ['a', 'A', 'b', 1, F(1.0), True]); f('unique', ['a', 'A', 'b'], True); f('unique', [{'a': 'x'}, {'a': 'X'}], attribute='a')
f('unique', [[1], [1]]); f('unique', [T(1, 2), T(1, 2), T(2,)]); f('unique', 'abcabc'); f('unique', [None, None, 0, False])
f('length', [1, 2, 3]); f('count', 'ab'); f('length', {'a': 1}); f('length', G(1)); f('length', 5); f('length', U('x')); f('length', U('x'), _lenient=True); f('length', T())
f('default', U('x'), 'd'); f('default', '', 'd'); f('default', '', 'd', True); f('d', None, 'n', boolean=True); f('default', U('x')); f('default', 0, 5, True)
f('default', False, 'x'); f('d', [], 'e', True); f('default', U('x'), U('y'))
f('reverse', 'abc'); f('reverse', [1, 2]); f('reverse', T(1, 2)); f('reverse', {'a': 1, 'b': 2}); f('reverse', 5); f('reverse', G(1, 2))
f('reverse', U('x')); f('reverse', U('x'), _lenient=True); f('reverse', None)
f('attr', {'a': 1}, 'a'); f('attr', U('x'), 'a'); f('attr', U('x'), 'a', _lenient=True); f('attr', 'abc', 'nosuch'); f('attr', [1], 'x')
f('random', []); f('random', [7]); f('random', 'z'); f('random', U('x'), _lenient=True); f('random', U('x')); f('random', G(1))
f('tojson', {'b': [1, F(2.5), None, True], 'a': 'x<y>&\'"é\n😀'}); f('tojson', [1, {'c': {}}, []], 2); f('tojson', {'a': [1, 2]}, indent='--')
f('tojson', M((1, 'x'), (F(2.5), 'y'), (False, 1), (None, 2))); f('tojson', M((1, 'x'), (F(2.5), 'y'), (False, 1))); f('tojson', M((1, 'x'), ('a', 1))); f('tojson', M((T(1,), 1))); f('tojson', T(1, 2)); f('tojson', U('x'))
f('tojson', U('x'), _lenient=True); f('tojson', 'a\x7f\x01'); f('tojson', F(1e16)); f('tojson', {'a': 1}, 0); f('tojson', [], 2)
f('pprint', {'b': 1, 'a': [1, 2], 'c': 'x'}); f('pprint', U('x')); f('pprint', list(range(40))); f('pprint', {'key%d' % i: 'value %d' % i for i in range(8)})
f('pprint', 'word ' * 30); f('pprint', [{'name': 'x' * 30, 'items': list(range(20))}, T('a' * 50, 'b' * 40)]); f('pprint', T(1,)); f('pprint', M((1, 'a'), ('b', 2)))
f('pprint', ['line one\nline two ' * 8]); f('pprint', {'a': {'nested': {'deep': ['x' * 20, 'y' * 20, 'z' * 20]}}})

import random as _r
_r.seed(7)
big = [_r.randint(0, 50) for _ in range(100)]
f('sort', big); f('sort', big, True); f('sort', [{'k': x % 7, 'i': i} for i, x in enumerate(big[:70])], attribute='k')
f('sort', [3, 1, 2, None]); f('sort', [None, 3, 1]); f('sort', [2, 1, 'a', 3]); f('sort', [5, 4, 3, 'x']); f('sort', ['b', 'a', 3])
f('sort', [{'a': 2, 'n': 1}, {'a': 1, 'n': 2}, {'a': 2, 'n': 3}, {'a': 1, 'n': 4}], attribute='a', reverse=True)
f('groupby', [{'a': 1}, {'a': 'x'}], 'a'); f('unique', [1, 2, 1, 3, 2]); f('max', [2, 3, 'a']); f('min', [None, 1])
f('dictsort', {'b': 1, 'a': None, 'c': 'x'}, by='value')

# every filter on an undefined value, in both modes, with arguments it needs
NEEDS = {'attr': ['a'], 'batch': [2], 'groupby': ['a'], 'replace': ['a', 'b'], 'slice': [2], 'selectattr': ['a'], 'rejectattr': ['a'],
         'map': ['upper'], 'format': [1]}
for name in sorted(jinja2.filters.FILTERS):
    for lenient in (False, True):
        f(name, U('x'), *NEEDS.get(name, []), _lenient=lenient)
# and on an undefined argument
for name, value, args in [('join', [1, 2], [U('s')]), ('center', 'a', [U('w')]), ('indent', 'a\nb', [U('w')]), ('truncate', 'abc def', [U('n')]),
                          ('replace', 'abc', ['a', U('r')]), ('sort', [2, 1], [U('r')]), ('default', '', [U('d'), True]), ('int', 'x', [U('d')]),
                          ('round', F(1.5), [U('p')]), ('batch', [1, 2], [U('n')]), ('trim', ' a ', [U('c')]), ('wordwrap', 'a b', [U('w')])]:
    for lenient in (False, True):
        f(name, value, *args, _lenient=lenient)

f('replace', 'abc', 'a', 'b', U('n')); f('replace', 'abc', 'a', 'b', U('n'), _lenient=True); f('tojson', [1], U('i')); f('center', 'a', F(2.0))
f('batch', [1, 2, 3], F(2.0)); f('batch', [1, 2, 3], F(2.0), 0); f('batch', [1, 2, 3], U('n'), 0, _lenient=True); f('sort', [1, 2], reverse=None)
f('sort', [1, 2], reverse='yes'); f('dictsort', {'a': 1, 'b': 2}, reverse=2); f('sort', [1, 2], reverse=F(1.0))

d2 = {'b': 1, 'a': 2}
for kind in ['keys', 'values', 'items']:
    for name in ['first', 'last', 'list', 'length', 'reverse', 'sort', 'join', 'unique', 'min', 'max', 'tojson', 'random', 'dictsort', 'batch', 'select', 'string']:
        f(name, V(kind, d2))
    t('sequence', V(kind, d2)); t('iterable', V(kind, d2)); t('mapping', V(kind, d2))
f('urlencode', V('items', {'a': 'x y'})); f('map', V('items', d2), attribute=1); f('sum', V('values', d2)); f('groupby', V('items', {'a': 1, 'b': 1}), 1)
f('items', V('items', d2)); f('in', 'a', V('keys', d2)) if False else t('in', 'a', V('keys', d2)); t('in', T('b', 1), V('items', d2))

# ---- tests
for v in [3, F(3.0), 4, -3, F(2.5), True]: t('odd', v); t('even', v)
t('odd', 'a'); t('odd', U('x')); t('odd', U('x'), _lenient=True)
t('divisibleby', 10, 3); t('divisibleby', 9, 3); t('divisibleby', F(9.0), 3); t('divisibleby', 9, 0); t('divisibleby', 9, F(1.5))
t('defined', U('x')); t('defined', None); t('undefined', U('x')); t('undefined', 0)
for v in [None, 0, True, False, 1, F(1.0), 'a', [], {}, T(), U('x')]:
    for name in ['none', 'boolean', 'false', 'true', 'integer', 'float', 'string', 'mapping', 'number', 'sequence', 'iterable', 'callable', 'escaped']:
        t(name, v)
for name in ['sequence', 'iterable', 'none', 'number', 'callable']: t(name, U('x'), _lenient=True)
for v in ['abc', 'aBc', '123', 'ABC', 'A1', 5, 'ǅ', '', 'é', 'É']: t('lower', v); t('upper', v)
t('lower', U('x')); t('lower', U('x'), _lenient=True)
t('sequence', G(1)); t('iterable', G(1))
t('sameas', None, None); t('sameas', True, 1); t('sameas', 'a', 'a'); t('sameas', False, False)
t('in', 1, [1, 2]); t('in', 'b', 'abc'); t('in', 'a', {'a': 1}); t('in', 1, 5); t('in', 3, T(1, 2)); t('in', 1, [F(1.0)]); t('in', 'ab', 'xaby')
t('in', 1, U('x')); t('in', 1, U('x'), _lenient=True); t('in', U('x'), [1], _lenient=True)
for name, a, b in [('eq', 1, 1), ('equalto', 1, F(1.0)), ('==', 1, 2), ('ne', 1, 2), ('!=', 1, 1), ('gt', 2, 1), ('greaterthan', 2, 3), ('>', 2, 1),
                   ('ge', 2, 2), ('>=', 2, 3), ('lt', 1, 2), ('lessthan', 1, 1), ('<', 1, 2), ('le', 1, 1), ('<=', 1, 0), ('lt', 1, 'a'),
                   ('eq', 'a', 'a'), ('eq', [1], [1]), ('lt', [1, 2], [1, 3]), ('eq', {'a': 1}, {'a': 1}), ('eq', True, 1), ('ne', None, 0)]:
    t(name, a, b)
t('eq', U('x'), 1); t('eq', U('x'), 1, _lenient=True); t('ne', U('x'), 1, _lenient=True); t('lt', U('x'), 1, _lenient=True); t('eq', 1, U('x'), _lenient=True)
t('filter', 'upper'); t('filter', 'nosuch'); t('filter', [1]); t('filter', U('x')); t('filter', 5); t('test', 'odd'); t('test', 'upper')

out = []
for kind, name, value, args, kwargs, lenient in CASES:
    out.append({'kind': kind, 'name': name, 'value': value, 'args': args, 'kwargs': kwargs,
                'lenient': lenient, 'expect': run(kind, name, value, args, kwargs, lenient)})

with open('test/states/jinja/builtins-cases.ts', 'w') as fh:
    fh.write('// Generated by scripts/jinja-builtins-expect.py from Python Jinja2 %s: do not edit by hand.\n' % jinja2.__version__)
    fh.write('// Each case: a builtin filter or test called on a value, and what Jinja2 returned ("!Kind: message" for an error).\n')
    fh.write('export interface BuiltinCase { kind: "filter" | "test"; name: string; value: unknown; args: unknown[]; kwargs: Record<string, unknown>; lenient: boolean; expect: string }\n')
    fh.write('export const CASES: BuiltinCase[] = [\n')
    for c in out:
        fh.write('  ' + json.dumps(c, ensure_ascii=False) + ',\n')
    fh.write('];\n')
print(len(out), 'cases')
