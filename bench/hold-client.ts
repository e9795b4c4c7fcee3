/**
 * The hold bench's probe, in a process of its own (as a monitoring check and a person chatting
 * would be), so a stalled gateway cannot also stall the clock that measures it. Until its stdin
 * closes it asks `GET /health` every 20 ms and starts a chat every 500 ms (time to first token),
 * one of each at a time, then prints the times as JSON on its last line.
 * Env: GATEWAY_URL, TOKEN (a user with AI-shared notes), QUESTIONS (JSON array).
 */
import { createParser } from 'eventsource-parser';

const { GATEWAY_URL, TOKEN } = process.env;
const questions = JSON.parse(process.env.QUESTIONS ?? '["how is my glucose?"]') as string[];
let running = true;
process.stdin.on('end', () => (running = false));
process.stdin.resume();
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function healthLoop(out: number[]) {
  while (running) {
    const t0 = performance.now();
    const res = await fetch(`${GATEWAY_URL}/health`);
    await res.text();
    if (res.ok) out.push(performance.now() - t0);
    await pause(20);
  }
}

async function firstToken(message: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${GATEWAY_URL}/api/chat`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ message }) });
  if (!res.ok) throw new Error(`the chat answered ${res.status}`);
  let first = -1;
  const parser = createParser({ onEvent: (e) => { if (e.event === 'token' && first < 0) first = performance.now() - t0; } });
  const dec = new TextDecoder();
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(dec.decode(value, { stream: true }));
  }
  if (first < 0) throw new Error('the answer had no token');
  return first;
}

async function chatLoop(out: number[]) {
  for (let i = 0; running; i++) {
    out.push(await firstToken(questions[i % questions.length]));
    await pause(500);
  }
}

const health: number[] = [];
const ttft: number[] = [];
await Promise.all([healthLoop(health), chatLoop(ttft)]);
console.log(JSON.stringify({ health, ttft }));
