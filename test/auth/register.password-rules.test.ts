/**
 * Password rules at registration (docs/api.md): 8–128 Unicode code points after NFC normalisation,
 * else 422 weak_password; the NFC form is what gets hashed, so the same password typed in another
 * normalisation form (NFD, as some keyboards and OSes produce) signs in.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { expectProblem, login, uniqueEmail } from '../helpers/factories.js';

/** `n` code points of a random, strong password (base64url characters) */
const strong = (n: number) => randomBytes(n).toString('base64url').slice(0, n);
/** `n` code points outside the BMP (two UTF-16 units each), varied enough for zxcvbn */
const astral = (n: number) => Array.from({ length: n }, (_, i) => String.fromCodePoint(0x1f600 + ((i * 7) % 64))).join('');

describe('POST /auth/register: password length and normalisation', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });
  const registerWith = (password: string, email = uniqueEmail('pw')) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password } });

  it('7 code points → 422 weak_password with feedback in detail; nothing created', async () => {
    const email = uniqueEmail('short');
    const body = expectProblem(await registerWith('Zq7#vK2', email), 422, 'weak_password');
    assert.ok(body.detail && body.detail.length > 0, 'feedback in detail');
    assert.equal(await t.services.users.findByLogin(email), null);
  });

  it('129 code points → 422 weak_password; 128 is accepted', async () => {
    expectProblem(await registerWith(strong(129)), 422, 'weak_password');
    // docs/api.md: any length outside 8..128 is weak_password, however far outside
    expectProblem(await registerWith(''), 422, 'weak_password');
    expectProblem(await registerWith(strong(2000)), 422, 'weak_password');
    const ok = await registerWith(strong(128));
    assert.equal(ok.statusCode, 201, ok.body);
  });

  it('counts code points, not UTF-16 units', async () => {
    expectProblem(await registerWith(astral(7)), 422, 'weak_password'); // 14 UTF-16 units, 7 code points
    assert.equal((await registerWith(astral(65))).statusCode, 201, '65 code points (130 UTF-16 units) is within 128');
    expectProblem(await registerWith(astral(129)), 422, 'weak_password');
  });

  it('a password registered in NFC signs in when typed in NFD, and the other way round', async () => {
    const nfc = 'Crème-Brûlée-Façade-92'.normalize('NFC');
    const nfd = nfc.normalize('NFD');
    assert.notEqual(nfc, nfd);

    const a = uniqueEmail('nfc');
    assert.equal((await registerWith(nfc, a)).statusCode, 201);
    assert.equal((await login(t.app, a, nfd)).statusCode, 200, 'NFD typed, NFC registered');
    assert.equal((await login(t.app, a, nfc)).statusCode, 200);

    const b = uniqueEmail('nfd');
    assert.equal((await registerWith(nfd, b)).statusCode, 201);
    assert.equal((await login(t.app, b, nfc)).statusCode, 200, 'NFC typed, NFD registered');
  });

  it('the length is measured after NFC: 7 composed characters sent decomposed are still too short', async () => {
    const nfc = 'Éçàüñ-9'.normalize('NFC');
    assert.equal([...nfc].length, 7);
    const nfd = nfc.normalize('NFD');
    assert.ok([...nfd].length >= 8, 'longer than 8 code points as sent');
    expectProblem(await registerWith(nfd), 422, 'weak_password');
  });
});
