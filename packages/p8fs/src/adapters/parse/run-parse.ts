import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OcrEngine } from '../../ports/ocr.js';
import type { ParsedDocument, ParseOutcome, ParseRequest, ParserRegistry } from '../../ports/parser.js';
import type { ToolRunner } from '../../ports/tools.js';
import type { Transcriber } from '../../ports/transcriber.js';
import { createOcrEngine } from '../ocr/index.js';
import { ProcessToolRunner } from '../tools/process-tool-runner.js';
import { createTranscriber } from '../transcribers/index.js';
import type { ParseEnv } from './env.js';

/** The long-lived helpers a parse may use, built once per process or thread. */
export interface ParseServices {
  tools: ToolRunner;
  ocr: OcrEngine | null;
  transcriber: Transcriber | null;
  close(): Promise<void>;
}

/** Build the tool runner, OCR engine and transcriber a parse environment asks for. */
export async function createParseServices(env: ParseEnv): Promise<ParseServices> {
  const tools = new ProcessToolRunner(undefined, { timeoutMs: env.timeoutMs, memoryMb: env.memoryMb });
  const ocr = createOcrEngine(env.ocr, tools);
  const transcriber = await createTranscriber(env.transcriber, tools);
  return { tools, ocr, transcriber, close: async () => void (await ocr?.close()) };
}

/** Pick the parser and run it with a fresh scratch folder, removed afterwards whatever happens. */
export async function runParse(registry: ParserRegistry, services: ParseServices, env: ParseEnv, req: ParseRequest): Promise<ParseOutcome> {
  const resolved = await registry.resolve({ name: req.name, bytes: req.bytes, declaredType: req.declaredType });
  const tmpDir = await mkdtemp(join(tmpdir(), 'p8fs-parse-'));
  const abort = new AbortController();
  try {
    const doc = await resolved.parser.parse(
      { bytes: req.bytes, name: req.name, mimeType: resolved.mimeType },
      { limits: env.limits, depth: req.depth, tools: services.tools, ocr: services.ocr, transcriber: services.transcriber, tmpDir, signal: abort.signal },
    );
    refuseTooDeep(doc, req.depth, env.limits.maxDepth);
    return {
      resolution: { parserId: resolved.parser.id, parserVersion: resolved.parser.version, mimeType: resolved.mimeType, reason: resolved.reason },
      doc,
    };
  } finally {
    abort.abort();
    await rm(tmpDir, { recursive: true, force: true });
  }
}

/**
 * Members found at the nesting limit are refused here, for every container format alike: an
 * attachment of a message in a mailbox in a zip in a zip stops at the same depth as nested zips.
 */
function refuseTooDeep(doc: ParsedDocument, depth: number, maxDepth: number): void {
  if (!doc.children || doc.children.length === 0 || depth + 1 <= maxDepth) return;
  const reason = `nested more than ${maxDepth} containers deep (archiveMaxDepth)`;
  doc.rejected = [...(doc.rejected ?? []), ...doc.children.map((c) => ({ path: c.path, code: 'parser.limit_exceeded', reason }))];
  doc.children = [];
}
