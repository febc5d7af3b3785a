import type { KoaContextWithOIDC, Middleware, Provider } from 'oidc-provider';
import { isFirstPartyClient } from './client-policy.js';
import { logoutForm, logoutPage, pageCsp, SECURITY_HEADERS } from './pages.js';

// Middleware and event hooks around oidc-provider for what its configuration does not cover
// (issue 12, findings 5 and 9). Each says which provider behaviour it changes and why.

/**
 * Every URL the provider builds (discovery's endpoints, the device flow's verification_uri, form
 * actions) comes from the request's protocol and Host, and behind a trusted proxy from
 * X-Forwarded-*: pin both to the configured issuer, so a forged Host cannot put another server's
 * address into what clients are told. (The caller also reduces an absolute request target to its
 * path: Koa would take the URL from it.)
 */
export function pinIssuerOrigin(issuer: string): Middleware {
  const { protocol, host } = new URL(issuer);
  const pinned = { protocol: { value: protocol.slice(0, -1) }, host: { value: host } };
  return async (ctx, next) => {
    Object.defineProperties(ctx.request, pinned);
    await next();
  };
}

/** A CSP source expression that lets a form post (or redirect after posting) to this URI. */
function cspSource(uri: unknown): string | undefined {
  if (typeof uri !== 'string') return undefined;
  const url = URL.parse(uri);
  if (!url) return undefined;
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : url.protocol;
}

/**
 * The project's CSP and security headers on every response of the provider, pages it renders
 * itself included (errors, logout, device flow, form_post). The CSP is set before the provider
 * runs because its form_post page adds its auto-submit script's hash to the script-src it finds;
 * such a page is rebuilt with that hash and the client's redirect URI as the form's target.
 */
export function securityHeaders(): Middleware {
  return async (ctx, next) => {
    ctx.set('Content-Security-Policy', pageCsp());
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) ctx.set(name, value);
    await next();
    const hashes = ctx.response.get('Content-Security-Policy').match(/'sha256-[^']+'/g);
    if (hashes) {
      const target = cspSource(ctx.oidc?.params?.redirect_uri);
      ctx.set('Content-Security-Policy', pageCsp({ scripts: hashes, formTargets: target ? [target] : [] }));
    }
  };
}

/**
 * RP-initiated logout as OpenID Connect RP-Initiated Logout 1.0 §3 asks: the post_logout_redirect_uri
 * is followed only with a valid id_token_hint (the provider follows it with a bare client_id too,
 * and any client may register any URI), and nothing happens without a click: with no signed-in
 * account the provider would auto-submit its confirm form, so the page with a button replaces it.
 */
export function guardLogout(): Middleware {
  return async (ctx, next) => {
    await next();
    const oidc = ctx.oidc;
    const session = oidc?.session;
    const state = session?.state;
    if (oidc?.route !== 'end_session' || ctx.status !== 200 || !session || !state) return;
    if (state.postLogoutRedirectUri !== undefined && !oidc.params?.id_token_hint) {
      state.postLogoutRedirectUri = undefined;
      state.state = undefined;
      // The provider has saved the session already; the confirm step reads this state back.
      await session.persist();
    }
    if (!session.accountId) {
      ctx.type = 'html';
      ctx.body = logoutPage(logoutForm(oidc.urlFor('end_session_confirm'), String(state.secret)));
    }
    // Browsers apply form-action to the redirect after the post too.
    const target = cspSource(state.postLogoutRedirectUri);
    ctx.set('Content-Security-Policy', pageCsp({ formTargets: target ? [target] : [] }));
  };
}

/**
 * An error in an authorization request is redirected to the client's redirect_uri. Any client may
 * register any https URI, so that makes the server an open redirector (RFC 9700 §4.11.2), prompt=none
 * or a missing PKCE challenge being enough: for every client but the first-party one (whose
 * redirects are loopback), such errors are shown on the server's error page instead. Errors after a
 * person saw the request (the resume route, e.g. a denial) still go back to the client.
 */
export function keepUntrustedErrorsHere(provider: Provider): void {
  const stay = (ctx: KoaContextWithOIDC, err: { allow_redirect?: boolean }) => {
    // Read by the provider's authorization error handler right after it emits the event.
    if (ctx.oidc?.route === 'authorization' && !isFirstPartyClient(ctx.oidc.client?.clientId)) err.allow_redirect = false;
  };
  provider.on('authorization.error', stay as (...args: unknown[]) => void);
  provider.on('server_error', stay as (...args: unknown[]) => void);
}
