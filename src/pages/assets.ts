/**
 * The pages' own static files (assets/ at the repository root: the stylesheet and the WebAuthn
 * script), read once at start and served from memory under /assets/. Pages link them with a
 * content hash in the query (`/assets/gatehouse.css?v=…`), so browsers may keep them for a year:
 * a changed file gets a new URL. No CDN (docs/architecture.md).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';

interface Asset {
  body: Buffer;
  type: string;
  hash: string;
}

const TYPES: Record<string, string> = { css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8' };
/** src/pages/ and dist/pages/ are both two levels below the repository root */
const ROOT = new URL('../../assets/', import.meta.url);

function load(name: string): Asset {
  const body = readFileSync(new URL(name, ROOT));
  return { body, type: TYPES[name.split('.').pop()!]!, hash: createHash('sha256').update(body).digest('hex').slice(0, 12) };
}

const ASSETS = new Map<string, Asset>(['gatehouse.css', 'webauthn.js'].map((name) => [name, load(name)]));

export type AssetName = 'gatehouse.css' | 'webauthn.js';

/** the URL a page links: versioned by content */
export function assetUrl(name: AssetName): string {
  return `/assets/${name}?v=${ASSETS.get(name)!.hash}`;
}

export const assetRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { name: string } }>('/assets/:name', { schema: { hide: true } }, async function serveAsset(request, reply) {
    const asset = ASSETS.get(request.params.name);
    if (!asset) return reply.callNotFound();
    const etag = `"${asset.hash}"`;
    reply.header('cache-control', 'public, max-age=31536000, immutable').header('etag', etag).type(asset.type);
    if (request.headers['if-none-match'] === etag) return reply.status(304).send();
    return reply.send(asset.body);
  });
};
