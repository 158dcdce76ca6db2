// Attachment bytes in GridFS, in the same MongoDB as the data: every node of a cluster
// can serve every attachment, with no shared filesystem.
import { createReadStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import mongoose from 'mongoose';
import type { BlobStore } from '../../core/ports';
import type { MongoStore } from './index';

export class GridFsBlobStore implements BlobStore {
  private readonly bucket: mongoose.mongo.GridFSBucket;

  constructor(store: MongoStore) {
    const db = store.connection.db;
    if (!db) throw new Error('GridFsBlobStore: the MongoDB connection is not open');
    this.bucket = new mongoose.mongo.GridFSBucket(db, { bucketName: 'attachments' });
  }

  async putFile(id: string, path: string): Promise<void> {
    await this.write(id, createReadStream(path));
    await unlink(path);
  }

  async put(id: string, data: Buffer): Promise<void> {
    await this.write(id, Readable.from([data]));
  }

  async open(id: string): Promise<NodeJS.ReadableStream | null> {
    const found = await this.bucket.find({ _id: id as never }, { limit: 1 }).toArray();
    if (found.length === 0) return null;
    return this.bucket.openDownloadStream(id as never);
  }

  async delete(id: string): Promise<void> {
    try {
      await this.bucket.delete(id as never);
    } catch (err) {
      if (!/FileNotFound|not found/i.test((err as Error).message)) throw err;
    }
  }

  /** A retried upload of the same id replaces a half-written one instead of failing. */
  private async write(id: string, source: NodeJS.ReadableStream): Promise<void> {
    await this.delete(id);
    await pipeline(source, this.bucket.openUploadStreamWithId(id as never, id));
  }
}
