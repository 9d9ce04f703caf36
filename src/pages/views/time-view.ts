/**
 * A moment on a signed-in page: the reader's locale writes it (Translator.dateTime, in UTC and
 * saying so), a `<time datetime>` keeps the exact instant for machines.
 */
import { html, type Html } from '../../http/html.js';
import type { Translator } from '../../i18n/translator.js';

export function timeIn(t: Translator, date: Date | null): Html | string {
  if (!date) return '—';
  return html`<time datetime="${date.toISOString()}">${t.dateTime(date)}</time>`;
}
