/**
 * Server-rendered HTML, escaped by default: the `html` tagged template escapes every interpolated
 * value (text and attribute context alike: `& < > " '` and the backtick) unless the value is
 * itself an `Html` fragment made by this helper. Arrays are rendered item by item under the same
 * rule; `null`, `undefined` and `false` render nothing (so `${cond && html`…`}` works). There is no
 * way to mark an arbitrary string safe except `trustedHtml`, which exists for markup Gatehouse made
 * itself from data it controls (a QR code's SVG); views are plain functions of typed data.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

/** a fragment of markup that is already safe to embed */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** markup Gatehouse generated itself (never user input): passes through unescaped */
export function trustedHtml(markup: string): Html {
  return new Html(markup);
}
