/**
 * @ketenhub/oidc-dev: the development OpenID Connect provider of the hub's demo organisations
 * (`npm start` runs it; the browser tests log in through it).
 */
export { checkChallenge, redirectUriAllowed, s256Challenge, verifyPkce } from './pkce';
export { type DemoUser, type DevIdp, type DevIdpOptions, type OidcClient, startDevIdp } from './provider';
