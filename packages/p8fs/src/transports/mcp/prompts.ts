import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { GetPromptResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

export const DEFAULT_SUMMARY_DAYS = 7;

const user = (text: string): GetPromptResult['messages'][number] => ({ role: 'user', content: { type: 'text', text } });

/** Prompt templates a host can offer the user: a recent-activity summary and an agent definition draft. */
export function registerPrompts(server: McpServer): void {
  server.registerPrompt('summarise_recent', {
    title: 'Summarise what I saved recently',
    description: 'Asks the model to summarise what was saved to the vault in the last N days (default 7), using the vault tools.',
    // Prompt arguments travel as strings.
    argsSchema: { days: z.string().regex(/^\d{1,4}$/, 'a whole number of days').optional().describe(`how many days back (default ${DEFAULT_SUMMARY_DAYS})`) },
  }, ({ days }) => {
    const n = Math.max(1, Number(days ?? DEFAULT_SUMMARY_DAYS) || DEFAULT_SUMMARY_DAYS);
    const since = new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
    return {
      description: `Summary of the vault's last ${n} day(s)`,
      messages: [user(
        `Summarise what I saved to my P8FS vault in the last ${n} day${n === 1 ? '' : 's'} (since ${since}).\n\n` +
        '1. Call list_files (newest first; page with offset) and keep the files updated on or after that date; note any that are still pending or failed.\n' +
        `2. Call search with from="${since}" (and a few broad queries about the topics you see) to read what those files and saved memories say; use get_resource when a snippet is not enough.\n` +
        '3. Write a short summary grouped by topic: what was saved, the key facts or decisions, and anything that needs follow-up. ' +
        'Cite each point with the source uri from the tool results. Do not invent items that the tools did not return; if nothing was saved, say so.',
      )],
    };
  });

  server.registerPrompt('create_agent', {
    title: 'Draft an agent definition',
    description: 'Asks the model to draft a P8FS agent definition (a YAML document with p8-type: agent) for a given purpose.',
    argsSchema: { purpose: z.string().min(1).max(2000).describe('what the agent should do, in plain words') },
  }, ({ purpose }) => ({
    description: 'Draft a p8-type: agent YAML definition',
    messages: [user(
      `Draft a P8FS agent definition for this purpose:\n\n${purpose}\n\n` +
      'Reply with one YAML document in a ```yaml block, starting with `p8-type: agent`, with these keys:\n' +
      '- `name`: a short kebab-case identifier\n- `title`: a human-readable name\n- `description`: one or two sentences on when to use the agent\n' +
      '- `instructions`: the system prompt, as a block scalar (|), written to the agent in the second person\n' +
      '- `tools`: the vault tools it may use, from search, get_resource, list_files, get_file, save_memory, upload_file (the fewest that suffice)\n' +
      '- `output`: optional, a description of the answer format\n\n' +
      'Before drafting, you may call search to see what the vault holds that the agent would work with. ' +
      'After the YAML, list any assumptions in one short paragraph. The user can save the YAML to the vault with upload_file.',
    )],
  }));
}
