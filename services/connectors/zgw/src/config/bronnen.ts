import { createClient, type KetenhubClient } from '@ketenhub/client';
import { createZgwClient, type ZgwClient } from '../zgw/client';
import { type Bron, type ConnectorConfig, hubSource } from './config';

/** A configured source with its clients: its ZGW APIs and its hub system at the gateway. */
export interface BronRuntime {
  config: Bron;
  zgw: ZgwClient;
  hub: KetenhubClient;
}

export interface BronnenOptions {
  gatewayUrl: string;
  fetchTimeoutMs: number;
  /** Reads a CA file named in the configuration (the composition root passes fs). */
  readFile: (path: string) => string;
  /** The gateway client's own retries; the relay retries later itself, so few. */
  publishAttempts?: number;
}

export function createBronnen(config: ConnectorConfig, options: BronnenOptions): Map<string, BronRuntime> {
  const bronnen = new Map<string, BronRuntime>();
  for (const bron of config.bronnen) {
    const { zaken, catalogi, besluiten, documenten } = bron.zgw;
    bronnen.set(bron.id, {
      config: bron,
      zgw: createZgwClient({
        apis: { zaken, catalogi, ...(besluiten ? { besluiten } : {}), ...(documenten ? { documenten } : {}) },
        credentials: {
          clientId: bron.zgw.clientId,
          secret: bron.zgw.secret,
          userId: bron.zgw.userId,
          userRepresentation: bron.zgw.userRepresentation,
        },
        ...(bron.zgw.caFile ? { ca: options.readFile(bron.zgw.caFile) } : {}),
        timeoutMs: options.fetchTimeoutMs,
      }),
      hub: createClient({
        baseUrl: options.gatewayUrl,
        token: bron.hub.token,
        source: hubSource(bron),
        retry: { maxAttempts: options.publishAttempts ?? 2, maxDelayMs: 2_000 },
      }),
    });
  }
  return bronnen;
}
