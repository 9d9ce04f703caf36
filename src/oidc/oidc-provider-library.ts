/**
 * The OpenID Connect provider library, `oidc-provider` (panva; OpenID Certified), imported once.
 *
 * Version: 9.x, not the last 8.x (8.8.1). v9 is the only maintained line (its README lists
 * security fixes for v9.x alone; 8.8.1, October 2025, was the last v8 release), it runs on
 * Koa 3 and the jose 6 Gatehouse already uses (v8 brought Koa 2, jose 5 and got 13 as a second
 * copy of each), and its package.json declares `engines.node` ">=20.19" — Gatehouse's own floor.
 * What it needs of the runtime (URL.parse, crypto.hash) Node 20.19 has. What it does not do is
 * *recommend* Node 20: at import it prints "Unsupported runtime. Use Node.js v22.x LTS" to
 * stderr for any LTS release before "Jod" (22). That line is advice, not a failed check, and on
 * the Node 20 that Gatehouse supports it would tell every operator at every start that something
 * is wrong when nothing is; so exactly that one line is held back while the module loads (every
 * other warning passes). Moving to Node 22 makes the filter a no-op.
 */
import type * as OidcProviderModule from 'oidc-provider';

type Library = typeof OidcProviderModule;

const UNSUPPORTED_RUNTIME = 'oidc-provider WARNING: Unsupported runtime.';

async function load(): Promise<Library> {
  const warn = console.warn;
  console.warn = function withoutRuntimeAdvice(...args: unknown[]) {
    if (typeof args[0] === 'string' && args[0].includes(UNSUPPORTED_RUNTIME)) return;
    warn.apply(console, args);
  };
  try {
    return await import('oidc-provider');
  } finally {
    console.warn = warn;
  }
}

const library = await load();

export const Provider = library.Provider;
export type Provider = InstanceType<Library['Provider']>;
export const oidcErrors = library.errors;
export const interactionPolicy = library.interactionPolicy;
