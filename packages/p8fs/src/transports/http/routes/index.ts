import type { App, AuthServices } from '../../../app.js';
import { agentRoutes } from './agents.js';
import { authRoutes } from './auth.js';
import { backupRoutes } from './backup.js';
import { chatRoutes } from './chat.js';
import { VERSION } from '../../../version.js';
import { buildOpenApi, type OpenApiDocument } from '../openapi.js';
import type { RouteSpec } from '../route-spec.js';
import { exportRoutes } from './export.js';
import { fileRoutes } from './files.js';
import { metricsRoutes } from './metrics.js';
import { momentRoutes } from './moments.js';
import { remRoutes } from './rem.js';
import { resourceRoutes } from './resources.js';
import { searchRoutes } from './search.js';
import { sessionRoutes } from './sessions.js';
import { storageRoutes } from './storage.js';
import { syncRoutes } from './sync.js';
import { systemRoutes } from './system.js';
import { tokenRoutes } from './tokens.js';
import { uploadRoutes } from './uploads.js';

/**
 * Every HTTP route, listed explicitly. createHttpApp registers exactly these and /openapi.json
 * describes exactly these. The upload routes come before fileRoutes so PUT /files/content is not
 * read as a file id.
 */
export function buildRoutes(app: App, auth?: { services: AuthServices; ownerSecret: string | null }): RouteSpec[] {
  const routes: RouteSpec[] = [];
  let doc: OpenApiDocument | null = null;
  const openapi = () => (doc ??= buildOpenApi(routes, VERSION));
  routes.push(
    ...systemRoutes(app, openapi),
    ...metricsRoutes(app),
    ...uploadRoutes(app),
    ...fileRoutes(app),
    ...resourceRoutes(app),
    ...exportRoutes(app),
    ...momentRoutes(app),
    ...agentRoutes(app),
    ...searchRoutes(app),
    ...remRoutes(app),
    ...chatRoutes(app),
    ...sessionRoutes(app),
    ...storageRoutes(app),
    ...(auth ? authRoutes(app, auth.services, auth.ownerSecret) : []),
    ...tokenRoutes(app),
    ...backupRoutes(app),
    ...syncRoutes(app),
  );
  return routes;
}
