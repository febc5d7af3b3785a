import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { ProcessToolRunner } from '../src/adapters/tools/process-tool-runner.js';
import { DEFAULT_PARSE_LIMITS, type ParseContext } from '../src/ports/parser.js';

/**
 * A ParseContext for parser unit tests: real installed tools, default limits, no OCR and no
 * transcriber unless given. Scratch folders are removed after the test file.
 */
export function testParseContext(overrides: Partial<ParseContext> = {}): ParseContext {
  const tmpDir = mkdtempSync(join(tmpdir(), 'p8fs-parse-'));
  scratch.push(tmpDir);
  return {
    limits: { ...DEFAULT_PARSE_LIMITS, ...overrides.limits },
    depth: 0,
    tools: new ProcessToolRunner(),
    ocr: null,
    transcriber: null,
    tmpDir,
    signal: new AbortController().signal,
    ...overrides,
    ...(overrides.limits ? { limits: { ...DEFAULT_PARSE_LIMITS, ...overrides.limits } } : {}),
  };
}

const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch.splice(0)) rmSync(d, { recursive: true, force: true });
});
