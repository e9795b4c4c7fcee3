import type { AppDeps } from '../../gateway/context.ts';
import type { KeyService } from '../../vault/keys.ts';
import type { TimeSeriesStore } from '../timeseries/store.ts';

/** Wires the live wearable API connectors (filled in below). */
export function wireWearableApis(_deps: AppDeps, _keys: KeyService, _store: TimeSeriesStore): void {}
