import { AppError } from '../../domain/errors.js';
import type { ChatModel, ChatModels } from '../../ports/chat-model.js';
import { AiSdkChatModel } from './ai-sdk-model.js';
import { type ChatProviderSettings, languageModel, missingSetting, parseModelSpec } from './providers.js';

export interface ChatModelsConfig extends ChatProviderSettings {
  chatModel?: string | undefined;
  chatRetries: number;
}

/** The chat models of this server: P8FS_CHAT_MODEL by default, any `provider:model` of a configured provider on request. */
export function createChatModels(config: ChatModelsConfig): ChatModels {
  const made = new Map<string, ChatModel>();
  return {
    defaultModel: config.chatModel ?? null,
    get(spec: string): ChatModel {
      const known = made.get(spec);
      if (known) return known;
      const { provider, model } = parseModelSpec(spec);
      const missing = missingSetting(provider, config);
      if (missing) throw new AppError('chat.unknown_model', `the ${provider} provider is not configured on this server (set ${missing})`);
      const m = new AiSdkChatModel(`${provider}:${model}`, languageModel(provider, model, config), config.chatRetries);
      // A handful of specs per server; the cap only guards against a caller cycling through names.
      if (made.size < 64) made.set(spec, m);
      return m;
    },
  };
}
