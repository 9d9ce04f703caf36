/**
 * The operator's brand on the pages: BRAND_NAME in the title and header, BRAND_COLOR as the
 * accent through a generated stylesheet (the CSP forbids inline style), BRAND_LOGO_FILE served by
 * Gatehouse under /assets/ with a content hash and shown in the header, /favicon.ico always
 * there, and a logo file that is not what it claims refused at start.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import { contrast, readableOnWhite } from '../../src/pages/assets.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { PageClient } from '../helpers/page-client.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-brand-'));
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('0000000dIHDR-rest-of-a-tiny-png')]);
const pngFile = join(dir, 'logo.png');
writeFileSync(pngFile, PNG);
const svgFile = join(dir, 'logo.svg');
writeFileSync(svgFile, '<?xml version="1.0"?>\n<!-- acme -->\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#e5007d"/></svg>\n');

describe('pages: the operator’s brand', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { BRAND_NAME: 'Acme Login', BRAND_COLOR: '#E5007D', BRAND_LOGO_FILE: svgFile } });
  });
  after(() => t.close());

  it('BRAND_NAME in the title and the header; the logo beside it with the brand as its text alternative', async () => {
    const page = await new PageClient(t.app).get('/login');
    assert.match(page.body, /<title>Sign in · Acme Login<\/title>/);
    const logo = /<a class="brand logo" href="\/login"><img src="(\/assets\/logo\.svg\?v=([0-9a-f]{12}))" alt="Acme Login" height="32"><\/a>/.exec(page.body);
    assert.ok(logo, 'the header shows the logo');
    const res = await t.app.inject({ method: 'GET', url: logo[1]! });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'image/svg+xml');
    assert.match(String(res.headers['cache-control']), /max-age=31536000, immutable/);
    assert.equal(res.headers.etag, `"${logo[2]}"`);
    assert.match(res.body, /fill="#e5007d"/);
    assert.match(String(res.headers['content-security-policy']), /sandbox/);
  });

  it('BRAND_COLOR is the accent in a stylesheet the page links, with a contrasting ink', async () => {
    const page = await new PageClient(t.app).get('/register');
    const href = /<link rel="stylesheet" href="(\/assets\/brand\.css\?v=[0-9a-f]{12})">/.exec(page.body)?.[1];
    assert.ok(href, 'the page links the brand stylesheet');
    assert.doesNotMatch(page.body, /style="/, 'no inline style');
    const css = await t.app.inject({ method: 'GET', url: href });
    assert.equal(css.statusCode, 200);
    assert.match(String(css.headers['content-type']), /^text\/css/);
    assert.match(css.body, /--accent: #e5007d;/);
    const ink = /--accent-ink: (#000000|#ffffff);/.exec(css.body)?.[1];
    assert.ok(ink, css.body);
    // whichever contrasts more on the accent: here black (4.6:1) over white (4.5:1)
    assert.equal(ink, '#000000');
    assert.ok(contrast('#e5007d', ink) >= 4.5);
  });

  it('/favicon.ico is the logo; the error page carries the brand too', async () => {
    const icon = await t.app.inject({ method: 'GET', url: '/favicon.ico' });
    assert.equal(icon.statusCode, 200);
    assert.equal(icon.headers['content-type'], 'image/svg+xml');
    assert.match(String(icon.headers['cache-control']), /public, max-age=/);
    const missing = await new PageClient(t.app).get('/no-such-page');
    assert.equal(missing.statusCode, 404);
    assert.match(missing.body, /<title>Page not found · Acme Login<\/title>/);
    assert.match(missing.body, /href="\/assets\/brand\.css\?v=/);
  });

  it('a light colour is darkened until it reads on white (WCAG AA), and the ink follows', () => {
    assert.equal(readableOnWhite('#0b57d0'), '#0b57d0');
    const yellow = readableOnWhite('#ffdd00');
    assert.notEqual(yellow, '#ffdd00');
    assert.ok(contrast(yellow, '#ffffff') >= 4.5, yellow);
  });

  it('a BRAND_LOGO_FILE that is missing, not an image of its kind, or of another kind fails the configuration', () => {
    assert.equal(loadConfig({ BRAND_LOGO_FILE: pngFile }).brandLogoFile, pngFile);
    assert.throws(() => loadConfig({ BRAND_LOGO_FILE: join(dir, 'nope.svg') }), /BRAND_LOGO_FILE: .*cannot be read/);
    const fake = join(dir, 'fake.png');
    writeFileSync(fake, '<svg xmlns="http://www.w3.org/2000/svg"/>');
    assert.throws(() => loadConfig({ BRAND_LOGO_FILE: fake }), /BRAND_LOGO_FILE: .*not a PNG/);
    const html = join(dir, 'page.svg');
    writeFileSync(html, '<html><script>alert(1)</script></html>');
    assert.throws(() => loadConfig({ BRAND_LOGO_FILE: html }), /BRAND_LOGO_FILE: .*not an SVG/);
    const gif = join(dir, 'logo.gif');
    writeFileSync(gif, 'GIF89a');
    assert.throws(() => loadConfig({ BRAND_LOGO_FILE: gif }), /BRAND_LOGO_FILE: .*\.svg or \.png/);
    const big = join(dir, 'big.png');
    writeFileSync(big, Buffer.concat([PNG, Buffer.alloc(600 * 1024)]));
    assert.throws(() => loadConfig({ BRAND_LOGO_FILE: big }), /BRAND_LOGO_FILE: .*larger than/);
  });
});

describe('pages: without a logo', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(() => t.close());

  it('/favicon.ico is the built-in icon, never a 404; the header shows the name', async () => {
    const icon = await t.app.inject({ method: 'GET', url: '/favicon.ico' });
    assert.equal(icon.statusCode, 200);
    assert.equal(icon.headers['content-type'], 'image/svg+xml');
    assert.match(icon.body, /^<svg/);
    const page = await new PageClient(t.app).get('/login');
    assert.match(page.body, /<a class="brand" href="\/login">Gatehouse<\/a>/);
    assert.match(page.body, /<link rel="icon" href="\/favicon.ico">/);
  });
});
