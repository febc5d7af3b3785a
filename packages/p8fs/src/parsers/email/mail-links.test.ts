import { describe, expect, it } from 'vitest';
import { mailLinks } from './mail-document.js';

describe('mailLinks', () => {
  it('names the sender and To/Cc recipients as people, by display name else address', () => {
    const links = mailLinks({
      from: [{ name: 'Sarah  Chen', address: 'sarah@example.com' }],
      to: [{ name: '', address: 'bob@example.com' }, { name: 'Sarah Chen', address: 'sarah@example.com' }],
      cc: [{ name: 'Dana', address: '' }, { name: 'BOB@example.com', address: '' }],
      bcc: [{ name: 'Hidden', address: 'h@example.com' }],
      date: null,
      subject: null,
    });
    expect(links).toEqual([
      { target: 'Sarah Chen', rel: 'sent_by', targetType: 'person', properties: { role: 'from', email: 'sarah@example.com' } },
      { target: 'bob@example.com', rel: 'sent_to', targetType: 'person', properties: { role: 'to', email: 'bob@example.com' } },
      { target: 'Sarah Chen', rel: 'sent_to', targetType: 'person', properties: { role: 'to', email: 'sarah@example.com' } },
      { target: 'Dana', rel: 'sent_to', targetType: 'person', properties: { role: 'cc' } },
    ]);
  });
});
