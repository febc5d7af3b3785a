import { workerData } from 'node:worker_threads';
import type { ParseOutcome, ParseRequest, ParserRegistry } from '../../ports/parser.js';
import { serveTasks } from '../threads/worker-protocol.js';
import type { ParseEnv } from './env.js';
import { createParseServices, runParse } from './run-parse.js';

/** workerData of a parser thread. */
export interface ParseWorkerData {
  env: ParseEnv;
  /** Module exporting createParserRegistry(); tests point it at a registry with misbehaving parsers. */
  registryModule: string;
}

const data = workerData as ParseWorkerData;

serveTasks<{ registry: ParserRegistry; services: Awaited<ReturnType<typeof createParseServices>> }, ParseRequest, ParseOutcome>(
  async () => {
    const mod = (await import(data.registryModule)) as { createParserRegistry(): ParserRegistry };
    return { registry: mod.createParserRegistry(), services: await createParseServices(data.env) };
  },
  async ({ registry, services }, req) => {
    // Structured clone turns Buffers into plain Uint8Arrays; parsers expect Buffer.
    const bytes = Buffer.from(req.bytes.buffer, req.bytes.byteOffset, req.bytes.byteLength);
    return { res: await runParse(registry, services, data.env, { ...req, bytes }) };
  },
);
