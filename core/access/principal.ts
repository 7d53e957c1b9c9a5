import { z } from 'zod';

/** User, service-account, role and team names: short, printable, safe in labels and logs. */
export const AccessName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, 'letters, digits, ".", "_", "@" and "-", starting with a letter or digit');

export const PrincipalKind = z.enum(['user', 'service-account']);
export type PrincipalKind = z.infer<typeof PrincipalKind>;

/** `user:alice` or `service-account:ci`, as bindings, tokens and the audit log name a principal. */
export const PrincipalRef = z
  .string()
  .max(140)
  .transform((text, ctx) => {
    const colon = text.indexOf(':');
    const kind = PrincipalKind.safeParse(text.slice(0, colon));
    const name = AccessName.safeParse(text.slice(colon + 1));
    if (colon < 0 || !kind.success || !name.success) {
      ctx.addIssue({ code: 'custom', message: 'expected "user:<name>" or "service-account:<name>"' });
      return z.NEVER;
    }
    return { kind: kind.data, name: name.data };
  });
export type PrincipalRef = z.output<typeof PrincipalRef>;

/** Who is calling: a stored user or service account, or a user named by an OIDC token. */
export interface Principal {
  kind: PrincipalKind;
  name: string;
  /** The team a resource this principal creates belongs to. */
  team: string | null;
  /** How the caller proved it: an API token (with its id) or an OIDC token. */
  via: { type: 'token'; tokenId: string } | { type: 'oidc' };
}

export function principalId(p: { kind: PrincipalKind; name: string }): string {
  return `${p.kind}:${p.name}`;
}

/** A user or service account to create. */
export const PrincipalSpec = z
  .object({
    name: AccessName,
    team: AccessName.optional(),
    description: z.string().max(500).optional(),
  })
  .strict();
export type PrincipalSpec = z.infer<typeof PrincipalSpec>;
