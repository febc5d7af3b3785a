import { describe, expect, it } from 'vitest';
import { costUsd, priceOf } from './prices.js';

describe('model prices', () => {
  it('finds a family from a dated or versioned name', () => {
    expect(priceOf('openai:gpt-4o-2024-08-06')).toEqual({ input: 2.5, output: 10 });
    expect(priceOf('openai:gpt-4o-mini-2024-07-18')).toEqual({ input: 0.15, output: 0.6 });
    expect(priceOf('anthropic:claude-sonnet-4-5-20250929')).toEqual({ input: 3, output: 15 });
    expect(priceOf('anthropic:claude-3-5-haiku-latest')).toEqual({ input: 0.8, output: 4 });
    expect(priceOf('google:gemini-2.5-flash')).toEqual({ input: 0.3, output: 2.5 });
  });

  it('does not price another tier as its base model', () => {
    expect(priceOf('openai:gpt-5-pro')).toBeNull();
    expect(priceOf('openai:o3-pro')).toBeNull();
    expect(priceOf('openai:gpt-5-mini')).toEqual({ input: 0.25, output: 2 });
    expect(costUsd('openai:o3-pro', 1000, 1000)).toBeNull();
  });

  it('costs a self-hosted model nothing and an unknown provider null', () => {
    expect(costUsd('openai-compatible:llama3', 1_000_000, 1_000_000)).toBe(0);
    expect(priceOf('mystery:model')).toBeNull();
    expect(costUsd('openai:gpt-5', 1_000_000, 100_000)).toBe(2.25);
  });
});
