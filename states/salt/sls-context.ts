/**
 * The template context Salt derives from the file being rendered and its SLS name
 * (salt.utils.templates.generate_sls_context): tplpath, tplfile, tpldir, tpldot, slspath,
 * slsdotpath, slscolonpath, sls_path. Salt sets no tplroot: formulas compute it from tpldir.
 */
import type { Value } from '../jinja/values.js';

export function slsContext(tmplpath: string, sls: string | undefined, root?: string): Record<string, Value> {
  let slspath = (sls ?? '').replace(/\./g, '/');
  const out: Record<string, Value> = {};
  if (tmplpath) {
    let template = tmplpath.replace(/\\/g, '/');
    if (sls === undefined) {
      // not an SLS (a file.managed template): its path under the state root
      if (root && template.startsWith(`${root.replace(/\/$/, '')}/`)) template = template.slice(root.replace(/\/$/, '').length + 1);
    } else if (!sls) template = template.split('/').pop()!;
    else if (template.endsWith(`${slspath}.sls`)) template = template.slice(-(4 + slspath.length));
    else if (template.endsWith(`${slspath}/init.sls`)) template = template.slice(-(9 + slspath.length));
    slspath = template.includes('/') ? template.slice(0, template.lastIndexOf('/')) : '';
    Object.assign(out, { tplpath: tmplpath, tplfile: template, tpldir: slspath || '.', tpldot: slspath.replace(/\//g, '.') });
  }
  if (sls !== undefined) {
    Object.assign(out, {
      slspath, slsdotpath: slspath.replace(/\//g, '.'), slscolonpath: slspath.replace(/\//g, ':'), sls_path: slspath.replace(/\//g, '_'),
    });
  }
  return out;
}
