import { z } from 'zod';
import type { PersonalDataCipher } from '../privacy/personal-data';
import { identifierKinds, type IdentifierKind } from './identity-graph';

/** An identifier's canonical form: emails lower-cased, phone numbers without spaces or punctuation. */
export function normaliseIdentifier(kind: IdentifierKind, raw: unknown): string | null {
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  const value = String(raw).trim();
  if (!value || value.length > 320) return null;
  if (kind === 'email') return value.includes('@') ? value.toLowerCase() : null;
  if (kind === 'phone') {
    const digits = value.replace(/[\s().-]/g, '');
    return /^\+?\d{5,20}$/.test(digits) ? digits : null;
  }
  return value;
}

/** `email:maya@acme.example`, `user_id:42`, `phone:+44 20 7946 0958`, … as the API takes an identifier. */
export const identifierText = z
  .string()
  .max(400)
  .transform((text, ctx) => {
    const colon = text.indexOf(':');
    const kind = text.slice(0, colon) as IdentifierKind;
    if (colon < 1 || !identifierKinds.includes(kind)) {
      ctx.addIssue({ code: 'custom', message: `start with the kind of identifier: ${identifierKinds.join(', ')} (e.g. email:maya@acme.example)` });
      return z.NEVER;
    }
    const value = normaliseIdentifier(kind, text.slice(colon + 1));
    if (!value) {
      ctx.addIssue({ code: 'custom', message: `is not a valid ${kind}` });
      return z.NEVER;
    }
    return { kind, value };
  });

export function identifierHash(cipher: PersonalDataCipher, workspaceId: string, identifier: { kind: IdentifierKind; value: string }): string {
  return cipher.lookupHash(workspaceId, identifier.kind, identifier.value);
}
