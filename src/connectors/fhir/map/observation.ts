import { arr, choiceValue, conceptText, displayDate, hasCode, isObj, quantity, timingStart, type Json } from './datatypes.ts';

const LOINC = 'http://loinc.org';
const SYSTOLIC = '8480-6';
const DIASTOLIC = '8462-4';

function componentFor(obs: Json, code: string): Json | undefined {
  return arr(obs.component).find((c): c is Json => isObj(c) && hasCode(c.code, code)) as Json | undefined;
}

function numberOf(c: Json | undefined): { value: string; unit?: string } | undefined {
  const q = c && isObj(c.valueQuantity) ? c.valueQuantity : undefined;
  const text = quantity(q);
  if (!q || !text || q.comparator) return undefined;
  const [value, ...unit] = text.split(' ');
  return { value, unit: unit.join(' ') || undefined };
}

/** Why a value is missing ("not asked", "unknown"), from dataAbsentReason. */
function absent(el: Json): string | undefined {
  const why = conceptText(el.dataAbsentReason);
  return why ? `no value (${why.toLowerCase()})` : undefined;
}

/** "Blood pressure 128/82 mmHg" when systolic and diastolic components are both present. */
function bloodPressure(obs: Json): string | undefined {
  const sys = numberOf(componentFor(obs, SYSTOLIC));
  const dia = numberOf(componentFor(obs, DIASTOLIC));
  if (!sys || !dia) return undefined;
  // Blood pressure is read in whole mmHg; generated data carries long fractions.
  const whole = (v: string) => (/\./.test(v) && !Number.isNaN(Number(v)) ? String(Math.round(Number(v))) : v);
  return `Blood pressure ${whole(sys.value)}/${whole(dia.value)} ${sys.unit ?? dia.unit ?? 'mmHg'}`.trim();
}

/** An Observation's one-line summary (without the date) and any extra lines for the text. */
export function observationSummary(obs: Json): { head: string; lines: string[] } {
  const name = conceptText(obs.code) ?? 'Observation';
  const lines: string[] = [];
  const bp = hasCode(obs.code, '85354-9', LOINC) || hasCode(obs.code, '55284-4', LOINC) || componentFor(obs, SYSTOLIC) ? bloodPressure(obs) : undefined;
  const components: string[] = [];
  for (const c of arr(obs.component)) {
    if (!isObj(c)) continue;
    const cname = conceptText(c.code) ?? 'component';
    const v = choiceValue(c, 'value') ?? absent(c);
    if (v) components.push(`${cname}: ${v}`);
  }
  let head: string;
  if (bp) head = bp;
  else {
    const value = choiceValue(obs, 'value') ?? absent(obs);
    if (value) head = `${name} ${value}`;
    else if (components.length) head = `${name}: ${components.join('; ')}`;
    else head = name;
  }
  if (bp && components.length) lines.push(`Components: ${components.join('; ')}`);
  const interpretation = arr(obs.interpretation).map(conceptText).filter(Boolean);
  if (interpretation.length) lines.push(`Interpretation: ${interpretation.join(', ')}`);
  for (const rr of arr(obs.referenceRange)) {
    if (!isObj(rr)) continue;
    const text = typeof rr.text === 'string' ? rr.text : [choiceValue({ valueQuantity: rr.low }, 'value'), choiceValue({ valueQuantity: rr.high }, 'value')].every(Boolean)
      ? `${choiceValue({ valueQuantity: rr.low }, 'value')} to ${choiceValue({ valueQuantity: rr.high }, 'value')}`
      : undefined;
    if (text) lines.push(`Reference range: ${text}`);
  }
  for (const n of arr(obs.note)) if (isObj(n) && typeof n.text === 'string') lines.push(`Note: ${n.text}`);
  const when = displayDate(obs.effectiveDateTime ?? obs.effectivePeriod ?? obs.effectiveInstant ?? timingStart(obs.effectiveTiming) ?? obs.issued);
  if (!when) lines.push('Date not recorded');
  return { head, lines };
}
