/**
 * "No English left on a German page": the visible text of a page (tags, scripts and styles
 * removed; attribute texts a reader meets — aria-label, placeholder, title, alt, button values —
 * kept) checked against English words that German never uses. A hit names the word and its
 * surroundings, so the missing catalogue entry is easy to find.
 */
/** words German does not borrow ("Code", "Browser", "Apps", "in" are German too, so they are not here) */
const ENGLISH = [
  'the', 'your', 'you', 'and', 'with', 'sign', 'signed', 'password', 'account', 'session', 'sessions',
  'create', 'delete', 'save', 'change', 'revoke', 'enabled', 'disabled', 'users', 'settings', 'back',
  'cancel', 'this', 'here', 'please', 'new', 'none', 'yes', 'edit', 'remove', 'add', 'show', 'search',
  'send', 'email address', 'verify', 'verified', 'device', 'last', 'used', 'never',
  'current', 'role', 'roles', 'permission', 'permissions', 'provider', 'providers', 'secret', 'rotate',
  'retry', 'event', 'events', 'deliveries', 'dashboard', 'products', 'connected', 'allow', 'deny',
  'error', 'request', 'page', 'found', 'not', 'to', 'of', 'for', 'is', 'are', 'or', 'on', 'off',
];

/** text a reader sees or hears: element text plus reader-facing attributes */
export function readableText(document: string): string {
  const attributes = [...document.matchAll(/\s(?:aria-label|placeholder|title|alt|data-label)="([^"]*)"/g)].map((m) => m[1]);
  const text = document
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[a-z#0-9]+;/gi, ' ');
  return `${text} ${attributes.join(' ')}`.replace(/\s+/g, ' ');
}

/**
 * English words in `text`, each with a little context; `allowed` lists what the page may show
 * (names the user or operator typed, e-mail addresses, product names)
 */
export function englishWordsIn(text: string, allowed: string[] = []): string[] {
  let rest = text;
  for (const a of allowed) rest = rest.split(a).join(' ');
  const hits: string[] = [];
  for (const word of ENGLISH) {
    const re = new RegExp(`(^|[^\\p{L}])(${word.replace(/ /g, '\\s+')})(?=[^\\p{L}]|$)`, 'giu');
    for (const m of rest.matchAll(re)) {
      const at = m.index + m[1]!.length;
      hits.push(`"${m[2]}" in "…${rest.slice(Math.max(0, at - 30), at + 30)}…"`);
    }
  }
  return hits;
}
