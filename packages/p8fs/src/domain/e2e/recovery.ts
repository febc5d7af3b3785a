import { x25519 } from '@noble/curves/ed25519.js';
import { generateMnemonic, mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { AppError } from '../errors.js';
import { b64u, derive, label } from './bytes.js';
import type { X25519KeyPair } from './envelopes.js';

// The recovery key (decision 0018): a 24-word BIP39 phrase (English wordlist, 256 bits of entropy and
// a checksum), shown once when the vault is created. Its BIP39 seed (PBKDF2-HMAC-SHA512, 2048 rounds)
// goes through HKDF-SHA256 bound to the tenant into an X25519 key pair. Devices wrap every epoch's
// key to the public half, so the phrase alone restores the vault on a new device; nobody stores the
// private half.

/** A new recovery phrase: 24 words. */
export const newRecoveryPhrase = (): string => generateMnemonic(wordlist, 256);

/** The phrase in canonical form (lower case, single spaces), or validation_failed saying what is wrong. */
export function checkRecoveryPhrase(typed: string): string {
  const words = typed.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length !== 24) throw new AppError('validation_failed', `a recovery phrase has 24 words; this one has ${words.length}`);
  const unknown = words.findIndex((w) => !wordlist.includes(w));
  if (unknown >= 0) throw new AppError('validation_failed', `word ${unknown + 1} ("${words[unknown]}") is not in the recovery word list`);
  const phrase = words.join(' ');
  if (!validateMnemonic(phrase, wordlist)) throw new AppError('validation_failed', 'the recovery phrase does not check out (a word is wrong or out of place)');
  return phrase;
}

/** The recovery key pair of a vault, from its phrase. */
export function recoveryKeyPair(phrase: string, tenantId: string): X25519KeyPair {
  const seed = mnemonicToSeedSync(checkRecoveryPhrase(phrase));
  const secret = derive(seed, label('p8fs-e2e-recovery-x25519-v1', tenantId));
  return { publicKey: b64u(x25519.getPublicKey(secret)), privateKey: b64u(secret) };
}
