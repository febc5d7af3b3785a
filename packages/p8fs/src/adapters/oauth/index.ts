export { type AuthorizationServerOptions, createAuthorizationServer, type OAuthServer } from './authorization-server.js';
export { CLI_CLIENT_ID } from './provider-config.js';
export { DEFAULT_KEY_GRACE_SECONDS, rotateSigningKey } from './signing-keys.js';
export { pruneExpiredModels } from './model-adapter.js';
