/**
 * A software WebAuthn authenticator for the tests: an ES256 (P-256) key per credential, real
 * `authenticatorData` (RP ID hash, flags, signature counter, attested credential data with a COSE
 * key), real `clientDataJSON`, a CBOR `none` attestation object, and real ECDSA signatures — so
 * @simplewebauthn/server verifies genuine registrations and assertions, nothing mocked. It answers
 * the JSON forms a browser's `PublicKeyCredential.toJSON()` produces.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

// ---- a tiny CBOR encoder (RFC 8949): what attestation objects and COSE keys need -------------

type Cbor = number | string | Uint8Array | Cbor[] | Map<Cbor, Cbor> | { [key: string]: Cbor };

function head(major: number, value: number): Buffer {
  if (value < 24) return Buffer.from([(major << 5) | value]);
  if (value < 0x100) return Buffer.from([(major << 5) | 24, value]);
  if (value < 0x10000) {
    const b = Buffer.alloc(3);
    b[0] = (major << 5) | 25;
    b.writeUInt16BE(value, 1);
    return b;
  }
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(value, 1);
  return b;
}

export function cborEncode(value: Cbor): Buffer {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error('integers only');
    return value >= 0 ? head(0, value) : head(1, -1 - value);
  }
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), Buffer.from(value)]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(cborEncode)]);
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, v]) => [cborEncode(k), cborEncode(v)])]);
}

// ---- the authenticator -------------------------------------------------------------------

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();
const b64u = (data: Buffer | Uint8Array) => Buffer.from(data).toString('base64url');

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

interface Credential {
  id: Buffer;
  rpId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  userHandle: string | null;
  counter: number;
}

export interface CreationOptionsJSON {
  challenge: string;
  rp: { id?: string; name: string };
  user: { id: string; name: string; displayName: string };
  pubKeyCredParams: { alg: number; type: string }[];
  excludeCredentials?: { id: string }[];
  authenticatorSelection?: { userVerification?: string; residentKey?: string };
}

export interface RequestOptionsJSON {
  challenge: string;
  rpId?: string;
  allowCredentials?: { id: string }[];
  userVerification?: string;
}

export interface Gesture {
  /** the user verified (PIN, biometrics); default true */
  userVerified?: boolean;
  /** the page's origin as the browser reports it; default the authenticator's */
  origin?: string;
  /** a credential to use (default: the first allowed, or the first for the RP) */
  credentialId?: string;
  /** sign something else than what is sent (a forged assertion) */
  badSignature?: boolean;
}

export class SoftAuthenticator {
  readonly #credentials: Credential[] = [];

  constructor(readonly origin: string) {}

  /** `navigator.credentials.create()` then `.toJSON()` */
  register(options: CreationOptionsJSON, gesture: Gesture = {}) {
    const rpId = options.rp.id ?? new URL(this.origin).hostname;
    if (!options.pubKeyCredParams.some((p) => p.alg === -7)) throw new Error('ES256 not offered');
    const excluded = new Set((options.excludeCredentials ?? []).map((c) => c.id));
    if (this.#credentials.some((c) => c.rpId === rpId && excluded.has(b64u(c.id)))) throw new Error('InvalidStateError: credential excluded');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const credential: Credential = { id: randomBytes(32), rpId, privateKey, publicKey, userHandle: options.user.id, counter: 0 };
    this.#credentials.push(credential);

    const jwk = publicKey.export({ format: 'jwk' });
    const cose = cborEncode(new Map<Cbor, Cbor>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')]]));
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credential.id.length);
    const attested = Buffer.concat([Buffer.alloc(16) /* AAGUID: none */, idLength, credential.id, cose]);
    const authData = this.#authData(rpId, FLAG_AT | this.#flags(gesture), credential.counter, attested);
    const clientDataJSON = this.#clientData('webauthn.create', options.challenge, gesture);
    const attestationObject = cborEncode({ fmt: 'none', attStmt: {}, authData });
    return {
      id: b64u(credential.id),
      rawId: b64u(credential.id),
      type: 'public-key' as const,
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: { clientDataJSON: b64u(clientDataJSON), attestationObject: b64u(attestationObject), transports: ['internal', 'hybrid'] },
    };
  }

  /** `navigator.credentials.get()` then `.toJSON()` */
  authenticate(options: RequestOptionsJSON, gesture: Gesture = {}) {
    const rpId = options.rpId ?? new URL(this.origin).hostname;
    const allowed = new Set((options.allowCredentials ?? []).map((c) => c.id));
    const candidates = this.#credentials.filter((c) => c.rpId === rpId && (allowed.size === 0 || allowed.has(b64u(c.id))));
    const credential = gesture.credentialId ? this.#credentials.find((c) => b64u(c.id) === gesture.credentialId) : candidates[0];
    if (!credential) throw new Error('NotAllowedError: no credential for this RP');
    credential.counter += 1;
    const authData = this.#authData(rpId, this.#flags(gesture), credential.counter);
    const clientDataJSON = this.#clientData('webauthn.get', options.challenge, gesture);
    const signed = Buffer.concat([authData, sha256(clientDataJSON)]);
    const signature = sign('sha256', gesture.badSignature ? Buffer.concat([signed, Buffer.from([0])]) : signed, credential.privateKey);
    return {
      id: b64u(credential.id),
      rawId: b64u(credential.id),
      type: 'public-key' as const,
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authData),
        signature: b64u(signature),
        ...(credential.userHandle ? { userHandle: credential.userHandle } : {}),
      },
    };
  }

  #flags(gesture: Gesture): number {
    return FLAG_UP | (gesture.userVerified === false ? 0 : FLAG_UV);
  }

  #authData(rpId: string, flags: number, counter: number, attested?: Buffer): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count, ...(attested ? [attested] : [])]);
  }

  #clientData(type: string, challenge: string, gesture: Gesture): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin: gesture.origin ?? this.origin, crossOrigin: false }));
  }
}
