import { errors, jwtVerify, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';

/** What a token says: the app instance, the client id its credentials had when it was issued (rotation changes it), expiry. */
export interface TokenClaims { appInstanceId: string; clientId: string; exp: number }

/**
 * Short-lived HS256 access tokens (RFC 9068-style JWTs) for Mp1. Verified
 * tokens are remembered until they expire, so a busy app pays for the HMAC
 * once per token rather than once per request.
 */
export class TokenIssuer {
  private readonly verified = new Map<string, TokenClaims>();

  constructor(private readonly key: Uint8Array, private readonly o: { issuer: string; ttlSeconds: number; now?: () => number }) {}

  private now(): number { return Math.floor((this.o.now?.() ?? Date.now()) / 1000); }

  async issue(appInstanceId: string, clientId: string): Promise<{ token: string; expiresIn: number }> {
    const iat = this.now();
    const token = await new SignJWT({ client_id: clientId, scope: 'mp1' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setIssuer(this.o.issuer).setAudience(this.o.issuer).setSubject(appInstanceId)
      .setIssuedAt(iat).setExpirationTime(iat + this.o.ttlSeconds).setJti(randomUUID())
      .sign(this.key);
    return { token, expiresIn: this.o.ttlSeconds };
  }

  /** The claims of a valid, unexpired token; throws TokenError otherwise. */
  async verify(token: string): Promise<TokenClaims> {
    const now = this.now();
    const hit = this.verified.get(token);
    if (hit) {
      if (hit.exp > now) return hit;
      this.verified.delete(token);
      throw new TokenError('the access token has expired');
    }
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: this.o.issuer, audience: this.o.issuer, algorithms: ['HS256'], typ: 'at+jwt', currentDate: new Date(now * 1000),
      });
      if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number' || typeof payload.client_id !== 'string') throw new TokenError('the access token lacks sub, client_id or exp');
      const claims = { appInstanceId: payload.sub, clientId: payload.client_id, exp: payload.exp };
      if (this.verified.size > 10_000) this.prune(now);
      this.verified.set(token, claims);
      return claims;
    } catch (e) {
      if (e instanceof TokenError) throw e;
      if (e instanceof errors.JWTExpired) throw new TokenError('the access token has expired');
      throw new TokenError('the access token is not valid');
    }
  }

  /** Forgets cached tokens of an app whose credentials were revoked. */
  revoke(appInstanceId: string): void {
    for (const [t, c] of this.verified) if (c.appInstanceId === appInstanceId) this.verified.delete(t);
  }

  private prune(now: number): void {
    for (const [t, c] of this.verified) if (c.exp <= now) this.verified.delete(t);
    if (this.verified.size > 10_000) this.verified.clear();
  }
}

export class TokenError extends Error {}
