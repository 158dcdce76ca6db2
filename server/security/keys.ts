import { hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The installation's master secret: SECRET_KEY when configured, otherwise generated on
 * first start and kept in DATA_DIR/secret.key (mode 0600). Losing it signs every visitor
 * out, so it lives beside the data it protects.
 */
export function loadOrCreateSecretKey(dataDir: string, configured: string | undefined): Buffer {
  if (configured) return Buffer.from(configured, 'utf8');
  const file = join(dataDir, 'secret.key');
  if (existsSync(file)) {
    const hex = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${file} is corrupt: expected 64 hex characters. Restore it from a backup or delete it (every visitor will be signed out).`);
    return Buffer.from(hex, 'hex');
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  // 'wx' fails if another process created it meanwhile; then use theirs.
  try {
    writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateSecretKey(dataDir, configured);
    throw err;
  }
  return key;
}

/** One independent key per purpose, so a key leaked from one use cannot forge another. */
export function deriveKey(master: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `parley:${purpose}`, 32));
}
