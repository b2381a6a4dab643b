import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { webhookHandshake } from '@ketenhub/client';

/** One request the receiver took in as a delivery (not a handshake). */
export interface Delivery {
  /** The request path, e.g. `/ketenhub` (a receiver may serve several subscribers by path). */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>` followed by `path` (default `/ketenhub`). */
  url(path?: string): string;
  /** Every delivery so far, in arrival order. */
  readonly deliveries: Delivery[];
  /** The headers of every CloudEvents handshake (the registry asks before it makes a subscription). */
  readonly handshakes: http.IncomingHttpHeaders[];
  close(): Promise<void>;
}

/**
 * A case system's webhook endpoint: consents in the CloudEvents webhook handshake, records every
 * other request as a delivery and answers it with what `answer` returns (default 204).
 */
export async function webhookReceiver(
  answer: (delivery: Delivery) => number = () => 204,
): Promise<WebhookReceiver> {
  const deliveries: Delivery[] = [];
  const handshakes: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const consent = webhookHandshake(req.method, req.headers);
      if (consent) {
        handshakes.push(req.headers);
        res.writeHead(200, consent).end();
        return;
      }
      const delivery = {
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      deliveries.push(delivery);
      res.writeHead(answer(delivery)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path = '/ketenhub') => `http://127.0.0.1:${port}${path}`,
    deliveries,
    handshakes,
    close: () =>
      new Promise<void>((resolve) => {
        // A dispatcher's keep-alive connection would hold close() open.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
