import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../server/config';
import { deriveKey, loadOrCreateSecretKey } from '../../server/security/keys';

describe('config', () => {
  it('has working defaults with an empty environment', () => {
    const cfg = loadConfig({});
    assert.equal(cfg.PORT, 3000);
    assert.equal(cfg.DATA_DIR, './data');
    assert.equal(cfg.PUBLIC_URL, 'http://localhost:3000');
    assert.equal(cfg.SECRET_KEY, undefined);
  });

  it('reads the environment and coerces numbers; trims a trailing slash of PUBLIC_URL', () => {
    const cfg = loadConfig({ PORT: '8080', PUBLIC_URL: 'https://chat.example.com/', MAX_UPLOAD_MB: '5' });
    assert.equal(cfg.PORT, 8080);
    assert.equal(cfg.MAX_UPLOAD_MB, 5);
    assert.equal(cfg.PUBLIC_URL, 'https://chat.example.com');
  });

  it('a *_FILE secret wins over the variable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-cfg-'));
    const file = join(dir, 'key');
    writeFileSync(file, 'k'.repeat(40) + '\n');
    assert.equal(loadConfig({ SECRET_KEY: 'x'.repeat(40), SECRET_KEY_FILE: file }).SECRET_KEY, 'k'.repeat(40));
  });

  it('reports every invalid value in one error, by name', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', SECRET_KEY: 'short' }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems.length, 3);
      assert.match(err.message, /PORT/);
      assert.match(err.message, /LOG_LEVEL/);
      assert.match(err.message, /SECRET_KEY must be at least 32 characters/);
      return true;
    });
  });

  it('an unreadable *_FILE is a config error naming the file', () => {
    assert.throws(() => loadConfig({ SECRET_KEY_FILE: '/nonexistent/key' }), /SECRET_KEY_FILE: cannot read \/nonexistent\/key/);
  });
});

describe('secret key', () => {
  it('is generated once and kept in the data directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-key-'));
    const first = loadOrCreateSecretKey(dir, undefined);
    assert.equal(first.length, 32);
    assert.deepEqual(loadOrCreateSecretKey(dir, undefined), first);
  });

  it('derived keys differ per purpose', () => {
    const master = Buffer.alloc(32, 1);
    assert.notDeepEqual(deriveKey(master, 'a'), deriveKey(master, 'b'));
    assert.deepEqual(deriveKey(master, 'a'), deriveKey(master, 'a'));
  });

  it('a corrupt key file is an error, not a silent new key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-key-'));
    writeFileSync(join(dir, 'secret.key'), 'oops');
    assert.throws(() => loadOrCreateSecretKey(dir, undefined), /corrupt/);
  });
});

describe('cluster settings', () => {
  it('accepts MongoDB and Redis URLs, also from files', () => {
    const cfg = loadConfig({ MONGODB_URI: 'mongodb://db:27017/parley', REDIS_URL: 'redis://cache:6379' });
    assert.equal(cfg.MONGODB_URI, 'mongodb://db:27017/parley');
    assert.equal(cfg.REDIS_URL, 'redis://cache:6379');
  });
  it('names a malformed URL', () => {
    assert.throws(() => loadConfig({ MONGODB_URI: 'postgres://x' }), /MONGODB_URI must start with mongodb:\/\//);
    assert.throws(() => loadConfig({ REDIS_URL: 'localhost:6379' }), /REDIS_URL must start with redis:\/\//);
  });
});
