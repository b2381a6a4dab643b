import { fasen } from '@ketenhub/case-model';
import { caseDomains, participantRoles } from '@ketenhub/events';

const problem = { $ref: '#/components/responses/Problem' };
const auth = [{ caseWorker: [] }];
const caseId = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', format: 'uuid' },
  description: 'Chain case id (ketenzaak)',
};
const errors = { '400': problem, '401': problem, '404': problem, '500': problem };

/** OpenAPI 3.1 description of the projection's read API (served at GET /openapi.json). */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Ketenhub projection: joined chain cases',
    version: '0.1.0',
    description:
      'One joined chain case per citizen matter, built from the events of every participant. Access: an organisation sees only cases it takes part in (others answer 404), fields filtered by role and access level. Every read is written to the processing log (Logboek Dataverwerkingen) before it is answered.',
    license: { name: 'EUPL-1.2', identifier: 'EUPL-1.2' },
  },
  servers: [{ url: 'http://127.0.0.1:8081' }],
  security: auth,
  paths: {
    '/cases': {
      get: {
        operationId: 'listCases',
        summary: 'Chain cases your organisation takes part in',
        parameters: [
          { name: 'domein', in: 'query', schema: { type: 'string', enum: caseDomains } },
          { name: 'fase', in: 'query', schema: { type: 'string', enum: fasen } },
          {
            name: 'overdue',
            in: 'query',
            schema: { type: 'string', enum: ['true', 'false'] },
            description: 'A running legal clock passed its deadline (Europe/Amsterdam)',
          },
          {
            name: 'rol',
            in: 'query',
            schema: { type: 'string', enum: participantRoles },
            description: "Your organisation's role in the case (must be in your token)",
          },
          {
            name: 'zaakreferentie',
            in: 'query',
            schema: { type: 'string', maxLength: 100 },
            description: 'A participant’s local case number',
          },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 25 } },
          {
            name: 'after',
            in: 'query',
            schema: { type: 'string', format: 'uuid' },
            description: '`next` of the previous page',
          },
        ],
        responses: {
          '200': {
            description: 'A page of case summaries',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['items', 'next'],
                  properties: {
                    items: { type: 'array', items: { $ref: '#/components/schemas/CaseSummary' } },
                    next: { type: ['string', 'null'] },
                  },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    '/cases/{id}': {
      get: {
        operationId: 'getCase',
        summary: 'The joined chain case as your role may see it',
        parameters: [caseId],
        responses: {
          '200': {
            description: 'Joined case',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Case' } } },
          },
          ...errors,
        },
      },
    },
    '/feeds/{systemId}/events': {
      get: {
        operationId: 'getFeed',
        summary:
          'Catch-up feed for a system (system token): its permitted events in log order per chain case, as webhooks would bring them, with a resumable cursor',
        security: [{ systemToken: [] }],
        parameters: [
          { name: 'systemId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
          {
            name: 'after',
            in: 'query',
            description: 'The cursor of the previous page (absent: from the start of the log)',
            schema: { type: 'string' },
          },
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
          {
            name: 'types',
            in: 'query',
            description: 'Comma-separated event types (a subset of what the system consumes)',
            schema: { type: 'string' },
          },
          {
            name: 'wait',
            in: 'query',
            description: 'Seconds to wait for a new event when there is none (long poll)',
            schema: { type: 'integer', minimum: 0, maximum: 30, default: 0 },
          },
        ],
        responses: {
          '200': {
            description: 'A page of the feed',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    items: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: {
                          volgnummer: {
                            type: 'integer',
                            description:
                              'Consecutive per chain case over what this reader receives (with this type filter): a gap shows',
                          },
                          positie: { type: 'integer', description: 'Position in the case log' },
                          rollen: { type: 'array', items: { type: 'string' } },
                          event: {
                            type: 'object',
                            description: 'The CloudEvent (redacted: with `redactie`)',
                          },
                        },
                      },
                    },
                    cursor: { type: 'string', description: 'Send as `after` to continue' },
                    more: { type: 'boolean' },
                  },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    '/cases/{id}/events': {
      get: {
        operationId: 'getCaseTimeline',
        summary:
          'The timeline in log order: every event of the case you may see, with its position, source organisation, time and conflict flag',
        parameters: [
          caseId,
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
          { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
        ],
        responses: {
          '200': {
            description: 'Timeline page',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    items: { type: 'array', items: { $ref: '#/components/schemas/TimelineEntry' } },
                    next: { type: ['integer', 'null'] },
                  },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    '/cases/{id}/stream': {
      get: {
        operationId: 'streamCase',
        summary: 'Server-sent events: the current case, then every committed change (`event: case`)',
        parameters: [caseId],
        responses: {
          '200': {
            description: 'text/event-stream',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...errors,
        },
      },
    },
    '/cases/stream': {
      get: {
        operationId: 'streamCases',
        summary: 'Server-sent events for every case your organisation takes part in',
        responses: {
          '200': {
            description: 'text/event-stream',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...errors,
        },
      },
    },
    '/admin/processing-log': {
      get: {
        operationId: 'processingLog',
        summary: 'Operators: the processing log of one case (Logboek Dataverwerkingen)',
        security: [{ admin: [] }],
        parameters: [
          { name: 'case', in: 'query', required: true, schema: { type: 'string', format: 'uuid' } },
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        ],
        responses: { '200': { description: 'Log entries, newest first' }, ...errors },
      },
    },
  },
  components: {
    securitySchemes: {
      caseWorker: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'Case-worker token with sub, oin, roles and exp claims, from an issuer bound to that OIN',
      },
      admin: { type: 'http', scheme: 'bearer', description: 'KETENHUB_ADMIN_TOKEN' },
      systemToken: { type: 'http', scheme: 'bearer', description: 'A system token from the registry' },
    },
    responses: {
      Problem: {
        description: 'RFC 9457 problem details; `errors` names each field and rule',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      },
    },
    schemas: {
      Problem: {
        type: 'object',
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          instance: { type: 'string' },
          errors: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                field: { type: 'string' },
                rule: { type: 'string' },
                message: { type: 'string' },
              },
            },
          },
        },
      },
      CaseSummary: {
        type: 'object',
        properties: {
          id: { type: 'string', format: 'uuid' },
          domein: { type: ['string', 'null'], enum: [...caseDomains, null] },
          procedure: { type: ['string', 'null'] },
          fase: { type: 'string', enum: fasen },
          geopendOp: { type: ['string', 'null'], format: 'date-time' },
          geslotenOp: { type: ['string', 'null'], format: 'date-time' },
          volgendeDeadline: { type: ['string', 'null'], format: 'date' },
          overdue: { type: 'boolean' },
          jouwRollen: { type: 'array', items: { type: 'string' } },
        },
      },
      Clock: {
        type: 'object',
        description:
          'A legal clock on `peildatum`: deadline after suspensions, the single extension and the Algemene termijnenwet',
        properties: {
          soort: { type: 'string' },
          grondslag: { type: 'string', description: 'Source article' },
          start: { type: 'string', format: 'date' },
          deadline: { type: ['string', 'null'], format: 'date' },
          dagenOver: { type: ['integer', 'null'] },
          opgeschorteDagen: { type: 'integer' },
          opgeschorteDagenTotNu: { type: 'integer' },
          dagtelling: { type: 'string', const: 'awb-4:15-dag-na-verzoek-tot-ontvangstdag' },
          verlengd: { type: 'boolean' },
          verlopen: { type: 'boolean', description: 'Running and past its deadline' },
          status: { type: 'string', enum: ['loopt', 'opgeschort', 'gestopt'] },
          atwVerschoven: { type: ['object', 'null'] },
        },
      },
      Case: {
        type: 'object',
        description: 'The joined case; sections absent for roles that may not see them',
        properties: {
          id: { type: 'string', format: 'uuid' },
          domein: { type: ['string', 'null'] },
          procedure: { type: ['string', 'null'] },
          fase: { type: 'string', enum: fasen },
          overdue: { type: 'boolean' },
          peildatum: { type: 'string', format: 'date' },
          jouwRollen: { type: 'array', items: { type: 'string' } },
          jouwToegang: { type: 'string', enum: ['beperkt', 'volledig'] },
          eigenaar: { type: 'boolean', description: 'Your organisation grants participation in this case' },
          opener: {
            type: ['object', 'null'],
            description: 'The organisation that opened the case (oin, rol)',
          },
          deelnemers: {
            type: 'array',
            description: 'Organisations taking part now (docs/access.md)',
            items: {
              type: 'object',
              properties: {
                oin: { type: 'string' },
                naam: { type: 'string' },
                rol: { type: 'string' },
                toegang: { type: 'string', enum: ['beperkt', 'volledig'] },
                systeem: { type: 'string' },
                zaakreferentie: { type: 'string' },
                sinds: { type: 'string', format: 'date-time' },
                via: { type: 'string', enum: ['geopend', 'toegevoegd', 'uitnodiging'] },
              },
            },
          },
          uitnodigingen: {
            type: 'array',
            description: 'Invitations, for the owners of participation only',
            items: { type: 'object' },
          },
          client: { type: 'object', description: 'BSN only for roles that need it' },
          klokken: { type: 'array', items: { $ref: '#/components/schemas/Clock' } },
          actieverzoeken: { type: 'array', items: { type: 'object' } },
          documenten: { type: 'array', items: { type: 'object' } },
          wmo: { type: 'object' },
          omgevingswet: { type: 'object' },
          conflicten: { type: 'array', items: { type: 'object' } },
        },
      },
      TimelineEntry: {
        type: 'object',
        properties: {
          positie: { type: 'integer', description: 'Position in the case log (1 = the first event)' },
          id: { type: 'string' },
          source: { type: 'string' },
          organisatie: { type: ['string', 'null'], description: 'OIN of the source organisation' },
          type: { type: 'string' },
          time: { type: 'string', format: 'date-time' },
          data: { type: 'object' },
          redactie: {
            type: 'string',
            description: 'Present when you see part of the event only (e.g. zorg-datums, zonder-bsn)',
          },
          conflict: {
            type: 'object',
            description:
              'Present when the event changed nothing: its publisher was not entitled, or the fact did not allow it',
          },
        },
      },
    },
  },
} as const;
