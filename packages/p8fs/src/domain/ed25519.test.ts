import { describe, expect, it } from 'vitest';
import {
  approvalMessage, fromBase64Url, generateEd25519KeyPair, isEd25519PublicKey, normalizeUserCode, publicKeyOf,
  registrationMessage, signEd25519, verifyEd25519,
} from './ed25519.js';

describe('ed25519', () => {
  const pair = generateEd25519KeyPair();

  it('generates raw 32-byte keys that sign and verify', () => {
    expect(fromBase64Url(pair.publicKey)?.length).toBe(32);
    expect(fromBase64Url(pair.privateKey)?.length).toBe(32);
    expect(publicKeyOf(pair.privateKey)).toBe(pair.publicKey);
    const sig = signEd25519(pair.privateKey, 'hello');
    expect(fromBase64Url(sig)?.length).toBe(64);
    expect(verifyEd25519(pair.publicKey, 'hello', sig)).toBe(true);
    expect(verifyEd25519(pair.publicKey, new TextEncoder().encode('hello'), sig)).toBe(true);
  });

  it('refuses another message, another key and a tampered signature', () => {
    const sig = signEd25519(pair.privateKey, 'hello');
    expect(verifyEd25519(pair.publicKey, 'hellp', sig)).toBe(false);
    expect(verifyEd25519(generateEd25519KeyPair().publicKey, 'hello', sig)).toBe(false);
    const bytes = fromBase64Url(sig)!;
    bytes[0] = bytes[0]! ^ 1;
    expect(verifyEd25519(pair.publicKey, 'hello', bytes.toString('base64url'))).toBe(false);
  });

  it('returns false, never throws, on malformed keys and signatures', () => {
    const sig = signEd25519(pair.privateKey, 'm');
    const junk = ['', 'x', '!!!!', `${pair.publicKey}=`, pair.publicKey.slice(1), 'A'.repeat(44), Buffer.alloc(32).toString('base64')];
    for (const k of junk) expect(verifyEd25519(k, 'm', sig)).toBe(false);
    for (const s of ['', 'abc', sig.slice(2), `${sig}AA`, '*'.repeat(86)]) expect(verifyEd25519(pair.publicKey, 'm', s)).toBe(false);
    expect(verifyEd25519(undefined as unknown as string, 'm', sig)).toBe(false);
    expect(isEd25519PublicKey(pair.publicKey)).toBe(true);
    expect(isEd25519PublicKey('A'.repeat(42))).toBe(false);
  });

  it('interoperates with standard Ed25519 (RFC 8032 test vector 1)', () => {
    const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex').toString('base64url');
    const pub = Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex').toString('base64url');
    const expected = Buffer.from(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
      'hex',
    ).toString('base64url');
    expect(publicKeyOf(seed)).toBe(pub);
    expect(signEd25519(seed, new Uint8Array())).toBe(expected);
    expect(verifyEd25519(pub, new Uint8Array(), expected)).toBe(true);
  });

  it('builds domain-separated canonical messages', () => {
    expect(registrationMessage('abc')).toBe('p8fs-register-v1:abc');
    expect(approvalMessage(' wdjb mjht ', 'n0nce', true)).toBe('p8fs-approval-v1:approve:WDJB-MJHT:n0nce');
    expect(approvalMessage('WDJB-MJHT', 'n0nce', false)).toBe('p8fs-approval-v1:deny:WDJB-MJHT:n0nce');
    expect(normalizeUserCode('wdjbmjht')).toBe('WDJB-MJHT');
    expect(normalizeUserCode('WDJB-MJHT')).toBe('WDJB-MJHT');
  });
});
