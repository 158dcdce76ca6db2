// Chooses the store from the configuration: MongoDB when MONGODB_URI is set, otherwise
// the embedded SQLite file in DATA_DIR. The blob store follows: GridFS beside MongoDB
// (every node serves every attachment), files in DATA_DIR beside SQLite.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config';
import type { BlobStore, Store } from '../core/ports';
import { FsBlobStore } from './blobs';
import { openMongoStore, type MongoStore } from './mongo';
import { GridFsBlobStore } from './mongo/blobs';
import { openSqliteStore } from './sqlite';

export async function openStore(config: Pick<Config, 'DATA_DIR' | 'MONGODB_URI'>): Promise<Store> {
  if (config.MONGODB_URI) return openMongoStore(config.MONGODB_URI);
  const dir = resolve(config.DATA_DIR);
  mkdirSync(dir, { recursive: true });
  return openSqliteStore(join(dir, 'parley.db'));
}

export function openBlobs(config: Pick<Config, 'DATA_DIR'>, store: Store): BlobStore {
  if (store.kind === 'mongo') return new GridFsBlobStore(store as MongoStore);
  return new FsBlobStore(join(resolve(config.DATA_DIR), 'files'));
}
