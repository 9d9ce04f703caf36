/**
 * Form and list pieces of the signed-in pages that layout.ts does not have: a one-button form (a
 * POST with its CSRF token, so nothing changes on a GET), a text area, checkbox groups, a select,
 * "next page" links for cursor pagination, and dates as people read them. Everything goes through
 * the escaping `html` template.
 */
import { html, type Html } from '../../http/html.js';
import type { Translator } from '../../i18n/translator.js';
import { csrfField } from './layout.js';

/** a form that is one button: revoke, delete, disable … */
export function postButton(o: { action: string; csrf: string; label: string; kind?: 'danger' | 'secondary' | 'primary'; fields?: Html | null; ariaLabel?: string }): Html {
  const cls = o.kind === 'primary' ? '' : (o.kind ?? 'secondary');
  return html`<form method="post" action="${o.action}" class="inline">${csrfField(o.csrf)}${o.fields ?? null}<button type="submit"${cls ? html` class="${cls}"` : null}${o.ariaLabel ? html` aria-label="${o.ariaLabel}"` : null}>${o.label}</button></form>`;
}

export function textArea(o: { name: string; label: string; value?: string | null; error?: string | null; idPrefix?: string; rows?: number }): Html {
  const id = `${o.idPrefix ?? 'f'}-${o.name}`;
  return html`<div class="field">
<label for="${id}">${o.label}</label>
<textarea id="${id}" name="${o.name}" rows="${o.rows ?? 4}"${o.error ? html` aria-invalid="true" aria-describedby="${id}-error"` : null}>${o.value ?? ''}</textarea>
${o.error && html`<p class="error" id="${id}-error">${o.error}</p>`}
</div>`;
}

/** a group of checkboxes sharing one field name (roles, permissions) */
export function checkboxes(o: { name: string; legend: string; options: { value: string; label: string; hint?: string | null }[]; checked: readonly string[]; error?: string | null; idPrefix?: string }): Html {
  const prefix = `${o.idPrefix ?? 'f'}-${o.name}`;
  return html`<fieldset class="field checks"${o.error ? html` aria-describedby="${prefix}-error"` : null}>
<legend>${o.legend}</legend>
${o.options.map((opt, i) => html`<label class="check" for="${prefix}-${i}"><input type="checkbox" id="${prefix}-${i}" name="${o.name}" value="${opt.value}"${o.checked.includes(opt.value) ? html` checked` : null}> ${opt.label}${opt.hint ? html` <span class="muted">— ${opt.hint}</span>` : null}</label>`)}
${o.error && html`<p class="error" id="${prefix}-error">${o.error}</p>`}
</fieldset>`;
}

/** one checkbox (enabled, "I understand") */
export function checkbox(o: { name: string; label: string; checked?: boolean; error?: string | null; idPrefix?: string; value?: string }): Html {
  const id = `${o.idPrefix ?? 'f'}-${o.name}`;
  return html`<div class="field"><label class="check" for="${id}"><input type="checkbox" id="${id}" name="${o.name}" value="${o.value ?? 'yes'}"${o.checked ? html` checked` : null}${o.error ? html` aria-invalid="true" aria-describedby="${id}-error"` : null}> ${o.label}</label>
${o.error && html`<p class="error" id="${id}-error">${o.error}</p>`}</div>`;
}

export function select(o: { name: string; label: string; options: { value: string; label: string }[]; value: string | null; idPrefix?: string; error?: string | null }): Html {
  const id = `${o.idPrefix ?? 'f'}-${o.name}`;
  return html`<div class="field">
<label for="${id}">${o.label}</label>
<select id="${id}" name="${o.name}"${o.error ? html` aria-invalid="true" aria-describedby="${id}-error"` : null}>${o.options.map((opt) => html`<option value="${opt.value}"${opt.value === (o.value ?? '') ? html` selected` : null}>${opt.label}</option>`)}</select>
${o.error && html`<p class="error" id="${id}-error">${o.error}</p>`}
</div>`;
}

/**
 * "Newer / next page" links for a keyset list: the first page and the next cursor (the API's
 * cursors only go forward; "first page" is the way back)
 */
export function pager(path: string, query: Record<string, string | null>, nextCursor: string | null, onFirstPage: boolean, t?: Translator): Html | null {
  if (!nextCursor && onFirstPage) return null;
  const link = (cursor: string | null) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
    if (cursor) params.set('cursor', cursor);
    const qs = params.toString();
    return qs ? `${path}?${qs}` : path;
  };
  return html`<nav class="pager row" aria-label="${t ? t.t('admin.pager.label') : 'Pages'}">
${onFirstPage ? null : html`<a class="button secondary" href="${link(null)}">${t ? t.t('admin.pager.first') : 'First page'}</a>`}
${nextCursor ? html`<a class="button secondary" href="${link(nextCursor)}" rel="next">${t ? t.t('admin.pager.next') : 'Next page'}</a>` : null}
</nav>`;
}

/**
 * a moment inside a <time> element: as the reader's locale writes it when given their Translator,
 * else as "2026-12-02 17:56 UTC"
 */
export function when(date: Date | null, t?: Translator): Html | string {
  if (!date) return '—';
  const iso = date.toISOString();
  return html`<time datetime="${iso}">${t ? t.dateTime(date) : `${iso.slice(0, 16).replace('T', ' ')} UTC`}</time>`;
}
