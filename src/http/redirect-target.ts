/**
 * SPEC §8: redirect targets (`next`, `redirect_to`) are same-origin paths only. Anything that a
 * browser could resolve to another origin — `//evil.example`, `/\evil.example`, `https://…`,
 * control characters that browsers strip — is refused (the caller then uses its default).
 */
export function safeRedirectPath(value: string | null | undefined, publicOrigin: string): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return null;
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return null;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value, publicOrigin);
  } catch {
    return null;
  }
  if (url.origin !== publicOrigin) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}
