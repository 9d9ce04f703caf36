/**
 * WebAuthn (passkeys) for Gatehouse, through @simplewebauthn/server: the relying party is
 * PUBLIC_URL — its hostname (without port) is the RP ID, its origin the only expected origin —
 * attestation `none`, user verification preferred at registration and required for a passwordless
 * sign-in. The library checks challenge, origin, RP ID hash, flags, signature and counter; this
 * module fixes the parameters and turns every refusal into `null` (the caller picks the error).
 *
 * Challenges are single use and expire: they live in the ephemeral store (shared through Redis,
 * so the options and the answer may reach different instances), taken with one atomic
 * get-and-delete, and carry their own deadline checked against Gatehouse's clock.
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { EphemeralStore } from '../cache/ephemeral-store.js';
import type { Clock } from '../clock.js';

export type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';

/** how long a browser has to answer a challenge */
export const CHALLENGE_TTL_MS = 5 * 60 * 1000;
/** ES256, EdDSA, RS256 (COSE): what platform authenticators and security keys make */
const ALGORITHMS = [-7, -8, -257];

export interface RelyingPartySettings {
  rpId: string;
  origin: string;
  name: string;
}

export interface StoredCredential {
  credentialId: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
}

export interface NewCredential extends StoredCredential {
  userVerified: boolean;
}

export class RelyingParty {
  constructor(readonly settings: RelyingPartySettings) {}

  registrationOptions(user: { handle: Uint8Array; name: string; displayName: string }, exclude: readonly StoredCredential[]): Promise<PublicKeyCredentialCreationOptionsJSON> {
    return generateRegistrationOptions({
      rpName: this.settings.name,
      rpID: this.settings.rpId,
      userID: user.handle as Uint8Array<ArrayBuffer>,
      userName: user.name,
      userDisplayName: user.displayName,
      attestationType: 'none',
      timeout: CHALLENGE_TTL_MS,
      excludeCredentials: exclude.map((c) => ({ id: c.credentialId, transports: c.transports })),
      // a discoverable credential, so the same passkey can sign in without a password later
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      supportedAlgorithmIDs: ALGORITHMS,
    }) as Promise<PublicKeyCredentialCreationOptionsJSON>;
  }

  /** the new credential, or null when the response does not verify */
  async verifyRegistration(response: RegistrationResponseJSON, challenge: string): Promise<NewCredential | null> {
    try {
      const result = await verifyRegistrationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.settings.origin,
        expectedRPID: this.settings.rpId,
        requireUserVerification: false,
        supportedAlgorithmIDs: ALGORITHMS,
      });
      if (!result.verified) return null;
      const { credential, userVerified } = result.registrationInfo;
      return {
        credentialId: credential.id,
        publicKey: credential.publicKey,
        counter: credential.counter,
        transports: credential.transports ?? response.response.transports ?? [],
        userVerified,
      };
    } catch {
      return null;
    }
  }

  /** `allow` empty: a discoverable credential (no user named); `requireUserVerification` for passwordless */
  authenticationOptions(allow: readonly StoredCredential[], requireUserVerification: boolean): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return generateAuthenticationOptions({
      rpID: this.settings.rpId,
      allowCredentials: allow.map((c) => ({ id: c.credentialId, transports: c.transports })),
      userVerification: requireUserVerification ? 'required' : 'preferred',
      timeout: CHALLENGE_TTL_MS,
    });
  }

  /** the credential's new counter, or null when the assertion does not verify */
  async verifyAuthentication(response: AuthenticationResponseJSON, challenge: string, credential: StoredCredential, requireUserVerification: boolean): Promise<{ newCounter: number } | null> {
    try {
      const result = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.settings.origin,
        expectedRPID: this.settings.rpId,
        credential: { id: credential.credentialId, publicKey: credential.publicKey as Uint8Array<ArrayBuffer>, counter: credential.counter, transports: credential.transports },
        requireUserVerification,
      });
      return result.verified ? { newCounter: result.authenticationInfo.newCounter } : null;
    } catch {
      return null;
    }
  }
}

/** single-use, expiring WebAuthn challenges in the ephemeral store */
export class WebAuthnChallenges {
  constructor(
    private readonly store: EphemeralStore,
    private readonly clock: Clock,
  ) {}

  async put(key: string, challenge: string): Promise<void> {
    await this.store.set(`webauthn:${key}`, JSON.stringify({ challenge, expiresAt: this.clock.now() + CHALLENGE_TTL_MS }), CHALLENGE_TTL_MS);
  }

  /** the challenge, removed in the same step; null when unknown, spent or expired */
  async take(key: string): Promise<string | null> {
    const raw = await this.store.getAndDelete(`webauthn:${key}`);
    if (!raw) return null;
    const { challenge, expiresAt } = JSON.parse(raw) as { challenge: string; expiresAt: number };
    return expiresAt > this.clock.now() ? challenge : null;
  }
}
