import { describe, expect, it } from 'vitest';
import { reducePackTask, rowStatus, startTask, taskPercent } from './packTask';

describe('pack task', () => {
  it('folds manifest, bytes, verifying, verified/skipped and ready events', () => {
    let t = startTask('u', 'download');
    t = reducePackTask(t, { type: 'manifest', packId: 'p', name: 'P', files: [{ file: 'a', bytes: 60 }, { file: 'b', bytes: 40 }], totalBytes: 100 });
    expect(t).toMatchObject({ phase: 'starting', files: 2, totalBytes: 100 });
    t = reducePackTask(t, { type: 'skipped', file: 'a' });
    t = reducePackTask(t, {
      type: 'bytes', file: 'b', fileBytes: 40, fileDone: 20, resumedFrom: 10, fileBytesPerSec: 5, totalBytes: 100, totalDone: 80, totalBytesPerSec: 7,
    });
    expect(t).toMatchObject({ phase: 'transfer', file: 'b', resumedFrom: 10, bytesPerSec: 7, fileBytesPerSec: 5, verified: 1 });
    expect(taskPercent(t)).toBe(80);
    t = reducePackTask(t, { type: 'verifying', file: 'b' });
    expect(t.phase).toBe('verifying');
    t = reducePackTask(t, { type: 'verified', file: 'b' });
    expect(t.verified).toBe(2);
    expect(taskPercent(startTask('x', 'import'))).toBe(0);
  });

  it('row status: a running task first, then the stored status, else not downloaded', () => {
    const t = startTask('u', 'download');
    expect(rowStatus(null, null)).toBe('not-downloaded');
    expect(rowStatus({ status: 'partial' }, null)).toBe('partial');
    expect(rowStatus({ status: 'corrupt' }, t)).toBe('downloading');
    expect(rowStatus(null, { ...t, phase: 'verifying' })).toBe('verifying');
  });
});
