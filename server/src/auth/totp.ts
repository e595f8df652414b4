import { Secret, TOTP } from 'otpauth';

/** Time-based one-time codes (RFC 6238: SHA-1, 6 digits, 30 s), as every authenticator app reads them. */
const period = 30;

function totpFor(secret: string, label = 'Kata Hub'): TOTP {
  return new TOTP({ issuer: 'Kata Hub', label, algorithm: 'SHA1', digits: 6, period, secret: Secret.fromBase32(secret) });
}

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// address an authenticator app scans (as a QR code) or takes pasted. */
export function totpUri(secret: string, email: string): string {
  return totpFor(secret, email).toString();
}

/**
 * The time step a code belongs to, accepting one step of clock drift either
 * way, or null when the code is wrong. The caller keeps the last step used
 * so the same code cannot be replayed.
 */
export function totpStep(secret: string, code: string, now: Date): number | null {
  const delta = totpFor(secret).validate({ token: code, timestamp: now.getTime(), window: 1 });
  return delta === null ? null : Math.floor(now.getTime() / 1000 / period) + delta;
}

export function totpCode(secret: string, at: Date): string {
  return totpFor(secret).generate({ timestamp: at.getTime() });
}
