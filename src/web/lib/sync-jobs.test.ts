import { describe, expect, it } from 'vitest';
import { seedJobs } from './sync-jobs.ts';
import type { Job } from './types.ts';

const job = (id: string, status: Job['status'], type = 'fhir.sync'): Job => ({ id, type, status });

describe('seedJobs', () => {
  it('follows a SMART connection’s lastSyncJobId only while that job runs', () => {
    const list = [
      { key: 'epic', kind: 'smart-on-fhir', status: 'connected', lastSyncJobId: 'j1' },
      { key: 'other', kind: 'smart-on-fhir', status: 'connected', lastSyncJobId: 'j2' },
    ];
    expect(seedJobs(list, [job('j1', 'running'), job('j2', 'succeeded')], {})).toEqual({ epic: 'j1' });
    expect(seedJobs(list, [job('j1', 'queued')], {})).toEqual({ epic: 'j1' });
  });

  it('follows each wearable’s own lastSyncJobId, even with several connected, and the jobs this tab started', () => {
    const oura = { key: 'oura', kind: 'wearable', status: 'connected', lastSyncJobId: 'w1' };
    const withings = { key: 'withings', kind: 'wearable', status: 'connected', lastSyncJobId: 'w2' };
    const running = [job('w1', 'running', 'wearable.sync'), job('w2', 'queued', 'wearable.sync')];
    expect(seedJobs([oura, withings], running, {})).toEqual({ oura: 'w1', withings: 'w2' });
    // A job this tab started before the listing knew of it.
    expect(seedJobs([{ ...oura, lastSyncJobId: null }], [job('w3', 'running', 'wearable.sync')], { oura: 'w3' })).toEqual({ oura: 'w3' });
    // Finished jobs are not followed; an unattributed running job is not guessed.
    expect(seedJobs([oura], [job('w1', 'failed', 'wearable.sync')], { oura: 'w1' })).toEqual({});
    expect(seedJobs([{ ...oura, lastSyncJobId: null }], [job('w9', 'running', 'wearable.sync')], {})).toEqual({});
  });
});
