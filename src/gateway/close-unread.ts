import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.ts';

/**
 * A response to a request whose body was not read to its end (a 413 before buffering, a 401
 * or 415 that never looks at the body) says `Connection: close`, so Node closes the socket
 * after it and the client opens a new one. Without it the response promised keep-alive while
 * the server (which drains at most a little of an unread body) dropped the socket, and the
 * client's next request on that socket failed with "socket hang up".
 * In-process requests (app.request, tests) have no socket and are left as they are.
 */
export function closeWhenBodyUnread(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    try {
      await next();
    } finally {
      const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
      const hasBody = incoming && (Number(incoming.headers['content-length'] ?? 0) > 0 || incoming.headers['transfer-encoding'] !== undefined);
      // An SSE or other streamed response is already under way; its body was read before it started.
      if (hasBody && !incoming.readableEnded && !c.res.headers.get('content-type')?.startsWith('text/event-stream')) {
        c.header('Connection', 'close');
      }
    }
  };
}
