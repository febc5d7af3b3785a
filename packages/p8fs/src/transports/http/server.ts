import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { App } from '../../app.js';
import { createHttpApp, type HttpAppOptions } from './app.js';

/** A listening HTTP server. */
export interface HttpServer {
  /** base URL with the port actually bound (port 0 asks the OS for a free one) */
  url: string;
  /** Stop accepting connections and wait for requests in flight. */
  close(): Promise<void>;
}

/** Serve the HTTP API on host:port. Resolves once listening; rejects if the port cannot be bound. */
export function startHttpServer(app: App, opts: { host: string; port: number } & HttpAppOptions): Promise<HttpServer> {
  const hono = createHttpApp(app, opts.actorFor ? { actorFor: opts.actorFor } : {});
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: hono.fetch, hostname: opts.host, port: opts.port }, (info: AddressInfo) => {
      server.off('error', reject);
      const url = `http://${displayHost(opts.host)}:${info.port}`;
      app.log.info({ url }, 'http server listening');
      resolve({ url, close: () => closeServer(server as Server) });
    }) as Server;
    server.once('error', reject);
  });
}

// A wildcard bind is reachable on loopback; IPv6 literals need brackets inside a URL.
function displayHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // Keep-alive sockets with no request in flight would otherwise hold close() open.
    server.closeIdleConnections();
  });
}
