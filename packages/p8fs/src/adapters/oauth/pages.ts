import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import QRCode from 'qrcode';

// The authorization server's own pages: no external assets, no password field anywhere. A person
// approves from a device they already have; these pages only show what to approve.

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#222}
code.user-code{display:block;font-size:2.2rem;letter-spacing:.15em;text-align:center;margin:1rem 0}
.qr svg{display:block;width:14rem;height:14rem;margin:0 auto}.muted{color:#666;font-size:.9rem}.warn{color:#a40}`;

function layout(title: string, body: string, nonce?: string, script?: string): string {
  const js = script && nonce ? `<script nonce="${nonce}">${script}</script>` : '';
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><h1>${escapeHtml(title)}</h1>${body}${js}</body></html>`;
}

export interface CspOptions {
  /** Script sources beyond none: a nonce's or an inline script's hash, quoted ('nonce-…', 'sha256-…'). */
  scripts?: string[];
  /** Where forms may post to, and redirect after posting, beyond this server ('self'). */
  formTargets?: string[];
}

/**
 * The Content-Security-Policy of every page the authorization server sends: nothing loads from
 * anywhere, no script runs but the page's own, no frame may hold it, forms post only here.
 */
export function pageCsp(opts: CspOptions = {}): string {
  const scripts = opts.scripts?.length ? opts.scripts.join(' ') : "'none'";
  const forms = ["'self'", ...(opts.formTargets ?? [])].join(' ');
  return `default-src 'none'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; script-src ${scripts}; frame-ancestors 'none'; form-action ${forms}; base-uri 'none'`;
}

/** The other headers every authorization server response carries (with pageCsp on pages). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** Send a page with headers that keep it out of caches and frames and allow only its own script. */
export function sendPage(res: ServerResponse, status: number, html: string, nonce?: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Security-Policy', pageCsp({ scripts: nonce ? [`'nonce-${nonce}'`] : [] }));
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  res.end(html);
}

function approveHelp(userCode: string): string {
  const code = escapeHtml(userCode);
  return `<p>Approve it from a device that is already signed in to this vault:</p>
<ul><li>in the P8FS phone app (scan the QR code), or</li><li>on a computer: <code>p8fs approve ${code}</code></li></ul>`;
}

export interface InteractionPageInput {
  uid: string;
  userCode: string;
  /** Already cleaned of control characters (displayText). */
  clientName: string;
  /** Only the first-party client is; any other name is the client's own claim. */
  verified: boolean;
  scopes: string[];
  audience: ('api' | 'mcp')[];
  /** Where the browser goes once approved (redirectHost). */
  redirectHost: string | null;
  approveUrl: string;
}

const AUDIENCE_NAMES = { api: 'the HTTP API', mcp: 'the MCP endpoint' } as const;

/** Who asks, for what, and where the browser returns: what a person needs to decide. */
function requestSummary(input: InteractionPageInput): string {
  const who = input.verified
    ? `<strong>${escapeHtml(input.clientName)}</strong>`
    : `<strong>${escapeHtml(input.clientName)}</strong> <span class="warn">(unverified: the app chose this name itself)</span>`;
  const scopes = input.scopes.length
    ? `<ul>${input.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('')}</ul>`
    : '<p class="muted">No scopes requested.</p>';
  const audience = input.audience.map((a) => AUDIENCE_NAMES[a]).join(' and ') || AUDIENCE_NAMES.api;
  const back = input.redirectHost ? `<p>Once approved, this browser returns to <strong>${escapeHtml(input.redirectHost)}</strong>.</p>` : '';
  return `<p>${who} asks for access to your vault through ${audience} with:</p>${scopes}${back}`;
}

/** The sign-in page an MCP host's browser lands on: the code, a QR code, and a status poll. */
export async function interactionPage(input: InteractionPageInput): Promise<{ html: string; nonce: string }> {
  const nonce = randomBytes(16).toString('base64');
  const qr = await QRCode.toString(input.approveUrl, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  const base = `/oauth/interaction/${encodeURIComponent(input.uid)}`;
  const body = `${requestSummary(input)}
<code class="user-code">${escapeHtml(input.userCode)}</code><div class="qr">${qr}</div>
<p class="muted">The QR code opens <a href="${escapeHtml(input.approveUrl)}">${escapeHtml(input.approveUrl)}</a></p>${approveHelp(input.userCode)}
<p class="muted" id="state">Waiting for approval…</p>`;
  // Polls the status every 2 s; on a decision, /continue finishes the authorization request.
  const script = `(function(){var s=document.getElementById('state');function poll(){fetch(${JSON.stringify(`${base}/status`)},{cache:'no-store'}).then(function(r){return r.json()}).then(function(j){if(j.status==='approved'||j.status==='denied'){location.href=${JSON.stringify(`${base}/continue`)};}else if(j.status==='expired'){s.textContent='This request has expired. Start the sign-in again.';}else{setTimeout(poll,2000);}}).catch(function(){setTimeout(poll,2000);});}setTimeout(poll,2000);})();`;
  return { html: layout('Sign in to P8FS', body, nonce, script), nonce };
}

/** Where the approval QR code and the device page's link send a phone for this code. */
export function approveUrl(issuer: string, userCode: string): string {
  return `${issuer}/oauth/approve?code=${encodeURIComponent(userCode)}`;
}

/**
 * The device-flow verification page (RFC 8628 verification_uri), also what the approval QR code's
 * link shows in a plain browser: where to approve, nothing to enter. With a code, the page shows it
 * large with a QR code of its approval link, so a phone already signed in can scan the laptop's
 * screen. The QR code is inline SVG: no script and no image source, so the strict CSP stays as is.
 */
export async function deviceVerificationPage(issuer: string, userCode: string | undefined): Promise<string> {
  let body: string;
  if (userCode) {
    const link = approveUrl(issuer, userCode);
    const qr = await QRCode.toString(link, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    body = `<p>A device asks to sign in with this code:</p><code class="user-code">${escapeHtml(userCode)}</code><div class="qr">${qr}</div>
<p class="muted">Scan it with a phone signed in to this vault; it opens <a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>${approveHelp(userCode)}`;
  } else {
    body = `<p>A device shows you a code like <code>BCDF-GHJK</code>.</p>${approveHelp('XXXX-XXXX')}`;
  }
  return layout('Approve a device', `${body}<p class="muted">Nothing to type here: this page never asks for a password.</p>`);
}

/** A page with a title and one line of text. */
export function messagePage(title: string, message: string): string {
  return layout(title, `<p>${escapeHtml(message)}</p>`);
}

/** The provider's logout form (the xsrf token and its confirm URL), as its own logout page builds it. */
export function logoutForm(action: string, xsrf: string): string {
  return `<form id="op.logoutForm" method="post" action="${escapeHtml(action)}"><input type="hidden" name="xsrf" value="${escapeHtml(xsrf)}"/></form>`;
}

/**
 * The logout page (RP-initiated logout): nothing happens until the person presses the button; no
 * script submits the form for them.
 */
export function logoutPage(form: string): string {
  return layout(
    'Sign out',
    `<p>Sign out of this vault in this browser?</p>${form}<p><button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button></p>
<p class="muted">To stay signed in, close this page.</p>`,
  );
}
