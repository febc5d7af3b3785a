import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Interaction, Provider } from 'oidc-provider';
import type { SqlRunner } from '../../ports/db.js';
import { displayText } from '../../domain/display-text.js';
import type { Logger } from '../../ports/logger.js';
import { findInteractionApproval, openInteractionApproval } from './approvals.js';
import { audienceOf, isFirstPartyClient, redirectHost } from './client-policy.js';
import { saveGrant } from './grants.js';
import { approveUrl, interactionPage, messagePage, sendPage } from './pages.js';
import { requestedResources } from './scopes.js';

/** How long a sign-in code shown on the interaction page stays valid, at most. */
const APPROVAL_TTL_MS = 10 * 60_000;

export const INTERACTION_PATH = /^\/oauth\/interaction\/([A-Za-z0-9_-]+)(?:\/(status|continue))?$/;

export interface InteractionDeps {
  provider: Provider;
  db: SqlRunner;
  issuer: string;
  /** The API and MCP resource indicators; the API is the default. */
  resources: { api: string; mcp: string };
  log: Logger;
}

/**
 * A browser sign-in (an MCP host's authorization request) has no password: the page shows a fresh
 * user code and its QR code, a person approves it from a device they already have, and the page's
 * poll then calls /continue, which finishes the provider's interaction as that new device.
 */
export async function handleInteraction(
  deps: InteractionDeps,
  req: IncomingMessage,
  res: ServerResponse,
  uid: string,
  action: 'status' | 'continue' | undefined,
): Promise<void> {
  if (req.method !== 'GET') return sendPage(res, 405, messagePage('Not allowed', 'Use GET.'));
  if (action === 'status') return status(deps, res, uid);

  let interaction: Interaction;
  try {
    // Reads the interaction cookie the authorization endpoint set: only that browser gets on.
    interaction = await deps.provider.interactionDetails(req, res);
  } catch {
    return sendPage(res, 400, messagePage('Sign-in expired', 'This sign-in request is no longer valid. Start again from the app.'));
  }
  if (interaction.uid !== uid) return sendPage(res, 400, messagePage('Sign-in mismatch', 'This page does not belong to the current sign-in.'));
  return action === 'continue' ? finish(deps, req, res, interaction) : show(deps, res, interaction);
}

async function show(deps: InteractionDeps, res: ServerResponse, interaction: Interaction): Promise<void> {
  const clientId = String(interaction.params.client_id ?? '');
  const client = await deps.provider.Client.find(clientId);
  // The name is the client's own choice: shown without control characters, and marked unverified.
  const clientName = displayText(client?.clientName ?? '') || clientId;
  const scope = typeof interaction.params.scope === 'string' ? interaction.params.scope : '';
  const audience = audienceOf(requestedResources(interaction.params.resource, deps.resources.api), deps.resources);
  const returnsTo = redirectHost(interaction.params.redirect_uri);
  const expiresAt = new Date(Math.min(interaction.exp * 1000, Date.now() + APPROVAL_TTL_MS));
  const userCode = await openInteractionApproval(deps.db, {
    ref: interaction.uid,
    clientId,
    clientName,
    scope: scope || null,
    audience,
    redirectHost: returnsTo,
    expiresAt,
  });
  const { html, nonce } = await interactionPage({
    uid: interaction.uid,
    userCode,
    clientName,
    verified: isFirstPartyClient(clientId),
    scopes: scope.split(' ').filter(Boolean),
    audience,
    redirectHost: returnsTo,
    approveUrl: approveUrl(deps.issuer, userCode),
  });
  sendPage(res, 200, html, nonce);
}

async function status(deps: InteractionDeps, res: ServerResponse, uid: string): Promise<void> {
  const row = await findInteractionApproval(deps.db, uid);
  const state = !row ? 'unknown' : row.status === 'pending' && row.expires_at <= new Date() ? 'expired' : row.status;
  res.statusCode = row ? 200 : 404;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', 'no-store');
  res.end(JSON.stringify({ status: state }));
}

async function finish(deps: InteractionDeps, req: IncomingMessage, res: ServerResponse, interaction: Interaction): Promise<void> {
  const row = await findInteractionApproval(deps.db, interaction.uid);
  if (row?.status === 'denied') {
    return deps.provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'the sign-in was denied' },
      { mergeWithLastSubmission: false },
    );
  }
  if (row?.status !== 'approved' || !row.device_id) {
    // Not decided yet (or never shown): back to the page that shows the code.
    res.statusCode = 303;
    res.setHeader('Location', `/oauth/interaction/${encodeURIComponent(interaction.uid)}`);
    res.end();
    return;
  }
  const clientId = String(interaction.params.client_id);
  const grantId = await saveGrant(deps.provider, {
    accountId: row.device_id,
    clientId,
    scope: typeof interaction.params.scope === 'string' ? interaction.params.scope : '',
    resources: requestedResources(interaction.params.resource, deps.resources.api),
  });
  deps.log.info({ clientId, deviceId: row.device_id }, 'oauth: browser sign-in approved');
  await deps.provider.interactionFinished(
    req,
    res,
    { login: { accountId: row.device_id }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}
