import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { OidcSettings } from '../config.js';
import { UnauthenticatedError } from '../errors.js';
import { AccessName } from './principal.js';

/** Checks OIDC/JWT bearer tokens against the issuer's published keys (fetched and cached by jose). */
export class OidcVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly settings: OidcSettings) {
    this.keys = createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
  }

  /** The user and team the token names; UnauthenticatedError for a bad signature, issuer, audience or expiry. */
  async verify(token: string): Promise<{ name: string; team: string | null }> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, { issuer: this.settings.issuer, audience: this.settings.audience, clockTolerance: 30 }));
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'invalid';
      throw new UnauthenticatedError(`OIDC token refused (${code})`, { cause: error });
    }
    const name = AccessName.safeParse(payload[this.settings.userClaim]);
    if (!name.success) throw new UnauthenticatedError(`OIDC token has no usable "${this.settings.userClaim}" claim`);
    const team = this.settings.teamClaim ? AccessName.safeParse(payload[this.settings.teamClaim]) : undefined;
    return { name: name.data, team: team?.success ? team.data : null };
  }
}
