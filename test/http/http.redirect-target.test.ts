/**
 * Guards the open redirect after sign-in: a redirect target is checked after normalisation and the
 * path returned is exactly the path checked (`/.//evil.example` used to pass the raw check and come
 * back as `//evil.example`, which a browser resolves to another origin).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { safeRedirectPath } from '../../src/http/redirect-target.js';

const ORIGIN = 'http://localhost:3000';

describe('safeRedirectPath', () => {
  it('refuses every target a browser could resolve to another origin', () => {
    const hostile = [
      '/.//evil.example/phish',
      '/./\u002f/evil.example',
      '/%2e//evil.example/phish',
      '/%2E//evil.example',
      '/%2e%2e//evil.example',
      '/a/..//evil.example/phish',
      '/a/b/../..//evil.example',
      '/a/%2e%2e//evil.example',
      '/.%2e//evil.example',
      '//evil.example',
      '///evil.example',
      '/\\evil.example',
      '/.\\/evil.example',
      '\\\\evil.example',
      '\\/evil.example',
      'https://evil.example/',
      'http://localhost:3000.evil.example/',
      'javascript:alert(1)',
      'evil.example',
      '/\tevil',
      '/\n/evil.example',
      '/\u0000',
      '',
      `/${'a'.repeat(2048)}`,
    ];
    for (const value of hostile) {
      const out = safeRedirectPath(value, ORIGIN);
      assert.equal(out, null, `${JSON.stringify(value)} → ${JSON.stringify(out)}`);
    }
    assert.equal(safeRedirectPath(undefined, ORIGIN), null);
    assert.equal(safeRedirectPath(null, ORIGIN), null);
  });

  it('keeps same-origin paths, and what it returns resolves to itself on this origin', () => {
    const cases: [string, string][] = [
      ['/dashboard', '/dashboard'],
      ['/account?tab=security#totp', '/account?tab=security#totp'],
      ['/a/../account', '/account'],
      ['/./account', '/account'],
      // encoded slashes stay encoded: one path segment on this origin, never a host
      ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
      ['/%5Cevil.example', '/%5Cevil.example'],
    ];
    for (const [value, expected] of cases) {
      const out = safeRedirectPath(value, ORIGIN);
      assert.equal(out, expected, JSON.stringify(value));
      assert.equal(new URL(out!, ORIGIN).origin, ORIGIN);
      assert.equal(safeRedirectPath(out, ORIGIN), out, 'idempotent');
    }
  });
});
