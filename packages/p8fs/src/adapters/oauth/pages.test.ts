import { describe, expect, it } from 'vitest';
import { deviceVerificationPage } from './pages.js';

// The HTTP route normalizes codes (formatUserCode drops non-word characters) before rendering, so a
// hostile code only reaches the page raw through the provider's own verification hooks: the page
// must escape it on its own, in the code, the command and the QR code's link.
describe('device verification page', () => {
  it('escapes a hostile code wherever it appears', async () => {
    const html = await deviceVerificationPage('http://vault.test', '<script>alert("x")</script>');
    expect(html).not.toContain('<script');
    expect(html).toContain('&#60;script&#62;');
    // The link carries the code URL-encoded: no quote can close the href.
    expect(html).toContain('href="http://vault.test/oauth/approve?code=%3Cscript%3Ealert(%22x%22)%3C%2Fscript%3E"');
    expect(html).toContain('<svg');
  });

  it('shows no QR code without a code', async () => {
    const html = await deviceVerificationPage('http://vault.test', undefined);
    expect(html).not.toContain('<svg');
    expect(html).toContain('p8fs approve XXXX-XXXX');
  });
});
