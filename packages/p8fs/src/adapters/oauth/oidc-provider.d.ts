// oidc-provider ships no type declarations and @types/oidc-provider trails its major versions, so
// this declares the part of its API that adapters/oauth uses, as the 9.x source defines it.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type AdapterPayload = Record<string, unknown> & {
    jti?: string;
    grantId?: string;
    userCode?: string;
    uid?: string;
    consumed?: number;
    exp?: number;
  };

  /** The storage interface every model goes through (one instance per model name). */
  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }
  export type AdapterConstructor = new (name: string) => Adapter;

  export interface ClientModel {
    clientId: string;
    clientName?: string;
    grantTypeAllowed(type: string): boolean;
  }

  export interface ResourceServerInfo {
    audience: string;
    scope: string;
    accessTokenTTL?: number;
    accessTokenFormat?: 'jwt' | 'opaque';
    jwt?: { sign?: { alg?: string; kid?: string } };
  }

  export interface ResourceServerModel {
    readonly audience: string;
    readonly scope: string;
    identifier(): string;
  }

  export interface GrantModel {
    jti: string;
    accountId?: string;
    clientId?: string;
    addOIDCScope(scope: string): void;
    addResourceScope(resource: string, scope: string): void;
    getResourceScopeFiltered(resource: string, scopes: string[]): string;
    getOIDCScopeFiltered(scopes: Set<string>): string;
    save(): Promise<string>;
  }

  export interface TokenModel {
    jti: string;
    accountId?: string;
    clientId?: string;
    grantId?: string;
    scope?: string;
    resource?: string | string[];
    gty?: string;
    exp?: number;
    readonly expiration: number;
    resourceServer?: ResourceServerModel;
    /** The resource indicators the token was granted for. */
    readonly resourceIndicators: Set<string>;
    save(): Promise<string>;
  }

  export interface DeviceCodeModel extends TokenModel {
    userCode: string;
    params?: Record<string, unknown>;
    authTime?: number;
    error?: string;
    errorDescription?: string;
    isExpired: boolean;
  }

  export interface Interaction {
    uid: string;
    exp: number;
    grantId?: string;
    params: Record<string, unknown>;
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    session?: { accountId?: string };
  }

  export interface Account {
    accountId: string;
    claims(use: string, scope: string): Promise<Record<string, unknown> & { sub: string }>;
  }

  /** The provider's browser session (lib/models/session.js). */
  export interface SessionModel {
    accountId?: string;
    /** What end_session keeps for its confirm step: secret (xsrf), postLogoutRedirectUri, state, clientId. */
    state?: Record<string, unknown>;
    /** Save again under the same expiry (only for a session already saved). */
    persist(): Promise<void>;
  }

  /** The Koa context the provider passes to configuration functions and middleware. */
  export interface KoaContextWithOIDC {
    method: string;
    path: string;
    status: number;
    body: unknown;
    type: string;
    query: Record<string, string | string[] | undefined>;
    /** Koa's request object (its protocol and host getters build every URL the provider emits). */
    request: object;
    response: { get(field: string): string };
    set(field: string, value: string): void;
    oidc?: {
      route?: string;
      params?: Record<string, unknown>;
      client?: ClientModel;
      session?: SessionModel;
      entities: Record<string, unknown>;
      urlFor(name: string): string;
    };
  }
  export type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

  export type Configuration = Record<string, unknown>;

  export interface InteractionResults {
    login?: { accountId: string };
    consent?: { grantId?: string };
    error?: string;
    error_description?: string;
  }

  class Provider {
    constructor(issuer: string, configuration: Configuration);
    readonly issuer: string;
    proxy: boolean;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    use(middleware: Middleware): void;
    on(event: string, listener: (...args: unknown[]) => void): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;

    readonly Grant: {
      new (input: { accountId: string; clientId: string }): GrantModel;
      find(id: string): Promise<GrantModel | undefined>;
    };
    readonly AccessToken: new (input: {
      accountId: string;
      client: ClientModel;
      grantId: string;
      gty: string;
      scope?: string;
    }) => TokenModel;
    readonly RefreshToken: {
      new (input: {
        accountId: string;
        client: ClientModel;
        grantId: string;
        gty: string;
        scope: string;
        resource: string | string[];
        rotations: number;
        authTime?: number;
      }): TokenModel;
      find(value: string): Promise<TokenModel | undefined>;
    };
    readonly DeviceCode: {
      findByUserCode(userCode: string, options?: { ignoreExpiration?: boolean }): Promise<DeviceCodeModel | undefined>;
    };
    readonly Client: { find(id: string): Promise<ClientModel | undefined> };
    readonly ResourceServer: new (identifier: string, info: ResourceServerInfo) => ResourceServerModel;
  }

  export const errors: {
    InvalidTarget: new (description?: string) => Error;
    /** A description starting with "redirect_uris" makes it invalid_redirect_uri. */
    InvalidClientMetadata: new (description: string) => Error;
  };

  export default Provider;
  export { Provider };
}
