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

  it('uses the jobs this tab started, then a lone connected wearable’s running sync', () => {
    const oura = { key: 'oura', kind: 'wearable', status: 'connected' };
    const withings = { key: 'withings', kind: 'wearable', status: 'not_connected' };
    expect(seedJobs([oura, withings], [job('w1', 'running', 'wearable.sync')], {})).toEqual({ oura: 'w1' });
    expect(seedJobs([oura, withings], [job('w1', 'running', 'wearable.sync'), job('w2', 'running', 'wearable.sync')], { oura: 'w2' })).toEqual({ oura: 'w2' });
    // Two connected wearables: a job nobody here started cannot be attributed.
    const both = [oura, { ...withings, status: 'connected' }];
    expect(seedJobs(both, [job('w1', 'running', 'wearable.sync')], {})).toEqual({});
    expect(seedJobs(both, [job('w1', 'running', 'wearable.sync')], { withings: 'w1' })).toEqual({ withings: 'w1' });
    expect(seedJobs([oura], [job('w1', 'failed', 'wearable.sync')], { oura: 'w1' })).toEqual({});
  });
});
