import { hash } from 'node:crypto';
import {
  type AccessContext,
  type AccessEvent,
  type AccessState,
  emptyAccess,
  judge,
  type Verdict,
} from '@ketenhub/access';
import type { KnownSystem } from '@ketenhub/directory';
import {
  type CaseDomain,
  definitionOf,
  type EventData,
  kafkaHeadersOf,
  MAX_EVENT_BYTES,
  type Violation,
  validateEvent,
} from '@ketenhub/events';
import type { OutgoingRecord } from '@ketenhub/kafka';
import { AppError } from '@ketenhub/service';
import { receivedKey } from './received.table';

/**
 * An event that passed the checks that need no database: source, type, contract, size. Only what
 * routing and the Kafka record need is kept (not the parsed event), so it can be built in a check
 * thread and sent over cheaply (see check-pool.ts).
 */
export interface ValidEvent {
  id: string;
  source: string;
  type: string;
  /** The chain case id (the record key). */
  subject: string;
  traceparent: string | undefined;
  /** The record value (serialized event) and its hash, computed once. */
  value: Buffer;
  hash: string;
  /** {@link receivedKey}(source, id): the idempotency key. */
  key: string;
}

/** Who is checking: the parts of a system the pure checks read. */
export type Checker = Pick<KnownSystem, 'source' | 'publishes'>;

const violation = (field: string, rule: string, message: string): Violation => ({
  field,
  rule,
  message: `${field}: ${message}`,
});

const field = (raw: unknown, name: string): unknown =>
  typeof raw === 'object' && raw !== null && !Array.isArray(raw)
    ? (raw as Record<string, unknown>)[name]
    : undefined;

/**
 * Checks 2 to 5 of the issue, in its order (authentication was done per request): the source is the
 * caller's own (403), the type is one it registered (403), the event fits the contract (422), and it
 * is at most 64 KB serialized (413). Pure: no I/O, so a batch is checked without waiting.
 */
export function checkEvent(system: Checker, raw: unknown): ValidEvent | AppError {
  const source = field(raw, 'source');
  if (source !== system.source) {
    return new AppError('forbidden', `source must be this system's own: ${system.source}`, {
      violations: [
        violation('source', 'own-source', `must be ${system.source}, the source registered for this token`),
      ],
    });
  }
  const type = field(raw, 'type');
  if (typeof type !== 'string' || !system.publishes.has(type)) {
    return new AppError('forbidden', `type ${String(type)} is not registered for this system to publish`, {
      violations: [
        violation(
          'type',
          'registered-type',
          `must be one of the types this system registered: ${[...system.publishes].join(', ')}`,
        ),
      ],
    });
  }
  // Size has its own status (413) and is checked after, on the bytes that go to Kafka.
  const result = validateEvent(raw, { checkSize: false });
  if (!result.ok) {
    return new AppError('invalid-event', 'the event does not fit the contract', {
      violations: result.violations,
    });
  }
  const event = result.event;
  const value = Buffer.from(JSON.stringify(event), 'utf8');
  if (value.length > MAX_EVENT_BYTES) return tooLarge(value.length);
  return {
    id: event.id,
    source: event.source,
    type: event.type,
    subject: event.subject,
    traceparent: event.traceparent,
    value,
    // One-shot hash (Node >= 20.12): no Hash object per event, which showed up in the ingest profile.
    hash: hash('sha256', value, 'hex'),
    key: receivedKey(event.source, event.id),
  };
}

/** An event refused by {@link checkEvent}, with its id when it had one. */
export interface Refusal {
  id: string | undefined;
  error: AppError;
}

/** Per event of a request: valid, or refused with the reason. */
export type Checked = ValidEvent | Refusal;

export const isRefusal = (checked: Checked): checked is Refusal => 'error' in checked;

const idOf = (raw: unknown) => {
  const id = field(raw, 'id');
  return typeof id === 'string' ? id : undefined;
};

/** {@link checkEvent} for every event of a request. */
export function checkEvents(system: Checker, raws: readonly unknown[]): Checked[] {
  return raws.map((raw) => {
    const checked = checkEvent(system, raw);
    return checked instanceof AppError ? { id: idOf(raw), error: checked } : checked;
  });
}

function tooLarge(size?: number) {
  return new AppError(
    'payload-too-large',
    `an event may be at most ${MAX_EVENT_BYTES} bytes; send large content by dataref`,
    {
      violations: [
        violation(
          '(event)',
          'max-size',
          `at most ${MAX_EVENT_BYTES} bytes serialized${size ? ` (is ${size})` : ''}`,
        ),
      ],
    },
  );
}

/** Where an accepted event goes: the topic of its case's domain. */
export interface Routing {
  domain: CaseDomain;
}

/** What {@link routeEvent} needs besides the event and its case. */
export interface RouteContext extends AccessContext {
  /** A system registered at the hub, by OIN and name (revoked ones included), if any. */
  systemNamed(oin: string, name: string): KnownSystem | undefined;
}

/**
 * The event as the access rule reads it. Type, source and id are at hand; `time` and `data` are
 * parsed from the record value only when the rule reads them: it does for participation,
 * actieverzoek and advice events, not for the domain events that are most of the traffic. So a
 * check thread sends no parsed data back (check-pool.ts), and no list here has to know which types
 * the rule reads data of.
 */
class RuleEvent {
  private parsed: { time: string; data: unknown } | undefined;

  constructor(
    readonly type: string,
    readonly source: string,
    readonly id: string,
    private readonly value: Buffer,
  ) {}

  get time(): string {
    return this.read().time;
  }

  get data(): unknown {
    return this.read().data;
  }

  private read() {
    this.parsed ??= JSON.parse(this.value.toString('utf8')) as { time: string; data: unknown };
    return this.parsed;
  }
}

export function ruleEventOf(valid: ValidEvent): AccessEvent {
  return new RuleEvent(valid.type, valid.source, valid.id, valid.value) as unknown as AccessEvent;
}

/** The state of a case nobody opened: what an opening is judged against. */
const unopened: AccessState = Object.freeze(emptyAccess()) as AccessState;

const unknownCase = () =>
  new AppError('invalid-event', 'no chain case with this id is open at the hub', {
    violations: [
      violation(
        'subject',
        'case-unknown',
        'must be the id of a chain case opened with nl.ketens.ketenzaak-geopend',
      ),
    ],
  });

const refusedByRule = (verdict: Extract<Verdict, { ok: false }>) =>
  new AppError('forbidden', verdict.melding, {
    violations: [violation(verdict.veld, verdict.regel, verdict.melding)],
  });

const roleNotRegistered = (fieldName: string, rol: string, roles: ReadonlySet<string>, whose: string) =>
  new AppError('forbidden', `${whose} did not register the role ${rol}`, {
    violations: [
      violation(
        fieldName,
        'registered-role',
        `the role ${rol} must be one of the roles ${whose} registered: ${[...roles].join(', ') || 'none'}`,
      ),
    ],
  });

/**
 * Check 7: may this system publish this event on its chain case, and where does it go. `state` is
 * the case's access state just before the event in log order (undefined: nobody opened the case).
 *
 * In this order: an opening names a domain the system registered and a case not open yet (409);
 * every other event needs an open case (422 `case-unknown`) of its own domain (422 `case-domain`);
 * then the hub's one access rule decides (`judge` of @ketenhub/access: 403 naming its rule); last,
 * what only the hub's registry knows: the role a system takes in a case is one it registered
 * (`registered-role`), and an organisation is added with a system registered at the hub
 * (`unknown-system`). Pure: the case is looked up by the caller.
 */
export function routeEvent(
  system: KnownSystem,
  event: AccessEvent,
  state: AccessState | undefined,
  ctx: RouteContext,
): Routing | AppError {
  if (event.type === 'nl.ketens.ketenzaak-geopend') {
    const d = event.data as EventData<'nl.ketens.ketenzaak-geopend'>;
    if (!system.domains.has(d.domein)) {
      return new AppError('forbidden', `this system is not registered for domain ${d.domein}`, {
        violations: [
          violation('data.domein', 'registered-domain', `must be one of ${[...system.domains].join(', ')}`),
        ],
      });
    }
    if (state?.domein) {
      return new AppError('conflict', 'a chain case with this id is already open', {
        violations: [violation('subject', 'case-exists', 'a new chain case needs a new id')],
      });
    }
    const verdict = judge(state ?? unopened, event, ctx);
    if (!verdict.ok) return refusedByRule(verdict);
    if (!system.roles.has(d.rol)) return roleNotRegistered('data.rol', d.rol, system.roles, 'this system');
    return { domain: d.domein };
  }

  if (!state?.domein) return unknownCase();
  const domain = definitionOf(event.type)?.domain;
  if (domain !== 'ketens' && domain !== state.domein) {
    return new AppError('invalid-event', `the chain case belongs to domain ${state.domein}, not ${domain}`, {
      violations: [violation('type', 'case-domain', `must be a type of domain ${state.domein} or nl.ketens`)],
    });
  }
  const verdict = judge(state, event, ctx);
  if (!verdict.ok) return refusedByRule(verdict);

  if (event.type === 'nl.ketens.deelnemer-aangesloten') {
    const d = event.data as EventData<'nl.ketens.deelnemer-aangesloten'>;
    const joining = ctx.systemNamed(d.oin, d.systeem);
    if (!joining || joining.revoked) {
      return new AppError('forbidden', `no system ${d.systeem} of organisation ${d.oin} is registered`, {
        violations: [
          violation(
            'data.systeem',
            'unknown-system',
            `must name a system of organisation ${d.oin} that is registered at the hub and not revoked`,
          ),
        ],
      });
    }
    if (!joining.roles.has(d.rol))
      return roleNotRegistered('data.rol', d.rol, joining.roles, `system ${d.systeem} of ${d.oin}`);
  } else if (event.type === 'nl.ketens.uitnodiging-aanvaard') {
    const d = event.data as EventData<'nl.ketens.uitnodiging-aanvaard'>;
    // judge accepted it, so the invitation exists and is this organisation's.
    const rol = state.uitnodigingen[d.uitnodigingId]?.rol;
    if (rol && !system.roles.has(rol)) return roleNotRegistered('source', rol, system.roles, 'this system');
  }
  return { domain: state.domein };
}

/** Kafka record of an accepted event; `traceparent` from the event, else from the request. */
export function outgoingRecord(
  topic: string,
  valid: ValidEvent,
  traceparent: string | undefined,
): OutgoingRecord {
  const trace = valid.traceparent ?? traceparent;
  const headers: Record<string, string> = kafkaHeadersOf(valid);
  if (trace) headers.traceparent = trace;
  return { topic, key: valid.subject, value: valid.value, headers };
}
