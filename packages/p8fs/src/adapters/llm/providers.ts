import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import { AppError } from '../../domain/errors.js';

/** The providers `provider:model` may name. */
export const CHAT_PROVIDERS = ['openai', 'anthropic', 'google', 'openai-compatible'] as const;
export type ChatProvider = (typeof CHAT_PROVIDERS)[number];

/** Each provider's key and endpoint, as configured (P8FS_OPENAI_API_KEY, …). */
export interface ChatProviderSettings {
  openaiApiKey?: string | undefined;
  openaiBaseUrl?: string | undefined;
  anthropicApiKey?: string | undefined;
  anthropicBaseUrl?: string | undefined;
  googleApiKey?: string | undefined;
  googleBaseUrl?: string | undefined;
}

/** Split `provider:model`; chat.unknown_model when the provider is not one of ours. */
export function parseModelSpec(spec: string): { provider: ChatProvider; model: string } {
  const at = spec.indexOf(':');
  const provider = spec.slice(0, at) as ChatProvider;
  const model = spec.slice(at + 1).trim();
  if (at < 1 || !CHAT_PROVIDERS.includes(provider) || model === '') {
    throw new AppError('chat.unknown_model', `"${spec}" is neither an agent of this vault nor provider:model with provider ${CHAT_PROVIDERS.join(', ')}`);
  }
  return { provider, model };
}

/** What a provider lacks to be used here, or null when it is configured. */
export function missingSetting(provider: ChatProvider, s: ChatProviderSettings): string | null {
  if (provider === 'openai') return s.openaiApiKey ? null : 'P8FS_OPENAI_API_KEY';
  if (provider === 'openai-compatible') return s.openaiBaseUrl ? null : 'P8FS_OPENAI_BASE_URL';
  if (provider === 'anthropic') return s.anthropicApiKey ? null : 'P8FS_ANTHROPIC_API_KEY';
  return s.googleApiKey ? null : 'P8FS_GOOGLE_API_KEY';
}

/**
 * The AI SDK model for a provider. OpenAI is called through its chat-completions API (not the
 * Responses API), the dialect every OpenAI-compatible server speaks too, so both are tested against
 * one fake and behave alike.
 */
export function languageModel(provider: ChatProvider, model: string, s: ChatProviderSettings): LanguageModel {
  switch (provider) {
    case 'openai':
      return createOpenAI({ apiKey: s.openaiApiKey, ...(s.openaiBaseUrl ? { baseURL: s.openaiBaseUrl } : {}) }).chat(model);
    case 'openai-compatible':
      return createOpenAICompatible({
        name: 'openai-compatible', baseURL: s.openaiBaseUrl as string, ...(s.openaiApiKey ? { apiKey: s.openaiApiKey } : {}),
        // Usage in the stream (for cost and the token budget) and json_schema response formats: Ollama,
        // vLLM, llama.cpp and LM Studio accept both.
        includeUsage: true, supportsStructuredOutputs: true,
      }).chatModel(model);
    case 'anthropic':
      return createAnthropic({ apiKey: s.anthropicApiKey, ...(s.anthropicBaseUrl ? { baseURL: s.anthropicBaseUrl } : {}) })(model);
    case 'google':
      return createGoogleGenerativeAI({ apiKey: s.googleApiKey, ...(s.googleBaseUrl ? { baseURL: s.googleBaseUrl } : {}) })(model);
  }
}
