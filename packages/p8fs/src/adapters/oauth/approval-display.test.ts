import { FIRST_PARTY_CLIENT_ID } from '@p8fs/contracts';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toApprovalDto } from '../../services/auth/approvals.js';
import { getApproval } from '../../services/sql/approvals.js';
import { Browser, discover, insecure, type OAuthHarness, oauthDatabases, startOAuth, userCodeOf } from './oauth-server.fixture.js';

// Issue 12, findings 7 and 2: what a person sees before approving. A client's self-chosen name can
// carry terminal escapes and bidi overrides; it is shown without them, marked unverified, with the
// audience asked for and where the browser returns to.

const HOSTILE = '\u001b[2K\rP8FS\u202e\u0007 official\u009b31m\u200b';
// Controls (but the page's own line breaks), C1, bidi and zero-width characters.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;

// The approvals columns (migration 0009) are written and read on PGlite and on PostgreSQL.
const databases = oauthDatabases();
afterAll(() => databases.stopPostgres());

describe.each(databases.list)('authorization server on $name: the approval shows who asks, for what, and where it returns', ({ open }) => {
  let h: OAuthHarness;
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    h = await startOAuth({}, await open());
    as = await discover(h.issuer);
  });
  afterAll(() => h.close());

  it('a self-registered client is shown without control characters, unverified, with audience and redirect host', async () => {
    const reg = await oauth.dynamicClientRegistrationRequest(
      as,
      { client_name: HOSTILE, redirect_uris: ['https://app.example:8443/cb'], token_endpoint_auth_method: 'none' },
      insecure,
    );
    const client = await oauth.processDynamicClientRegistrationResponse(reg);
    const url = new URL(as.authorization_endpoint as string);
    url.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: 'https://app.example:8443/cb',
      response_type: 'code',
      scope: 'vault:read',
      resource: h.auth.resources.mcp,
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: 'S256',
    }).toString();
    const page = await new Browser().follow(url.href, () => false);
    const html = await (page.res as Response).text();
    expect(html).not.toMatch(CONTROL);
    expect(html).toContain('P8FS official');
    expect(html).toMatch(/unverified/i);
    expect(html).toContain('app.example:8443');
    expect(html).toMatch(/MCP/);
    expect(html).toContain('vault:read');

    const row = await getApproval(h.db, userCodeOf(html));
    expect(row?.client_name).toBe('P8FS official');
    const dto = toApprovalDto(row as NonNullable<typeof row>);
    expect(dto).toMatchObject({ client_name: 'P8FS official', verified: false, audience: ['mcp'], redirect_host: 'app.example:8443' });
  });

  it('the first-party device sign-in is verified, for the API, with no redirect', async () => {
    const client: oauth.Client = { client_id: FIRST_PARTY_CLIENT_ID, token_endpoint_auth_method: 'none' };
    const start = await oauth.processDeviceAuthorizationResponse(
      as,
      client,
      await oauth.deviceAuthorizationRequest(as, client, oauth.None(), { scope: 'vault:read' }, insecure),
    );
    const row = await getApproval(h.db, start.user_code);
    expect(toApprovalDto(row as NonNullable<typeof row>)).toMatchObject({ client_name: 'P8FS', verified: true, audience: ['api'], redirect_host: null });
  });

  it('a row stored before names were cleaned is cleaned when presented', async () => {
    await h.db.query(
      `INSERT INTO approvals (user_code, kind, ref, client_id, client_name, scope, expires_at)
       VALUES ('OLDR-OWWW', 'interaction', 'old', 'dyn-1', $1, 'vault:read', now() + interval '5 minutes')`,
      [HOSTILE],
    );
    const dto = toApprovalDto((await getApproval(h.db, 'OLDR-OWWW')) as NonNullable<Awaited<ReturnType<typeof getApproval>>>);
    expect(dto.client_name).toBe('P8FS official');
    expect(dto).toMatchObject({ verified: false, audience: [], redirect_host: null });
  });
});
