import type { Sample } from '../timeseries/sample.ts';
import type { ApiClient } from './api-client.ts';

/** The OAuth 2 application of a provider, from configuration (`<PROVIDER>_CLIENT_ID/SECRET`). */
export interface OAuthApp {
  authorizeUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret?: string;
  scopes: string[];
  /** Some providers issue single-use refresh tokens: the new one is persisted before any use. */
  rotatesRefreshTokens: boolean;
}

/**
 * A live wearable API on the framework: OAuth (authorization code + PKCE), rate-limited JSON
 * reads through `ApiClient`, and a mapping of one date window to normalized samples.
 */
export interface WearableProvider {
  id: string;
  name: string;
  oauth: OAuthApp;
  /** Base URL of the data API (paths in fetchWindow are relative to it). */
  apiBase: string;
  /** Days of history fetched on the first sync. */
  initialDays: number;
  /** Days re-read before the last synced day on each sync (late-arriving data). */
  overlapDays: number;
  /** Largest window fetched at once, in days. */
  windowDays: number;
  /** Samples of the inclusive local-date window [from, to]. */
  fetchWindow(api: ApiClient, from: string, to: string): Promise<Sample[]>;
}
