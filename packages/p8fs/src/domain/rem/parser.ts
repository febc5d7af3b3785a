import {
  type FuzzyQuery, type LookupKey, type LookupQuery, REM_DIRECTIONS, REM_LIMITS, REM_NODE_TABLES, REM_SEARCH_TABLES,
  REM_STATEMENT_KEYWORDS, type RemDirection, type RemNodeTable, type RemQuery, type RemSearchTable, type SearchQuery,
  type TraverseQuery,
} from './ast.js';
import { Cursor } from './cursor.js';

/**
 * Parse one REM query (recursive descent; keywords are case-insensitive). Errors are AppErrors:
 * `rem.syntax` with {position, expected, found} and a caret, `rem.limit` for a value out of bounds.
 */
export function parseRem(query: string): RemQuery {
  const c = new Cursor(query);
  const head = c.peek();
  if (head.type === 'word') {
    switch (head.text.toUpperCase()) {
      case 'SELECT':
      case 'WITH':
        // SQL is kept verbatim: the SQL guard parses it with the real PostgreSQL parser.
        return { kind: 'sql', sql: query.trim() };
      case 'LOOKUP':
      case 'GET':
        return done(c, parseLookup(skip(c), []));
      case 'FUZZY':
        return done(c, parseFuzzy(skip(c)));
      case 'SEARCH':
        return done(c, parseSearch(skip(c), REM_LIMITS.search, []));
      case 'TRAVERSE':
        return done(c, parseTraverse(skip(c)));
    }
  }
  throw c.fail([...REM_STATEMENT_KEYWORDS], 'not a REM statement');
}

/** True when the text starts with a REM statement keyword (otherwise it may be natural language). */
export function startsWithRemKeyword(query: string): boolean {
  const first = /^\s*([A-Za-z]+)/.exec(query)?.[1]?.toUpperCase();
  return first !== undefined && (REM_STATEMENT_KEYWORDS as readonly string[]).includes(first);
}

function skip(c: Cursor): Cursor {
  c.next();
  return c;
}

function done<T extends RemQuery>(c: Cursor, q: T): T {
  c.expectEnd();
  return q;
}

const TRAVERSE_CLAUSES = ['DEPTH', 'DIRECTION', 'LIMIT'] as const;

/** `label[, label...]`; bare labels run up to a comma, the end or one of `stop`. */
function parseLookup(c: Cursor, stop: readonly string[]): LookupQuery {
  const keys: LookupKey[] = [parseLabel(c, stop)];
  while (c.atPunct(',')) {
    c.next();
    if (keys.length >= REM_LIMITS.lookupKeys) {
      throw c.outOfBounds(c.peek(), `1..${REM_LIMITS.lookupKeys}`, `LOOKUP takes at most ${REM_LIMITS.lookupKeys} labels`);
    }
    keys.push(parseLabel(c, stop));
  }
  if (c.peek().type !== 'end' && !c.atKeyword(...stop)) throw c.fail(['","', ...stop, 'end of query']);
  return { kind: 'lookup', keys };
}

function parseLabel(c: Cursor, stop: readonly string[]): LookupKey {
  const t = c.peek();
  const prefix = t.type === 'word' ? /^([A-Za-z]+):/.exec(t.text) : null;
  const table = prefix?.[1]?.toLowerCase();
  if (!prefix || !table || !(REM_NODE_TABLES as readonly string[]).includes(table)) return { label: c.text('a label', stop) };
  if (t.text.length > prefix[0].length) {
    // `table:bare words`: the label starts right after the colon.
    return { label: c.text('a label', stop, { from: t.start + prefix[0].length }), table: table as RemNodeTable };
  }
  c.next();
  return { label: c.text(`a label after ${t.text}`, stop), table: table as RemNodeTable };
}

function parseFuzzy(c: Cursor): FuzzyQuery {
  const q: FuzzyQuery = { kind: 'fuzzy', text: c.text('text to match', ['LIMIT', 'THRESHOLD'], { commas: true }), limit: REM_LIMITS.fuzzy.default };
  clauses(c, ['LIMIT', 'THRESHOLD'], (kw) => {
    if (kw === 'LIMIT') q.limit = c.integer('LIMIT', 1, REM_LIMITS.fuzzy.max);
    else q.threshold = c.fraction('THRESHOLD');
  });
  return q;
}

/** SEARCH "text" [IN table] [LIMIT n] [THRESHOLD x]; inside TRAVERSE, `more` clauses belong to the walk. */
function parseSearch(c: Cursor, bounds: { default: number; max: number }, more: readonly string[], onMore?: (kw: string) => void): SearchQuery {
  const own = ['IN', ...(more.includes('LIMIT') ? [] : ['LIMIT']), 'THRESHOLD'];
  const q: SearchQuery = { kind: 'search', text: c.text('search text', [...own, ...more], { commas: true }), limit: bounds.default };
  clauses(c, [...own, ...more], (kw) => {
    if (kw === 'IN') q.table = oneOf(c, REM_SEARCH_TABLES, 'IN') as RemSearchTable;
    else if (kw === 'THRESHOLD') q.threshold = c.fraction('THRESHOLD');
    else if (kw === 'LIMIT' && !more.includes('LIMIT')) q.limit = c.integer('LIMIT', 1, bounds.max);
    else onMore?.(kw);
  });
  return q;
}

function parseTraverse(c: Cursor): TraverseQuery {
  let plan = false;
  if (c.atKeyword('PLAN')) {
    c.next();
    plan = true;
  }
  const relTypes = parseRelTypes(c);
  if (!c.atKeyword('WITH')) {
    const before = relTypes.length ? ['","'] : [...(plan ? [] : ['PLAN']), '"["', 'an edge type'];
    throw c.fail([...before, 'WITH'], c.atKeyword('LOOKUP', 'GET', 'SEARCH') ? 'write TRAVERSE ... WITH LOOKUP label' : undefined);
  }
  c.next();
  const q: TraverseQuery = {
    kind: 'traverse', plan, relTypes, entry: { kind: 'lookup', keys: [] },
    depth: REM_LIMITS.depth.default, direction: 'out', limit: REM_LIMITS.traverse.default,
  };
  const clause = (kw: string) => {
    if (kw === 'DEPTH') q.depth = c.integer('DEPTH', 0, REM_LIMITS.depth.max);
    else if (kw === 'DIRECTION') q.direction = oneOf(c, REM_DIRECTIONS, 'DIRECTION') as RemDirection;
    else q.limit = c.integer('LIMIT', 1, REM_LIMITS.traverse.max);
  };
  if (c.atKeyword('LOOKUP', 'GET')) {
    c.next();
    q.entry = parseLookup(c, TRAVERSE_CLAUSES);
    clauses(c, TRAVERSE_CLAUSES, clause);
  } else if (c.atKeyword('SEARCH')) {
    c.next();
    q.entry = parseSearch(c, REM_LIMITS.traverseEntry, TRAVERSE_CLAUSES, clause);
  } else {
    throw c.fail(['LOOKUP', 'SEARCH'], 'TRAVERSE starts from LOOKUP or SEARCH');
  }
  // DEPTH 0 is the PLAN of the original dialect: report what is there without walking.
  if (q.depth === 0) q.plan = true;
  return q;
}

/** `[a, b]` or `a, b` before WITH; names bare or quoted. */
function parseRelTypes(c: Cursor): string[] {
  const names: string[] = [];
  if (c.atPunct('[')) {
    c.next();
    while (!c.atPunct(']')) {
      names.push(c.text('an edge type', ['WITH']).trim());
      if (!c.atPunct(']')) c.expectPunct(',', ['"]"']);
    }
    c.next();
    return names;
  }
  if (c.atKeyword('WITH', 'LOOKUP', 'GET', 'SEARCH') || c.peek().type === 'end') return names;
  for (;;) {
    const t = c.peek();
    if (t.type !== 'word' && t.type !== 'string') throw c.fail(['an edge type']);
    names.push(c.next().text);
    if (!c.atPunct(',')) return names;
    c.next();
  }
}

/** One word from a closed set, case-insensitive, returned lower-case. */
function oneOf(c: Cursor, allowed: readonly string[], clause: string): string {
  const t = c.peek();
  const v = t.type === 'word' || t.type === 'string' ? t.text.toLowerCase() : '';
  if (!allowed.includes(v)) throw c.fail(allowed, `after ${clause}`);
  c.next();
  return v;
}

/** Optional trailing clauses in any order, each at most once; anything else must be the end. */
function clauses(c: Cursor, allowed: readonly string[], each: (kw: string) => void): void {
  const left = [...allowed];
  while (c.peek().type !== 'end') {
    const t = c.peek();
    const kw = t.type === 'word' ? t.text.toUpperCase() : '';
    if (!left.includes(kw)) {
      throw c.fail([...left, 'end of query'], allowed.includes(kw) ? `${kw} given twice` : undefined);
    }
    c.next();
    left.splice(left.indexOf(kw), 1);
    each(kw);
  }
}
