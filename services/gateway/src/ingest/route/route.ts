import {
  type AccessContext,
  type AccessEvent,
  type AccessState,
  emptyAccess,
  judge,
  type Verdict,
} from '@ketenhub/access';
import type { KnownSystem } from '@ketenhub/directory';
import { type CaseDomain, definitionOf, type EventData } from '@ketenhub/events';
import type { ValidEvent } from '../check/checks';
import { type Refused, refused, violation } from '../outcome';

/** Where an accepted event goes: the topic of its case's domain. */
export interface Routing {
  ok: true;
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
 * check thread sends no parsed data back (check/check-pool.ts), and no list here has to know which types
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
  refused('invalid-event', 'no chain case with this id is open at the hub', [
    violation(
      'subject',
      'case-unknown',
      'must be the id of a chain case opened with nl.ketens.ketenzaak-geopend',
    ),
  ]);

const refusedByRule = (verdict: Extract<Verdict, { ok: false }>) =>
  refused('forbidden', verdict.melding, [violation(verdict.veld, verdict.regel, verdict.melding)]);

const roleNotRegistered = (fieldName: string, rol: string, roles: ReadonlySet<string>, whose: string) =>
  refused('forbidden', `${whose} did not register the role ${rol}`, [
    violation(
      fieldName,
      'registered-role',
      `the role ${rol} must be one of the roles ${whose} registered: ${[...roles].join(', ') || 'none'}`,
    ),
  ]);

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
): Routing | Refused {
  if (event.type === 'nl.ketens.ketenzaak-geopend') {
    const d = event.data as EventData<'nl.ketens.ketenzaak-geopend'>;
    if (!system.domains.has(d.domein)) {
      return refused('forbidden', `this system is not registered for domain ${d.domein}`, [
        violation('data.domein', 'registered-domain', `must be one of ${[...system.domains].join(', ')}`),
      ]);
    }
    if (state?.domein) {
      return refused('conflict', 'a chain case with this id is already open', [
        violation('subject', 'case-exists', 'a new chain case needs a new id'),
      ]);
    }
    const verdict = judge(state ?? unopened, event, ctx);
    if (!verdict.ok) return refusedByRule(verdict);
    if (!system.roles.has(d.rol)) return roleNotRegistered('data.rol', d.rol, system.roles, 'this system');
    return { ok: true, domain: d.domein };
  }

  if (!state?.domein) return unknownCase();
  const domain = definitionOf(event.type)?.domain;
  if (domain !== 'ketens' && domain !== state.domein) {
    return refused('invalid-event', `the chain case belongs to domain ${state.domein}, not ${domain}`, [
      violation('type', 'case-domain', `must be a type of domain ${state.domein} or nl.ketens`),
    ]);
  }
  const verdict = judge(state, event, ctx);
  if (!verdict.ok) return refusedByRule(verdict);

  if (event.type === 'nl.ketens.deelnemer-aangesloten') {
    const d = event.data as EventData<'nl.ketens.deelnemer-aangesloten'>;
    const joining = ctx.systemNamed(d.oin, d.systeem);
    if (!joining || joining.revoked) {
      return refused('forbidden', `no system ${d.systeem} of organisation ${d.oin} is registered`, [
        violation(
          'data.systeem',
          'unknown-system',
          `must name a system of organisation ${d.oin} that is registered at the hub and not revoked`,
        ),
      ]);
    }
    if (!joining.roles.has(d.rol))
      return roleNotRegistered('data.rol', d.rol, joining.roles, `system ${d.systeem} of ${d.oin}`);
  } else if (event.type === 'nl.ketens.uitnodiging-aanvaard') {
    const d = event.data as EventData<'nl.ketens.uitnodiging-aanvaard'>;
    // judge accepted it, so the invitation exists and is this organisation's.
    const rol = state.uitnodigingen[d.uitnodigingId]?.rol;
    if (rol && !system.roles.has(rol)) return roleNotRegistered('source', rol, system.roles, 'this system');
  }
  return { ok: true, domain: state.domein };
}
