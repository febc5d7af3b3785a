import { describe, expect, it } from 'vitest';
import { authorLinks, edgeId, inverseRel, labelKey, linkOrigin, noteLabel, relName, tagLabel } from './graph.js';

describe('graph rules', () => {
  it('keys labels by case and spacing only', () => {
    expect(labelKey('  Sarah \t\n Chen ')).toBe('sarah chen');
    expect(labelKey('Ärzte')).toBe('ärzte');
    // No-break space is not PostgreSQL whitespace, so it is not collapsed here either.
    expect(labelKey('a\u00a0b')).toBe('a\u00a0b');
  });

  it('gives one edge id per (tenant, ends by key, rel, source file)', () => {
    expect(edgeId('t', 'Sarah Chen', 'knows', 'Bob')).toBe(edgeId('t', 'sarah  chen', 'knows', 'BOB'));
    expect(edgeId('t', 'a', 'knows', 'b')).not.toBe(edgeId('t2', 'a', 'knows', 'b'));
    expect(edgeId('t', 'a', 'knows', 'b', 'f1')).not.toBe(edgeId('t', 'a', 'knows', 'b'));
  });

  it('names rels, notes, tags and inverses', () => {
    expect(relName('relatedTo')).toBe('related_to');
    expect(relName('Part of ')).toBe('part_of');
    expect(noteLabel('people/Sarah Chen.md')).toBe('Sarah Chen');
    expect(noteLabel('report.pdf')).toBe('report.pdf');
    expect(tagLabel('##q4')).toBe('#q4');
    expect(inverseRel('sent_by')).toBe('inv-sent_by');
    expect(inverseRel('inv-sent_by')).toBe('sent_by');
  });

  it('makes authored_by person links once per author, and knows each link\'s origin', () => {
    expect(authorLinks(['Ann Lee', ' ann  lee ', null, 'Bo'])).toEqual([
      { target: 'Ann Lee', rel: 'authored_by', targetType: 'person' },
      { target: 'Bo', rel: 'authored_by', targetType: 'person' },
    ]);
    expect(linkOrigin({ target: 'x', rel: 'sent_to' })).toBe('email');
    expect(linkOrigin({ target: 'x', rel: 'owner', properties: { field: 'owner' } })).toBe('frontmatter');
    expect(linkOrigin({ target: 'x', rel: 'links_to' })).toBe('markdown');
  });
});
