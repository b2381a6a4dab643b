import { verifyWebhook } from '@ketenhub/client';
import { type Delivery, type WebhookReceiver as SharedReceiver, webhookReceiver } from '../support/webhooks';

/** What a consumer took in of one event, in arrival order. */
export interface Received {
  eventId: string;
  source: string;
  caseId: string;
  at: number;
}

/**
 * A subscriber's webhook endpoint (the shared receiver: it consents in the CloudEvents handshake)
 * that verifies every delivery's Standard Webhooks signature and takes each webhook-id once (a
 * repeat under the same id is a redelivery the dispatcher is allowed to make, dropped here as the
 * onboarding guide tells receivers to). Answers 204, or 401 to a bad signature.
 */
export class WebhookReceiver {
  /** First delivery of each webhook-id, in arrival order. */
  readonly received: Received[] = [];
  readonly webhookIds = new Set<string>();
  redeliveries = 0;
  badSignatures = 0;
  secret = '';
  private endpoint: SharedReceiver | undefined;
  url = '';

  async listen(): Promise<void> {
    this.endpoint = await webhookReceiver((delivery) => this.take(delivery));
    this.url = this.endpoint.url();
  }

  private take({ headers, body }: Delivery): number {
    const verified = verifyWebhook({ secret: this.secret, headers: headers as Record<string, string>, body });
    if (!verified.ok) {
      this.badSignatures++;
      return 401;
    }
    const webhookId = String(headers['webhook-id']);
    if (this.webhookIds.has(webhookId)) {
      this.redeliveries++;
    } else {
      this.webhookIds.add(webhookId);
      const event = JSON.parse(body) as { id: string; source: string; subject: string };
      this.received.push({ eventId: event.id, source: event.source, caseId: event.subject, at: Date.now() });
    }
    return 204;
  }

  async close(): Promise<void> {
    await this.endpoint?.close();
  }
}

interface FeedItem {
  volgnummer: number;
  positie: number;
  event: { id: string; source: string; subject: string };
}

/**
 * A system following the catch-up feed (docs/operations.md): long polls with its cursor, keeps
 * the cursor only after a page was taken in, and checks that `volgnummer` counts 1, 2, 3, … per
 * chain case. Errors (the projection down, PostgreSQL down) are waited out with the same cursor.
 */
export class FeedReader {
  readonly received: Received[] = [];
  readonly gaps: string[] = [];
  readonly repeats: string[] = [];
  errors = 0;
  pages = 0;
  private readonly lastVolgnummer = new Map<string, number>();
  private cursor: string | undefined;
  private stopping = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly url: () => string,
    private readonly systemId: string,
    private readonly token: string,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const params = new URLSearchParams({ limit: '500', wait: '2' });
      if (this.cursor) params.set('after', this.cursor);
      try {
        const res = await fetch(`${this.url()}/feeds/${this.systemId}/events?${params}`, {
          headers: { authorization: `Bearer ${this.token}` },
          signal: AbortSignal.timeout(15_000),
        });
        if (res.status !== 200) {
          await res.arrayBuffer();
          this.errors++;
          await new Promise((r) => setTimeout(r, 500));
          continue;
        }
        const page = (await res.json()) as { items: FeedItem[]; cursor: string; more: boolean };
        this.pages++;
        for (const item of page.items) this.take(item);
        this.cursor = page.cursor;
      } catch {
        this.errors++;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private take(item: FeedItem): void {
    const caseId = item.event.subject;
    const last = this.lastVolgnummer.get(caseId) ?? 0;
    if (item.volgnummer <= last) {
      this.repeats.push(`${caseId} volgnummer ${item.volgnummer} after ${last} (event ${item.event.id})`);
      return;
    }
    if (item.volgnummer !== last + 1) this.gaps.push(`${caseId}: volgnummer ${last} then ${item.volgnummer}`);
    this.lastVolgnummer.set(caseId, item.volgnummer);
    this.received.push({ eventId: item.event.id, source: item.event.source, caseId, at: Date.now() });
  }
}
