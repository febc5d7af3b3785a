import type { SqlRunner } from '../../ports/db.js';

export interface MomentPersonRow {
  name: string;
  [key: string]: unknown;
}

/** A moments row as stored (graph_paths left out: edges live in the graph tables). */
export interface MomentRow {
  id: string;
  tenant_id: string;
  name: string;
  content: string;
  summary: string | null;
  moment_type: string | null;
  starts_at: Date | null;
  ends_at: Date | null;
  present_persons: MomentPersonRow[];
  speakers: MomentPersonRow[];
  location: string | null;
  emotion_tags: string[];
  topic_tags: string[];
  metadata: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

/** Every stored field of a moment, as a writer supplies it. */
export interface MomentWrite {
  id: string;
  name: string;
  content: string;
  summary: string | null;
  momentType: string | null;
  startsAt: string | null;
  endsAt: string | null;
  presentPersons: MomentPersonRow[];
  speakers: MomentPersonRow[];
  location: string | null;
  emotionTags: string[];
  topicTags: string[];
  metadata: Record<string, unknown>;
}

/** Filters of a moment listing; undefined means "any". */
export interface MomentFilter {
  topics?: string[];
  emotions?: string[];
  type?: string;
  person?: string;
  from?: string;
  to?: string;
  order: 'recent' | 'oldest';
  limit: number;
  offset: number;
}

const COLS = `id, tenant_id, name, content, summary, moment_type, starts_at, ends_at, present_persons, speakers, location,
  emotion_tags, topic_tags, metadata, created_at, updated_at`;

const values = (m: MomentWrite) => [m.name, m.content, m.summary, m.momentType, m.startsAt, m.endsAt, JSON.stringify(m.presentPersons),
  JSON.stringify(m.speakers), m.location, m.emotionTags, m.topicTags, JSON.stringify(m.metadata)];

/**
 * Insert or update a moment by name (unique per tenant): the name is what writers know, and a renamed
 * moment keeps its id. Metadata is merged key by key; every other field takes the new value. A new
 * moment whose derived id a renamed one still holds gets a random id instead.
 */
export async function upsertMoment(db: SqlRunner, tenantId: string, m: MomentWrite): Promise<MomentRow> {
  const rows = await db.query<MomentRow>(
    `INSERT INTO moments (tenant_id, id, name, content, summary, moment_type, starts_at, ends_at, present_persons, speakers, location,
       emotion_tags, topic_tags, metadata)
     VALUES ($1, CASE WHEN EXISTS (SELECT 1 FROM moments WHERE id = $2::uuid) THEN gen_random_uuid() ELSE $2::uuid END,
       $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12::text[], $13::text[], $14::jsonb)
     ON CONFLICT (tenant_id, name) DO UPDATE SET content = EXCLUDED.content, summary = EXCLUDED.summary,
       moment_type = EXCLUDED.moment_type, starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at,
       present_persons = EXCLUDED.present_persons, speakers = EXCLUDED.speakers, location = EXCLUDED.location,
       emotion_tags = EXCLUDED.emotion_tags, topic_tags = EXCLUDED.topic_tags,
       metadata = moments.metadata || EXCLUDED.metadata, updated_at = now()
     RETURNING ${COLS}`,
    [tenantId, m.id, ...values(m)],
  );
  return rows[0] as MomentRow;
}

/** Replace every field of one moment (a PATCH, merged by the caller); null when the tenant has no such moment. */
export async function updateMoment(db: SqlRunner, tenantId: string, m: MomentWrite): Promise<MomentRow | null> {
  const rows = await db.query<MomentRow>(
    `UPDATE moments SET name = $3, content = $4, summary = $5, moment_type = $6, starts_at = $7, ends_at = $8,
       present_persons = $9::jsonb, speakers = $10::jsonb, location = $11, emotion_tags = $12::text[], topic_tags = $13::text[],
       metadata = $14::jsonb, updated_at = now()
     WHERE tenant_id = $1 AND id = $2 RETURNING ${COLS}`,
    [tenantId, m.id, ...values(m)],
  );
  return rows[0] ?? null;
}

export async function getMoment(db: SqlRunner, tenantId: string, id: string): Promise<MomentRow | null> {
  const rows = await db.query<MomentRow>(`SELECT ${COLS} FROM moments WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  return rows[0] ?? null;
}

export async function getMomentByName(db: SqlRunner, tenantId: string, name: string): Promise<MomentRow | null> {
  const rows = await db.query<MomentRow>(`SELECT ${COLS} FROM moments WHERE tenant_id = $1 AND name = $2`, [tenantId, name]);
  return rows[0] ?? null;
}

/** Delete one moment; the deleted row, or null when the tenant has no such moment. */
export async function deleteMoment(db: SqlRunner, tenantId: string, id: string): Promise<MomentRow | null> {
  const rows = await db.query<MomentRow>(`DELETE FROM moments WHERE tenant_id = $1 AND id = $2 RETURNING ${COLS}`, [tenantId, id]);
  return rows[0] ?? null;
}

// Tags match when the moment has any of them (&&). A moment without an end is an instant. The person
// filter looks at both lists, by name, case-insensitively.
const WHERE = `tenant_id = $1
  AND ($2::text[] IS NULL OR topic_tags && $2::text[])
  AND ($3::text[] IS NULL OR emotion_tags && $3::text[])
  AND ($4::text IS NULL OR moment_type = $4::text)
  AND ($5::text IS NULL OR EXISTS (
    SELECT 1 FROM jsonb_array_elements(present_persons || speakers) p WHERE lower(p->>'name') = lower($5::text)))
  AND ($6::timestamptz IS NULL OR coalesce(ends_at, starts_at) >= $6::timestamptz)
  AND ($7::timestamptz IS NULL OR starts_at <= $7::timestamptz)`;

/** A page of the tenant's moments by start time, and how many match in all. */
export async function listMoments(db: SqlRunner, tenantId: string, f: MomentFilter): Promise<{ rows: MomentRow[]; total: number }> {
  const params = [tenantId, f.topics?.length ? f.topics : null, f.emotions?.length ? f.emotions : null, f.type ?? null, f.person ?? null,
    f.from ?? null, f.to ?? null];
  // Undated moments go last either way; created_at and id keep pages stable.
  const dir = f.order === 'oldest' ? 'ASC' : 'DESC';
  const rows = await db.query<MomentRow>(
    `SELECT ${COLS} FROM moments WHERE ${WHERE}
     ORDER BY starts_at ${dir} NULLS LAST, created_at ${dir}, id LIMIT $8 OFFSET $9`,
    [...params, f.limit, f.offset],
  );
  const count = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM moments WHERE ${WHERE}`, params);
  return { rows, total: count[0]?.n ?? 0 };
}

/**
 * Drop the edges from a moment's label that its fields made (one origin), except those just written:
 * a person removed from a moment, or a renamed moment, leaves no stale edge behind.
 */
export async function pruneMomentEdges(db: SqlRunner, tenantId: string, label: string, origin: string, keepIds: readonly string[]): Promise<void> {
  await db.query(
    `DELETE FROM edges WHERE tenant_id = $1 AND src_key = p8_label_key($2) AND origin = $3 AND source_file_id IS NULL
       AND NOT (id = ANY($4::uuid[]))`,
    [tenantId, label, origin, [...keepIds]],
  );
}
