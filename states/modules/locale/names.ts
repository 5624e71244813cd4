/**
 * Locale names as salt.utils.locales splits and normalises them, and the two text edits
 * Salt's file.replace makes for the locale module (enabling a line of /etc/locale.gen,
 * setting LANG in /etc/default/locale), with file.replace's append rules.
 */

export interface LocaleParts { language: string; territory: string; codeset: string; modifier: string; charmap: string }

function split2(s: string, ch: string): [string, string] {
  const i = s.indexOf(ch);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

/** salt.utils.locales.split_locale: `language_territory.codeset@modifier charmap`. */
export function splitLocale(loc: string): LocaleParts {
  const [a, charmap] = split2(loc, ' ');
  const [b, modifier] = split2(a, '@');
  const [c, codeset] = split2(b, '.');
  const [language, territory] = split2(c, '_');
  return { language, territory, codeset, modifier, charmap };
}

export function joinLocale(p: LocaleParts): string {
  let loc = p.language;
  if (p.territory) loc += `_${p.territory}`;
  if (p.codeset) loc += `.${p.codeset}`;
  if (p.modifier) loc += `@${p.modifier}`;
  if (p.charmap) loc += ` ${p.charmap}`;
  return loc;
}

/** salt.utils.locales.normalize_locale: en_us.UTF-8 UTF-8 -> en_US.utf8. */
export function normalizeLocale(loc: string): string {
  const p = splitLocale(loc);
  return joinLocale({ ...p, territory: p.territory.toUpperCase(), codeset: p.codeset.toLowerCase().replace(/-/g, ''), charmap: '' });
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * salt.modules.file.replace(path, pattern, repl, append_if_not_found=True) on text (Python
 * re with MULTILINE): every match replaced; when none matched and `repl` is not already a
 * line of its own, `repl` is appended on a line of its own.
 */
export function replaceOrAppend(text: string, pattern: string, repl: string): string {
  const rx = new RegExp(pattern, 'gm');
  if (rx.test(text)) return text.replace(new RegExp(pattern, 'gm'), () => repl);
  if (new RegExp(`^${escapeRe(repl)}($|(?=\\r\\n))`, 'm').test(text)) return text;
  const base = text !== '' && !text.endsWith('\n') ? `${text}\n` : text;
  return `${base}${repl}\n`;
}

/** The edit gen_locale makes to /etc/locale.gen (the locale is used as a regular expression, as in Salt). */
export function enableInLocaleGen(text: string, locale: string): string {
  return replaceOrAppend(text, `^\\s*#\\s*${locale}\\s*$`, `${locale}\n`);
}

/** The edit set_locale makes to /etc/default/locale on Debian without systemd. */
export function setLang(text: string, locale: string): string {
  return replaceOrAppend(text, '^LANG=.*', `LANG="${locale}"`);
}

/** get_locale on Debian without systemd: `grep "^LANG=" /etc/default/locale`, second `=` field, quotes dropped. */
export function langOf(text: string | undefined): string {
  const grep = (text ?? '').split('\n').filter((l) => l.startsWith('LANG=')).join('\n');
  const parts = grep.split('=');
  return parts.length > 1 ? parts[1].replace(/"/g, '') : '';
}
