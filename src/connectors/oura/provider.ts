import type { Config } from '../../config.ts';
import type { ApiClient } from '../wearable-api/api-client.ts';
import type { WearableProvider } from '../wearable-api/provider.ts';
import type { Sample } from '../timeseries/sample.ts';
import type { OuraPage } from './types.ts';
import { addDays } from '../wearable-api/sync.ts';
import { activitySamples, dailySleepSamples, heartRateSamples, readinessSamples, sleepPeriodSamples, spo2Samples } from './to-samples.ts';

/**
 * Oura API v2: daily activity, readiness, sleep (daily score and sleep periods with stages),
 * SpO2 and heart rate. Enabled by OURA_CLIENT_ID/OURA_CLIENT_SECRET. Oura's refresh tokens
 * are single use, so each refresh's new token is stored before it is used.
 */
export function ouraProvider(config: Config): WearableProvider | null {
  if (!config.OURA_CLIENT_ID) return null;
  const api = config.OURA_API_URL.replace(/\/+$/, '');
  return {
    id: 'oura',
    name: 'Oura',
    oauth: {
      authorizeUrl: config.OURA_AUTHORIZE_URL,
      tokenUrl: `${api}/oauth/token`,
      clientId: config.OURA_CLIENT_ID,
      clientSecret: config.OURA_CLIENT_SECRET,
      // Oura's scope names (cloud.ouraring.com/docs/authentication): SpO2 is `spo2Daily`, not `spo2`.
      scopes: ['daily', 'heartrate', 'spo2Daily', 'personal'],
      rotatesRefreshTokens: true,
    },
    apiBase: api,
    initialDays: 90,
    overlapDays: 2,
    windowDays: 30,
    async fetchWindow(client: ApiClient, from: string, to: string): Promise<Sample[]> {
      // Oura's end_date is exclusive for some collections: ask one day further and keep the window's days.
      const endExclusive = addDays(to, 1);
      const byDate = { start_date: from, end_date: endExclusive };
      const [activity, readiness, sleep, periods, spo2, hr] = await Promise.all([
        all(client, 'v2/usercollection/daily_activity', byDate),
        all(client, 'v2/usercollection/daily_readiness', byDate),
        all(client, 'v2/usercollection/daily_sleep', byDate),
        all(client, 'v2/usercollection/sleep', byDate),
        all(client, 'v2/usercollection/daily_spo2', byDate),
        heartRate(client, from, endExclusive),
      ]);
      const samples = [
        ...activitySamples(activity as never[]),
        ...readinessSamples(readiness as never[]),
        ...dailySleepSamples(sleep as never[]),
        ...sleepPeriodSamples(periods as never[]),
        ...spo2Samples(spo2 as never[]),
        ...heartRateSamples(hr as never[]),
      ];
      return samples.filter((s) => s.day >= from && s.day <= to);
    },
  };
}

/**
 * Heart rate is a datetime-range query; Oura refuses long ranges (clients keep each request to
 * 30 days at most), so the window is asked in spans of HEART_RATE_SPAN_DAYS whatever windowDays is.
 */
export const HEART_RATE_SPAN_DAYS = 30;

async function heartRate(client: ApiClient, from: string, endExclusive: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let start = from; start < endExclusive; ) {
    const end = addDays(start, HEART_RATE_SPAN_DAYS) < endExclusive ? addDays(start, HEART_RATE_SPAN_DAYS) : endExclusive;
    out.push(...(await all(client, 'v2/usercollection/heartrate', { start_datetime: `${start}T00:00:00+00:00`, end_datetime: `${end}T00:00:00+00:00` })));
    start = end;
  }
  return out;
}

/** Follows `next_token` to the end: stopping at the first page silently drops data. */
async function all(client: ApiClient, path: string, query: Record<string, string>): Promise<unknown[]> {
  const out: unknown[] = [];
  let next: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const r = await client.get<OuraPage<unknown>>(path, { ...query, next_token: next });
    out.push(...(r.data ?? []));
    if (!r.next_token) return out;
    next = r.next_token;
  }
  return out;
}
