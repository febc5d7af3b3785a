/**
 * List prices of chat models in USD per million tokens (input, output), for the cost a session
 * records. A model is matched by the longest name it starts with, followed by nothing or a version
 * (claude-sonnet-4-5-20250929, gpt-4o-2024-08-06, -latest, -preview…), so dated versions find their
 * family while a different tier of it (gpt-5-pro, o3-pro) stays unknown. Prices change: these are the
 * providers' published prices as of late 2025, and a model not listed costs `null` (unknown), never 0.
 */
export interface ModelPrice {
  input: number;
  output: number;
}

const PRICES: Record<string, Record<string, ModelPrice>> = {
  openai: {
    'gpt-5': { input: 1.25, output: 10 },
    'gpt-5-mini': { input: 0.25, output: 2 },
    'gpt-5-nano': { input: 0.05, output: 0.4 },
    'gpt-4.1': { input: 2, output: 8 },
    'gpt-4.1-mini': { input: 0.4, output: 1.6 },
    'gpt-4.1-nano': { input: 0.1, output: 0.4 },
    'gpt-4o': { input: 2.5, output: 10 },
    'gpt-4o-mini': { input: 0.15, output: 0.6 },
    'o3': { input: 2, output: 8 },
    'o3-mini': { input: 1.1, output: 4.4 },
    'o4-mini': { input: 1.1, output: 4.4 },
  },
  anthropic: {
    'claude-opus-4-5': { input: 5, output: 25 },
    'claude-opus-4': { input: 15, output: 75 },
    'claude-sonnet-4': { input: 3, output: 15 },
    'claude-haiku-4-5': { input: 1, output: 5 },
    'claude-3-7-sonnet': { input: 3, output: 15 },
    'claude-3-5-sonnet': { input: 3, output: 15 },
    'claude-3-5-haiku': { input: 0.8, output: 4 },
  },
  google: {
    'gemini-2.5-pro': { input: 1.25, output: 10 },
    'gemini-2.5-flash': { input: 0.3, output: 2.5 },
    'gemini-2.5-flash-lite': { input: 0.1, output: 0.4 },
    'gemini-2.0-flash': { input: 0.1, output: 0.4 },
  },
};

/** What may follow a listed name and still be that model: nothing, a version number or date, or a release tag. */
const VERSION_TAIL = /^(?:$|-\d|-latest\b|-preview\b|-exp\b|@)/;

/** The price of `provider:model`; null when unknown. A self-hosted openai-compatible model costs nothing per token. */
export function priceOf(spec: string): ModelPrice | null {
  const [provider = '', ...rest] = spec.split(':');
  if (provider === 'openai-compatible') return { input: 0, output: 0 };
  const model = rest.join(':').toLowerCase();
  const table = PRICES[provider] ?? {};
  let best: string | null = null;
  for (const name of Object.keys(table)) {
    if (model.startsWith(name) && VERSION_TAIL.test(model.slice(name.length)) && (best === null || name.length > best.length)) best = name;
  }
  return best === null ? null : (table[best] as ModelPrice);
}

/** What the tokens cost in USD (6 decimals, as stored), or null for a model without a known price. */
export function costUsd(spec: string, inputTokens: number, outputTokens: number): number | null {
  const p = priceOf(spec);
  if (!p) return null;
  return Math.round(((inputTokens * p.input + outputTokens * p.output) / 1_000_000) * 1e6) / 1e6;
}
