import { z } from 'zod';

/**
 * An instant on the wire: an ISO 8601 date-time with Z or an offset, or a bare date (midnight UTC).
 * Normalised to the UTC ISO form, so stored and compared values read the same everywhere.
 */
export const IsoTime = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((s) => new Date(s.length === 10 ? `${s}T00:00:00Z` : s).toISOString());

const normaliseTags = (tags: readonly string[]): string[] => [...new Set(tags.map((t) => t.trim().toLowerCase()).filter(Boolean))];

/** Tags are matched exactly, so they are kept trimmed, lower-case and without repeats. */
export const Tags = z.array(z.string().max(100)).max(50).transform(normaliseTags);

const personName = z.string().trim().min(1).max(200);

/** Someone present or speaking: a name, or an object with a name and whatever else the writer knows (role, id). */
export const MomentPerson = z.union([personName.transform((name) => ({ name })), z.looseObject({ name: personName })]);
export type MomentPerson = z.output<typeof MomentPerson>;

/** ends_at may not come before starts_at (both optional). */
export const momentRange = (m: { starts_at?: string | null; ends_at?: string | null }, ctx: z.RefinementCtx): void => {
  if (m.starts_at && m.ends_at && m.ends_at < m.starts_at) ctx.addIssue({ code: 'custom', path: ['ends_at'], message: 'ends_at is before starts_at' });
};

// Fields without defaults: a PATCH must not reset what it does not mention.
const fields = {
  content: z.string().max(200_000),
  summary: z.string().max(10_000).nullable(),
  moment_type: z.string().trim().toLowerCase().min(1).max(100).nullable(),
  starts_at: IsoTime.nullable(),
  ends_at: IsoTime.nullable(),
  present_persons: z.array(MomentPerson).max(200),
  speakers: z.array(MomentPerson).max(200),
  location: z.string().trim().max(500).nullable(),
  emotion_tags: Tags,
  topic_tags: Tags,
  metadata: z.record(z.string(), z.unknown()),
};

const momentName = z.string().trim().min(1, 'name must not be empty').max(500);

/** POST /api/v1/entity/moments: the name identifies the moment, so posting the same name again updates it. */
export const MomentCreate = z.object({ name: momentName, ...fields }).partial().required({ name: true }).superRefine(momentRange);
export type MomentCreate = z.input<typeof MomentCreate>;
export type MomentCreateParsed = z.output<typeof MomentCreate>;

/** PATCH /api/v1/entity/moments/{id}: only the fields given change; metadata is merged key by key. */
export const MomentPatch = z.object({ name: momentName, ...fields }).partial().superRefine(momentRange);
export type MomentPatch = z.input<typeof MomentPatch>;
export type MomentPatchParsed = z.output<typeof MomentPatch>;

export const MomentDto = z.object({
  id: z.string().uuid(),
  name: z.string(),
  content: z.string(),
  summary: z.string().nullable(),
  moment_type: z.string().nullable(),
  starts_at: z.string().nullable(),
  ends_at: z.string().nullable(),
  present_persons: z.array(z.looseObject({ name: z.string() })),
  speakers: z.array(z.looseObject({ name: z.string() })),
  location: z.string().nullable(),
  emotion_tags: z.array(z.string()),
  topic_tags: z.array(z.string()),
  metadata: z.record(z.string(), z.unknown()),
  /** The searchable resource that mirrors the moment (category 'moment'). */
  resource_id: z.string().uuid(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type MomentDto = z.infer<typeof MomentDto>;

// Query strings: a tag filter may be repeated (?topic=a&topic=b) or a comma list (?topic=a,b).
const tagFilter = z.union([z.string(), z.array(z.string())]).transform((v) => normaliseTags((Array.isArray(v) ? v : [v]).flatMap((s) => s.split(','))));

export const MOMENT_ORDERS = ['recent', 'oldest'] as const;

export const MomentListQuery = z
  .object({
    topic: tagFilter.optional().describe('topic tags, repeated or comma-separated: a moment with any of them matches'),
    emotion: tagFilter.optional().describe('emotion tags, repeated or comma-separated: a moment with any of them matches'),
    type: z.string().trim().toLowerCase().min(1).max(100).optional().describe('moment type, e.g. meeting'),
    person: personName.optional().describe('a present person or speaker, by name (case-insensitive)'),
    from: IsoTime.optional().describe('moments that end at or after this instant'),
    to: IsoTime.optional().describe('moments that start at or before this instant'),
    order: z.enum(MOMENT_ORDERS).default('recent').describe('by start time: recent first (default) or oldest first'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'from is after to', path: ['to'] });
export type MomentListQuery = z.output<typeof MomentListQuery>;

export const MomentList = z.object({
  moments: z.array(MomentDto),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});
export type MomentList = z.infer<typeof MomentList>;
