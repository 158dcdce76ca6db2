// How the IMAP reader cuts a backlog into fetch batches: by count and by bytes, since two
// batches are in memory at once (one stored while the next is fetched).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fetchBatches } from '../../server/channels/email/imap';

const MB = 1024 * 1024;
const mails = (...sizes: number[]) => sizes.map((size, i) => ({ uid: i + 1, size }));
const uids = (batches: Array<Array<{ uid: number }>>) => batches.map((b) => b.map((m) => m.uid));

describe('fetchBatches', () => {
  it('cuts small mail every 25 emails, in order', () => {
    const batches = fetchBatches(mails(...Array<number>(60).fill(2_000)), 25 * MB);
    assert.deepEqual(batches.map((b) => b.length), [25, 25, 10]);
    assert.deepEqual(batches.flat().map((m) => m.uid), Array.from({ length: 60 }, (_, i) => i + 1));
  });

  it('cuts before a batch would pass 16 MiB of sources; an email larger than that goes alone', () => {
    assert.deepEqual(uids(fetchBatches(mails(6 * MB, 6 * MB, 6 * MB, 1_000), 25 * MB)), [[1, 2], [3, 4]]);
    assert.deepEqual(uids(fetchBatches(mails(1_000, 20 * MB, 1_000), 25 * MB)), [[1], [2], [3]]);
  });

  it('an email over the size limit counts nothing: only its header is fetched', () => {
    assert.deepEqual(uids(fetchBatches(mails(10 * MB, 40 * MB, 40 * MB, 5 * MB), 25 * MB)), [[1, 2, 3, 4]]);
  });

  it('nothing to fetch, no batch', () => {
    assert.deepEqual(fetchBatches([], 25 * MB), []);
  });
});
