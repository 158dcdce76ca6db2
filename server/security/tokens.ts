import { createHmac, timingSafeEqual } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';

/**
 * Visitor tokens: a signed JWT (HS256) naming the visitor and the site. Kept by the
 * widget in localStorage, so identity survives reloads without cookies on the host page.
 */
export class VisitorTokens {
  constructor(private readonly key: Buffer, private readonly ttlDays = 365) {}

  sign(visitorId: string, siteId: string): Promise<string> {
    return new SignJWT({ site: siteId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(visitorId)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlDays}d`)
      .sign(this.key);
  }

  async verify(token: string): Promise<{ visitorId: string; siteId: string } | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || typeof payload.site !== 'string') return null;
      return { visitorId: payload.sub, siteId: payload.site };
    } catch {
      return null;
    }
  }
}

/**
 * Expiring download links for attachments: the same link works for the visitor (on a
 * foreign origin, without cookies) and for agents, and cannot be forged or guessed.
 */
export class SignedUrls {
  constructor(private readonly key: Buffer, private readonly ttlMs = 24 * 3600_000) {}

  fileUrl(id: string, now: number): string {
    const exp = Math.floor((now + this.ttlMs) / 1000);
    return `/api/files/${encodeURIComponent(id)}?exp=${exp}&sig=${this.sign(id, exp)}`;
  }

  /** 'ok', or why the link is refused. */
  check(id: string, exp: string, sig: string, now: number): 'ok' | 'invalid' | 'expired' {
    const expNum = Number(exp);
    if (!Number.isInteger(expNum)) return 'invalid';
    const expected = Buffer.from(this.sign(id, expNum));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
    return expNum * 1000 < now ? 'expired' : 'ok';
  }

  private sign(id: string, exp: number): string {
    return createHmac('sha256', this.key).update(`${id}.${exp}`).digest('base64url');
  }
}
