/** Small number and duration formatting for readable daily texts (en, no locale surprises). */

export function fmt(v: number, digits = 1): string {
  const fixed = v.toFixed(digits);
  const [int, frac] = fixed.split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac && Number(frac) !== 0 ? `${grouped}.${frac.replace(/0+$/, '')}` : grouped;
}

export function fmtMinutes(min: number): string {
  const total = Math.round(min);
  const h = Math.floor(total / 60);
  const m = total % 60;
  return h ? (m ? `${h} h ${m} min` : `${h} h`) : `${m} min`;
}

export function listSources(names: Iterable<string>): string {
  return [...new Set(names)].sort().join(', ');
}

/** "Running" from HKWorkoutActivityTypeRunning; "Traditional strength training" from its camel case. */
export function humanize(identifier: string, prefix: string): string {
  const raw = identifier.startsWith(prefix) ? identifier.slice(prefix.length) : identifier;
  const words = raw.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
