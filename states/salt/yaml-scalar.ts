/**
 * How Salt's YAML loader (salt.utils.yamlloader.SaltYamlSafeLoader, a PyYAML SafeLoader) reads
 * scalars: PyYAML's YAML 1.1 implicit resolvers (yes/no/on/off booleans, `~` null, sexagesimal
 * numbers, floats only with a dot), plus Salt's tweaks: an int written with leading zeros is read
 * in base 10 (`0644` is 644, not PyYAML's octal 420) and timestamps stay strings.
 */
import { PyFloat, type Value } from '../jinja/values.js';

// PyYAML resolver.py, in the order PyYAML tries them for a plain scalar
const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const FLOAT = /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const NULL = /^(?:~|null|Null|NULL|)$/;
const TIMESTAMP = /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/;

export type YamlTag = 'bool' | 'float' | 'int' | 'null' | 'timestamp' | 'merge' | 'str';

/** The tag PyYAML's resolver gives a plain (unquoted) scalar. */
export function resolvePlain(text: string): YamlTag {
  if (BOOL.test(text)) return 'bool';
  if (FLOAT.test(text)) return 'float';
  if (INT.test(text)) return 'int';
  if (text === '<<') return 'merge';
  if (NULL.test(text)) return 'null';
  if (TIMESTAMP.test(text)) return 'timestamp';
  return 'str';
}

/** PyYAML's construct_yaml_int after Salt's construct_scalar strips leading zeros. */
export function constructInt(raw: string, saltTweak = true): number {
  let value = raw;
  // Salt: "Verify integers and pass them in correctly is they are declared as octal"
  if (saltTweak && value !== '0' && value.startsWith('0') && !value.startsWith('0b') && !value.startsWith('0x')) {
    value = value.replace(/^0+/, '') || '0';
  }
  value = value.replace(/_/g, '');
  let sign = 1;
  if (value[0] === '-') sign = -1;
  if (value[0] === '-' || value[0] === '+') value = value.slice(1);
  if (value === '0') return 0;
  if (value.startsWith('0b')) return sign * parseInt(value.slice(2), 2);
  if (value.startsWith('0x')) return sign * parseInt(value.slice(2), 16);
  if (value[0] === '0') return sign * parseInt(value, 8);
  if (value.includes(':')) return sign * sexagesimal(value);
  const n = Number(value);
  if (!Number.isFinite(n) || !/^[0-9]+$/.test(value)) throw new Error(`invalid literal for int() with base 10: '${raw}'`);
  return sign * n;
}

function sexagesimal(value: string): number {
  let base = 1;
  let out = 0;
  for (const part of value.split(':').reverse()) {
    out += Number(part) * base;
    base *= 60;
  }
  return out;
}

/** PyYAML's construct_yaml_float. */
export function constructFloat(raw: string): PyFloat {
  let value = raw.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (value[0] === '-') sign = -1;
  if (value[0] === '-' || value[0] === '+') value = value.slice(1);
  if (value === '.inf') return new PyFloat(sign * Infinity);
  if (value === '.nan') return new PyFloat(NaN);
  if (value.includes(':')) return new PyFloat(sign * sexagesimal(value));
  const n = Number(value);
  if (Number.isNaN(n)) throw new Error(`could not convert string to float: '${raw}'`);
  return new PyFloat(sign * n);
}

/** The Python value of a scalar with a resolved (or explicit) tag. */
export function constructScalar(tag: YamlTag, text: string, saltTweak = true): Value {
  switch (tag) {
    case 'bool': return /^(yes|true|on)$/i.test(text);
    case 'float': return constructFloat(text);
    case 'int': return constructInt(text, saltTweak);
    case 'null': return null;
    default: return text; // str, timestamp (Salt keeps the text), merge key used as a value
  }
}
