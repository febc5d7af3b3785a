import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/support.js';
import { AppError } from '../../domain/errors.js';
import { createHttpApp } from '../../transports/http/app.js';
import { guardSql } from './sql-guard.js';

/** The guard's answer to sql: the tables it read, or the code of the AppError it refused with. */
async function verdict(sql: string): Promise<string> {
  try {
    return `ok ${(await guardSql(sql)).tables.join(',')}`;
  } catch (err) {
    // Anything else (a RangeError from a blown stack) would be a 500 over HTTP.
    if (err instanceof AppError) return err.code;
    throw err;
  }
}

// Every statement stays under the contract's 20,000 characters: this is what one request can send.
const DEEP: Record<string, string> = {
  'a 6,000-term sum': `SELECT ${Array(6000).fill('1').join('+')}`,
  'alternating unary signs': `SELECT ${'-+'.repeat(4500)}1`,
  'nested subqueries': `SELECT ${'(SELECT '.repeat(2200)}1${')'.repeat(2200)}`,
  'a chain of casts': `SELECT 1${'::int'.repeat(3900)}`,
  'a chain of UNIONs': Array(1300).fill('SELECT 1').join(' UNION '),
  'a chain of joins': `SELECT 1 FROM files${' CROSS JOIN files'.repeat(1100)}`,
  'nested NOTs': `SELECT ${'NOT '.repeat(4900)}true`,
  'nested COLLATE': `SELECT name${' COLLATE "C"'.repeat(1600)} FROM files`,
};

describe('guardSql: bounded nesting', () => {
  it.each(Object.entries(DEEP))('refuses %s with rem.limit, never a blown stack', async (_what, sql) => {
    expect(sql.length).toBeLessThanOrEqual(20_000);
    expect(await verdict(sql)).toBe('rem.limit');
  });

  it('keeps accepting ordinary large queries: long IN lists, many conditions, a few hundred terms', async () => {
    // Operators inside strings do not count: 1,500 UUIDs hold 6,000 dashes.
    const ids = Array.from({ length: 1500 }, () => `'${randomUUID()}'`).join(', ');
    expect(await verdict(`SELECT name FROM files WHERE uri IN (${ids})`)).toBe('ok files');
    const conditions = Array.from({ length: 300 }, (_, i) => `name = 'n${i}'`).join(' OR ');
    expect(await verdict(`SELECT name FROM files WHERE ${conditions}`)).toBe('ok files');
    expect(await verdict(`SELECT ${Array(300).fill('size').join(' + ')} FROM files`)).toBe('ok files');
    expect(await verdict(`SELECT ${'(SELECT '.repeat(100)}1${')'.repeat(100)}`)).toBe('ok ');
  });

  it('answers 400 rem.limit over HTTP, not 500', async () => {
    const app = await createTestApp();
    try {
      const http = createHttpApp(app, { actorFor: () => app.owner });
      const res = await http.request('/api/v1/rem/query', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: DEEP['a 6,000-term sum'] }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'rem.limit' } });
    } finally {
      await app.close();
    }
  });
});
