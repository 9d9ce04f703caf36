/**
 * Redirect targets (`next`, `redirect_to`) are same-origin paths only, and the one check every
 * redirect goes through. The target is normalised first (dot segments resolved, as a browser
 * would: `/.//evil.example`, `/%2e//…` and `/a/..//…` all become `//evil.example…`), and the
 * checks run on that normalised path — which is then exactly what is returned and redirected to.
 * Anything a browser could resolve to another origin — `//host`, `/\host`, `https://…`, control
 * characters browsers strip — is refused (null: the caller uses its default).
 */
const MAX_LENGTH = 2048;

/** a path that can only mean this origin: one leading slash, no backslash, no control character */
function plainPath(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  return value.startsWith('/') && !value.startsWith('//') && !value.includes('\\') && !/[\u0000-\u001f\u007f]/.test(value);
}

export function safeRedirectPath(value: string | null | undefined, publicOrigin: string): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH) return null;
  if (!plainPath(value)) return null;
  let url: URL;
  try {
    url = new URL(value, publicOrigin);
  } catch {
    return null;
  }
  if (url.origin !== publicOrigin) return null;
  const normalised = `${url.pathname}${url.search}${url.hash}`;
  if (normalised.length > MAX_LENGTH || !plainPath(normalised)) return null;
  // what is returned must be what was checked: resolving it again changes nothing
  let again: URL;
  try {
    again = new URL(normalised, publicOrigin);
  } catch {
    return null;
  }
  if (again.origin !== publicOrigin || `${again.pathname}${again.search}${again.hash}` !== normalised) return null;
  return normalised;
}
