/**
 * The benchmark's webhook receiver, in its own process so its CPU is not the dispatcher's: answers
 * `/ok/*` with 204, `/fail/*` with 500, and never answers `/hang/*` (the dispatcher times out).
 * Counts what it got per path prefix; the parent asks with a message. 127.0.0.1 only.
 */
import { createServer } from 'node:http';

const counts = { ok: 0, fail: 0, hang: 0 };
/** Requests answered 2xx per path. */
const byPath: Record<string, number> = {};
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const url = req.url ?? '';
    if (req.method === 'OPTIONS') {
      res.writeHead(200, { 'webhook-allowed-origin': '*' }).end();
    } else if (url.startsWith('/fail/')) {
      counts.fail++;
      res.writeHead(500).end('failing on purpose');
    } else if (url.startsWith('/hang/')) {
      counts.hang++;
      // Never answered; the dispatcher's timeout ends it.
    } else {
      counts.ok++;
      byPath[url] = (byPath[url] ?? 0) + 1;
      res.writeHead(204).end();
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('message', (m: { type: string }) => {
  if (m.type === 'counts') process.send?.({ counts, byPath });
  if (m.type === 'stop') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
