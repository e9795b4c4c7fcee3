/**
 * Sets `key` as the newest entry of a Map used as a bounded cache, then drops the oldest entries
 * (a Map iterates in insertion order) until at most `max` remain.
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value!);
}
