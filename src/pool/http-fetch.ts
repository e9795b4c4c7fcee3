import http from 'node:http';
import https from 'node:https';

/**
 * A `fetch` for the Ollama client built on node:http with kept-alive connections. Node 20's
 * global fetch (undici behind WHATWG streams) spends ~0.6 ms more than node:http before a chat
 * stream's first chunk and ~0.2 ms more per embedding call; both are on every question's path.
 *
 * It covers what the `ollama` client uses: string or URL input, a string or byte body, plain
 * headers, abort signals, and a streamed Response body (backpressure: the socket pauses while the
 * reader is behind). Failures look like fetch's: a TypeError whose cause is the socket error, or
 * the abort reason once a signal fires.
 */
const agents = {
  'http:': new http.Agent({ keepAlive: true, scheduling: 'lifo' }),
  'https:': new https.Agent({ keepAlive: true, scheduling: 'lifo' }),
};

export interface HttpFetchInit extends RequestInit {
  /** More signals that abort the request (the call's own besides the client's). */
  signals?: (AbortSignal | null | undefined)[];
}

export function httpFetch(input: string | URL | Request, init: HttpFetchInit = {}): Promise<Response> {
  if (typeof Request !== 'undefined' && input instanceof Request) return Promise.reject(new TypeError('httpFetch takes a URL, not a Request'));
  const url = new URL(String(input));
  const agent = agents[url.protocol as keyof typeof agents];
  if (!agent) return Promise.reject(new TypeError(`httpFetch cannot fetch ${url.protocol} URLs`));
  const body = init.body ?? null;
  if (body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) return Promise.reject(new TypeError('httpFetch sends only a string or bytes'));
  const signals = [init.signal, ...(init.signals ?? [])].filter((s): s is AbortSignal => !!s);
  const fired = signals.find((s) => s.aborted);
  if (fired) return Promise.reject(abortReason(fired));

  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((v, k) => (headers[k] = v));
  if (body !== null) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);

  return new Promise<Response>((resolve, reject) => {
    let failBody: ((e: unknown) => void) | undefined;
    let settled = false;
    const onAbort = (ev: Event) => {
      const reason = abortReason(ev.target as AbortSignal);
      cleanup();
      req.destroy();
      if (!settled) {
        settled = true;
        reject(reason);
      } else failBody?.(reason);
    };
    const cleanup = () => {
      for (const s of signals) s.removeEventListener('abort', onAbort);
    };
    for (const s of signals) s.addEventListener('abort', onAbort, { once: true });

    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, { method: init.method ?? 'GET', headers, agent }, (res) => {
      settled = true;
      const status = res.statusCode ?? 0;
      const resHeaders = new Headers();
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) resHeaders.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
      if (status === 204 || status === 304 || init.method === 'HEAD') {
        cleanup();
        res.resume();
        resolve(new Response(null, { status, statusText: res.statusMessage, headers: resHeaders }));
        return;
      }
      let done = false;
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          failBody = (e) => {
            if (done) return;
            done = true;
            cleanup();
            res.destroy();
            controller.error(e);
          };
          res.on('data', (chunk: Buffer) => {
            if (done) return;
            controller.enqueue(chunk);
            if ((controller.desiredSize ?? 1) <= 0) res.pause();
          });
          res.on('end', () => {
            if (done) return;
            done = true;
            cleanup();
            controller.close();
          });
          // A connection that ends before the response did (the server died): fetch's "terminated".
          res.on('close', () => {
            if (!res.complete) failBody?.(new TypeError('terminated', { cause: new Error('the connection closed before the response ended') }));
          });
          res.on('error', (e) => failBody?.(new TypeError('terminated', { cause: e })));
        },
        pull() {
          res.resume();
        },
        cancel() {
          done = true;
          cleanup();
          res.destroy();
        },
      });
      resolve(new Response(stream, { status, statusText: res.statusMessage, headers: resHeaders }));
    });
    req.on('error', (e) => {
      cleanup();
      if (!settled) {
        settled = true;
        reject(new TypeError('fetch failed', { cause: e }));
      }
    });
    req.end(body ?? undefined);
  });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
