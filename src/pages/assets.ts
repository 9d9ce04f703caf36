/**
 * The pages' own static files (assets/ at the repository root: the stylesheet and the WebAuthn
 * script), read once at start and served from memory under /assets/. Pages link them with a
 * content hash in the query (`/assets/gatehouse.css?v=…`), so browsers may keep them for a year:
 * a changed file gets a new URL. No CDN (docs/architecture.md).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { readBrandLogo, type BrandLogo } from '../config/brand-logo.js';

interface Asset {
  body: Buffer;
  type: string;
  hash: string;
}

const TYPES: Record<string, string> = { css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8', svg: 'image/svg+xml' };
/** src/pages/ and dist/pages/ are both two levels below the repository root */
const ROOT = new URL('../../assets/', import.meta.url);

function hashOf(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 12);
}

function load(name: string): Asset {
  const body = readFileSync(new URL(name, ROOT));
  return { body, type: TYPES[name.split('.').pop()!]!, hash: hashOf(body) };
}

const ASSETS = new Map<string, Asset>(['gatehouse.css', 'webauthn.js'].map((name) => [name, load(name)]));
/** the icon browsers ask for when the operator has no logo */
const DEFAULT_ICON = load('favicon.svg');

export type AssetName = 'gatehouse.css' | 'webauthn.js';

/** the URL a page links: versioned by content */
export function assetUrl(name: AssetName): string {
  return `/assets/${name}?v=${ASSETS.get(name)!.hash}`;
}

/**
 * The operator's brand as files (computed once at start): `brand.css` sets the accent colour
 * (BRAND_COLOR, darkened just enough for 4.5:1 on white when it is lighter — links and outlined
 * buttons are accent on white — and `--accent-ink`, black or white, whichever contrasts more on
 * it), and the logo (BRAND_LOGO_FILE, checked by readBrandLogo). A stylesheet, not an inline
 * style: the CSP forbids those.
 */
export interface BrandAssets {
  /** `/assets/brand.css?v=…` */
  stylesheet: string;
  /** `/assets/logo.svg?v=…` or null (the name only) */
  logo: string | null;
  files: Map<string, Asset>;
  /** what /favicon.ico answers */
  icon: Asset;
}

export function brandAssets(settings: { color: string; logo: BrandLogo | null }): BrandAssets {
  const accent = readableOnWhite(settings.color);
  const ink = contrast(accent, '#ffffff') >= contrast(accent, '#000000') ? '#ffffff' : '#000000';
  const css = Buffer.from(`/* BRAND_COLOR ${settings.color} */\n:root { --accent: ${accent}; --accent-ink: ${ink}; }\n`);
  const files = new Map<string, Asset>([['brand.css', { body: css, type: TYPES.css!, hash: hashOf(css) }]]);
  let logo: string | null = null;
  let icon = DEFAULT_ICON;
  if (settings.logo) {
    const asset = { body: settings.logo.body, type: settings.logo.type, hash: hashOf(settings.logo.body) };
    const name = `logo.${settings.logo.extension}`;
    files.set(name, asset);
    logo = `/assets/${name}?v=${asset.hash}`;
    icon = asset;
  }
  return { stylesheet: `/assets/brand.css?v=${files.get('brand.css')!.hash}`, logo, files, icon };
}

const built = new Map<string, BrandAssets>();

/** the brand's files for BRAND_COLOR and BRAND_LOGO_FILE (read once per process and setting) */
export function brandAssetsFor(color: string, logoFile: string | null): BrandAssets {
  const id = `${color}\u0000${logoFile ?? ''}`;
  let assets = built.get(id);
  if (!assets) {
    assets = brandAssets({ color, logo: logoFile ? readBrandLogo(logoFile) : null });
    built.set(id, assets);
  }
  return assets;
}

/** WCAG 2 relative luminance of #rrggbb */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/** #rgb → #rrggbb */
function longHex(color: string): string {
  return color.length === 4 ? `#${[...color.slice(1)].map((c) => c + c).join('')}` : color.toLowerCase();
}

/** the colour itself when it has 4.5:1 on white, else the same hue darkened step by step until it does */
export function readableOnWhite(color: string): string {
  let hex = longHex(color);
  for (let factor = 0.95; contrast(hex, '#ffffff') < 4.5 && factor > 0; factor -= 0.05) {
    const base = longHex(color);
    hex = `#${[1, 3, 5].map((i) => Math.round(parseInt(base.slice(i, i + 2), 16) * factor).toString(16).padStart(2, '0')).join('')}`;
  }
  return hex;
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset, cacheControl: string): FastifyReply {
  const etag = `"${asset.hash}"`;
  reply.header('cache-control', cacheControl).header('etag', etag).type(asset.type);
  // an operator's SVG is shown as an image; opened on its own, it may run nothing
  if (asset.type === 'image/svg+xml') reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox");
  if (request.headers['if-none-match'] === etag) return reply.status(304).send();
  return reply.send(asset.body);
}

export const assetRoutes: FastifyPluginAsync<{ brand: BrandAssets }> = async (app, { brand }) => {
  app.get<{ Params: { name: string } }>('/assets/:name', { schema: { hide: true } }, async function serveAsset(request, reply) {
    const { name } = request.params;
    const asset = ASSETS.get(name) ?? brand.files.get(name);
    if (!asset) return reply.callNotFound();
    return send(request, reply, asset, 'public, max-age=31536000, immutable');
  });
  // browsers ask for it on their own, unversioned: a day in caches, revalidated by ETag
  app.get('/favicon.ico', { schema: { hide: true } }, async function favicon(request, reply) {
    return send(request, reply, brand.icon, 'public, max-age=86400');
  });
};
