import { concat, fromB64u, hash, label } from './bytes.js';

// Short codes a person compares on two screens (decision 0018). 80 bits: a server that learns a new
// device's key and wants to substitute its own would need a key whose code matches, a second preimage
// of 80 bits, which no operator can compute while an approval waits. (40 bits, 8 characters, can be
// ground out in hours on rented hardware once the real key is known.)

// Crockford's base32: no I, L, O or U, so nothing reads as another character.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Ten bytes as XXXX-XXXX-XXXX-XXXX. */
function format(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes.subarray(0, 10)) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return (out.match(/.{4}/g) as string[]).join('-');
}

/** The code of a device's X25519 public key: the approving device shows it, the new device too. */
export const deviceFingerprint = (x25519PublicKey: string): string =>
  format(hash(concat(label('p8fs-e2e-device-key-v1'), fromB64u(x25519PublicKey))));

/**
 * The code of a vault: of its first key epoch. Every device that holds the real vault shows the
 * same one; a device the server handed a vault key of its own making shows another.
 */
export const vaultFingerprint = (tenantId: string, epoch0Key: Uint8Array): string =>
  format(hash(concat(label('p8fs-e2e-vault-v1', tenantId), epoch0Key)));

/** A code as typed (any case, with or without dashes, O for 0, I or L for 1) in its canonical form, or null. */
export function normalizeFingerprint(typed: string): string | null {
  const s = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (!/^[0-9A-HJKMNP-TV-Z]{16}$/.test(s)) return null;
  return (s.match(/.{4}/g) as string[]).join('-');
}
