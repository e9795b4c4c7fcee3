/**
 * The chat bench's client for time to first token, run in a process of its own (as a browser or a
 * chat app would be) so its own work does not share the gateway's thread. It alternates a chat
 * through the gateway and the very request the gateway sent the model server, sent to that server
 * directly, and prints the times to first token as JSON on its last line.
 * Env: GATEWAY_URL, MODEL_URL, TOKEN, QUESTIONS (JSON array), ROUNDS.
 */
import { createParser } from 'eventsource-parser';

const { GATEWAY_URL, MODEL_URL, TOKEN } = process.env;
const questions = JSON.parse(process.env.QUESTIONS ?? '[]') as string[];
const rounds = Number(process.env.ROUNDS ?? 120);

async function firstToken(url: string, init: RequestInit, sse: boolean): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let first = -1;
  let buf = '';
  const parser = createParser({ onEvent: (e) => { if (e.event === 'token' && first < 0) first = performance.now() - t0; } });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const text = dec.decode(value, { stream: true });
    if (sse) parser.feed(text);
    else if (first < 0) {
      buf += text;
      if (buf.split('\n').some((l) => l.includes('"content":"') && !l.includes('"content":""'))) first = performance.now() - t0;
    }
  }
  if (first < 0) throw new Error(`${url}: the answer had no token`);
  return first;
}

const gateway: number[] = [];
const direct: number[] = [];
for (let i = 0; i < rounds; i++) {
  const message = questions[i % questions.length];
  gateway.push(await firstToken(`${GATEWAY_URL}/api/chat`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ message }) }, true));
  const seen = (await (await fetch(`${MODEL_URL}/__test/requests`)).json()) as { requests: { kind: string; body: unknown }[] };
  const sent = seen.requests.filter((r) => r.kind === 'chat').at(-1)?.body;
  if (!sent) throw new Error('the gateway sent no chat request to the model server');
  await fetch(`${MODEL_URL}/__test/requests`, { method: 'DELETE' });
  direct.push(await firstToken(`${MODEL_URL}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sent) }, false));
}
console.log(JSON.stringify({ gateway, direct }));
