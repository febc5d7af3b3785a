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
.qr svg{display:block;width:14rem;height:14rem;margin:0 auto}.muted{color:#666;font-size:.9rem}`;

function layout(title: string, body: string, nonce?: string, script?: string): string {
  const js = script && nonce ? `<script nonce="${nonce}">${script}</script>` : '';
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><h1>${escapeHtml(title)}</h1>${body}${js}</body></html>`;
}

/** Send a page with headers that keep it out of caches and frames and allow only its own script. */
export function sendPage(res: ServerResponse, status: number, html: string, nonce?: string): void {
  const script = nonce ? `'nonce-${nonce}'` : "'none'";
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader(
    'Content-Security-Policy',
    `default-src 'none'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; script-src ${script}; frame-ancestors 'none'; form-action 'self'`,
  );
  res.setHeader('X-Frame-Options', 'DENY');
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
  clientName: string;
  scopes: string[];
  approveUrl: string;
}

/** The sign-in page an MCP host's browser lands on: the code, a QR code, and a status poll. */
export async function interactionPage(input: InteractionPageInput): Promise<{ html: string; nonce: string }> {
  const nonce = randomBytes(16).toString('base64');
  const qr = await QRCode.toString(input.approveUrl, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  const scopes = input.scopes.length
    ? `<ul>${input.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('')}</ul>`
    : '<p class="muted">No scopes requested.</p>';
  const base = `/oauth/interaction/${encodeURIComponent(input.uid)}`;
  const body = `<p><strong>${escapeHtml(input.clientName)}</strong> asks for access to your vault with:</p>${scopes}
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

export function messagePage(title: string, message: string): string {
  return layout(title, `<p>${escapeHtml(message)}</p>`);
}
