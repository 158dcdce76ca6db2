import { createReadStream, mkdirSync } from 'node:fs';
import { access, copyFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from '../core/ports';

/** Attachment bytes as files under DATA_DIR/files, named by attachment id. */
export class FsBlobStore implements BlobStore {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  async open(id: string): Promise<NodeJS.ReadableStream | null> {
    const file = this.path(id);
    try {
      await access(file);
    } catch {
      return null;
    }
    return createReadStream(file);
  }

  private path(id: string): string {
    if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new Error(`invalid blob id: ${id}`);
    return join(this.dir, id);
  }

  async put(id: string, data: Buffer): Promise<void> {
    await writeFile(this.path(id), data);
  }

  async putFile(id: string, source: string): Promise<void> {
    try {
      await rename(source, this.path(id));
    } catch (err) {
      // Across filesystems rename fails; copy then remove.
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      await copyFile(source, this.path(id));
      await unlink(source);
    }
  }

  async delete(id: string): Promise<void> {
    await rm(this.path(id), { force: true });
  }
}
