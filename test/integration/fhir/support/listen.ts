import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** A real HTTP server on 127.0.0.1 with an ephemeral port, its handler settable after the port is known. */
export async function listenLoopback(): Promise<{ server: Server; url: string; setHandler(h: (req: IncomingMessage, res: ServerResponse) => void): void; close(): Promise<void> }> {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    setHandler: (h) => (handler = h),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
