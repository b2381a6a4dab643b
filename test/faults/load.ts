import { randomUUID } from 'node:crypto';
import type { EventData, EventType } from '@ketenhub/events';
import { exampleData, makeEvent } from '@ketenhub/events/testing';

/** One HTTP answer the gateway gave (or a connection error), with when it was asked and answered. */
export interface Answer {
  eventId: string;
  /** HTTP status, or 0 for a network error / timeout (no answer). */
  status: number;
  sentAt: number;
  answeredAt: number;
}

export interface SentEvent {
  id: string;
  caseId: string;
  type: EventType;
  /** Position of this event in its case's sequence as the client sent it (0 = the opening). */
  index: number;
  firstSentAt: number;
  acceptedAt?: number;
  attempts: number;
  /** Distinct statuses seen for this event, in order. */
  statuses: number[];
}

/** Types the gemeente's system publishes in the stream; the subscriber consumes `toewijzing`. */
export const publishedTypes = [
  'nl.ketens.ketenzaak-geopend',
  'nl.ketens.deelnemer-aangesloten',
  'nl.wmo.melding-ontvangen',
  'nl.wmo.toewijzing-verzonden',
] as const satisfies readonly EventType[];
export const subscribedType: EventType = 'nl.wmo.toewijzing-verzonden';

const retryable = (status: number) => status === 0 || status === 429 || status >= 500;

/**
 * A case system posting a steady stream of valid events through the gateway, as a well-behaved
 * client does: per chain case one event at a time (the next only after the previous got 202, so
 * the case's order is the client's order), every refused or unanswered attempt sent again with
 * the same id and content (503 + Retry-After, connection refused while the gateway is down, a
 * timeout). Several workers run cases side by side; together they aim at `ratePerS` events.
 */
export class LoadGenerator {
  readonly events = new Map<string, SentEvent>();
  readonly answers: Answer[] = [];
  private stopping = false;
  private workers: Promise<void>[] = [];
  private toewijzingNummer = 400_000_000;

  constructor(
    private readonly options: {
      gatewayUrl: string;
      token: string;
      source: string;
      workers: number;
      ratePerS: number;
      eventsPerCase: () => number;
      /** Gives up on an event after this long (the run's end); counted as never accepted. */
      giveUpAfterMs: number;
    },
  ) {}

  start(): void {
    for (let w = 0; w < this.options.workers; w++) this.workers.push(this.worker());
  }

  /** Starts no new event; waits for the ones in flight to be accepted (or given up). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.workers);
  }

  /** Events first sent at or before `t` that still wait for their 202. */
  pendingSince(t: number): number {
    let n = 0;
    for (const e of this.events.values()) if (e.acceptedAt === undefined && e.firstSentAt <= t) n++;
    return n;
  }

  accepted(): SentEvent[] {
    return [...this.events.values()].filter((e) => e.acceptedAt !== undefined);
  }

  private async worker(): Promise<void> {
    const interval = (this.options.workers * 1000) / this.options.ratePerS;
    while (!this.stopping) {
      const caseId = randomUUID();
      const k = this.options.eventsPerCase();
      const types: EventType[] = [
        'nl.ketens.ketenzaak-geopend',
        'nl.wmo.melding-ontvangen',
        'nl.ketens.deelnemer-aangesloten',
        ...Array.from({ length: k }, () => subscribedType),
      ];
      for (let index = 0; index < types.length && !this.stopping; index++) {
        const started = Date.now();
        const ok = await this.send(caseId, types[index] as EventType, index);
        // A case whose event was given up stops there (the next would be out of order).
        if (!ok) break;
        const wait = interval - (Date.now() - started);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  private build(caseId: string, type: EventType, id: string) {
    const data = structuredClone(exampleData[type]) as EventData<EventType>;
    if (type === subscribedType) {
      const d = data as EventData<'nl.wmo.toewijzing-verzonden'>;
      d.toewijzing.toewijzingNummer = this.toewijzingNummer++;
    }
    return makeEvent(type, data, {
      subject: caseId,
      id,
      source: this.options.source,
      as: 'gemeente',
      time: new Date().toISOString(),
    });
  }

  /** Posts one event until it is accepted; false when given up. */
  private async send(caseId: string, type: EventType, index: number): Promise<boolean> {
    const id = randomUUID();
    const body = JSON.stringify(this.build(caseId, type, id));
    const sent: SentEvent = { id, caseId, type, index, firstSentAt: Date.now(), attempts: 0, statuses: [] };
    this.events.set(id, sent);
    const giveUpAt = sent.firstSentAt + this.options.giveUpAfterMs;
    for (;;) {
      const sentAt = Date.now();
      let status = 0;
      let retryAfterS = 0;
      try {
        const res = await fetch(`${this.options.gatewayUrl}/events`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${this.options.token}`,
            'content-type': 'application/cloudevents+json',
          },
          body,
          signal: AbortSignal.timeout(20_000),
        });
        status = res.status;
        retryAfterS = Number(res.headers.get('retry-after') ?? 0);
        await res.arrayBuffer();
      } catch {
        status = 0;
      }
      const answeredAt = Date.now();
      sent.attempts++;
      this.answers.push({ eventId: id, status, sentAt, answeredAt });
      if (sent.statuses.at(-1) !== status) sent.statuses.push(status);
      if (status >= 200 && status < 300) {
        sent.acceptedAt = answeredAt;
        return true;
      }
      if (answeredAt > giveUpAt) return false;
      // Not retryable by the book (a 4xx for a valid event is a finding, recorded in statuses);
      // still sent again: a gateway that has just started may not know the system yet.
      const delay = retryable(status) ? Math.min(1_000, Math.max(200, retryAfterS * 1000)) : 1_000;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
