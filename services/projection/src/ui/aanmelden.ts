import type { IssuerConfig } from '@ketenhub/service';
import { demoOrganisatieNamen } from './organisaties';

/**
 * The identity providers the page offers to log in with: every trusted issuer with a JWKS (the
 * organisations' OpenID Connect providers; the HS256 development issuer has no login). The page
 * runs the authorization code flow with PKCE against the issuer's discovery document as a public
 * client whose id is the issuer's audience, so the token it gets is one the hub accepts.
 */
export interface Aanmeldoptie {
  issuer: string;
  clientId: string;
  /** The organisations this provider speaks for (its OIN binding), by name where the page knows them. */
  organisaties: string[];
}

export function aanmeldopties(issuers: readonly IssuerConfig[]): Aanmeldoptie[] {
  return issuers
    .filter((i) => 'jwksUrl' in i)
    .map((i) => ({
      issuer: i.issuer,
      clientId: i.audience,
      organisaties:
        'oins' in i
          ? i.oins.map((oin) => demoOrganisatieNamen[oin] ?? oin)
          : [`OIN's volgens ${i.oinPattern}`],
    }));
}

/** Origins the page must reach for discovery and tokens (the CSP's connect-src). */
export function providerOrigins(opties: readonly Aanmeldoptie[]): string[] {
  return [...new Set(opties.map((o) => new URL(o.issuer).origin))];
}
