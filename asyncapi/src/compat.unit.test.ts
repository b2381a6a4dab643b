import { describe, expect, it } from 'vitest';
import { compareContract, compareSchemas, nextVersion } from './compat';
import type { JsonSchema } from './schemas';

const base: JsonSchema = {
  type: 'object',
  properties: {
    type: { type: 'string', const: 'nl.wmo.zorg-gestart' },
    data: {
      type: 'object',
      properties: {
        toewijzingNummer: { type: 'integer', minimum: 1, maximum: 999999999 },
        productcategorie: { type: 'string', pattern: '^\\d{2}$' },
        eenheid: { type: 'string', enum: ['uur', 'minuut'] },
        toelichting: { type: 'string', maxLength: 500 },
        regels: { type: 'array', items: { type: 'string' } },
      },
      required: ['toewijzingNummer', 'productcategorie'],
      additionalProperties: false,
    },
  },
  required: ['type', 'data'],
};

/** Copy of `base` with `data` changed by `patch`. */
function withData(
  patch: (data: JsonSchema & { properties: Record<string, JsonSchema>; required: string[] }) => void,
) {
  const copy = structuredClone(base);
  patch((copy.properties as Record<string, JsonSchema>).data as never);
  return copy;
}

function rules(after: JsonSchema): string[] {
  return compareSchemas(base, after, 'x.json').map((b) => `${b.path} ${b.rule}`);
}

describe('compareSchemas: compatible changes pass', () => {
  it.each<[string, JsonSchema]>([
    ['identical', structuredClone(base)],
    [
      'an optional field added',
      withData((d) => {
        d.properties.nieuw = { type: 'string' };
      }),
    ],
    [
      'an enum value added',
      withData((d) => {
        d.properties.eenheid!.enum = ['uur', 'minuut', 'dagdeel'];
      }),
    ],
    [
      'a required field made optional',
      withData((d) => {
        d.required = ['toewijzingNummer'];
      }),
    ],
    [
      'a bound relaxed',
      withData((d) => {
        d.properties.toelichting!.maxLength = 1000;
      }),
    ],
    [
      'integer widened to number',
      withData((d) => {
        d.properties.toewijzingNummer!.type = 'number';
      }),
    ],
    [
      'a description changed',
      withData((d) => {
        d.properties.toelichting!.description = 'uitleg';
      }),
    ],
  ])('%s', (_name, after) => {
    expect(rules(after)).toEqual([]);
  });
});

describe('compareSchemas: breaking changes fail', () => {
  it.each<[string, JsonSchema, string]>([
    [
      'a field removed',
      withData((d) => {
        delete d.properties.toelichting;
      }),
      'data.toelichting field-removed',
    ],
    [
      'a field renamed',
      withData((d) => {
        d.properties.categorie = d.properties.productcategorie!;
        delete d.properties.productcategorie;
        d.required = ['toewijzingNummer', 'categorie'];
      }),
      'data.productcategorie field-removed',
    ],
    [
      'a new required field',
      withData((d) => {
        d.properties.verplicht = { type: 'string' };
        d.required.push('verplicht');
      }),
      'data.verplicht required-added',
    ],
    [
      'an optional field made required',
      withData((d) => d.required.push('toelichting')),
      'data.toelichting required-added',
    ],
    [
      'a type changed',
      withData((d) => {
        d.properties.toewijzingNummer!.type = 'string';
      }),
      'data.toewijzingNummer type-tightened',
    ],
    [
      'number tightened to integer',
      withData((d) => {
        d.properties.toelichting!.type = 'integer';
      }),
      'data.toelichting type-tightened',
    ],
    [
      'an enum value removed',
      withData((d) => {
        d.properties.eenheid!.enum = ['uur'];
      }),
      'data.eenheid enum-value-removed',
    ],
    [
      'a maximum lowered',
      withData((d) => {
        d.properties.toewijzingNummer!.maximum = 99999;
      }),
      'data.toewijzingNummer type-tightened',
    ],
    [
      'a maxLength lowered',
      withData((d) => {
        d.properties.toelichting!.maxLength = 100;
      }),
      'data.toelichting type-tightened',
    ],
    [
      'a pattern changed',
      withData((d) => {
        d.properties.productcategorie!.pattern = '^0\\d$';
      }),
      'data.productcategorie type-tightened',
    ],
    [
      'an enum introduced',
      withData((d) => {
        d.properties.toelichting!.enum = ['a'];
      }),
      'data.toelichting type-tightened',
    ],
    [
      'array items tightened',
      withData((d) => {
        d.properties.regels!.items = { type: 'integer' };
      }),
      'data.regels[] type-tightened',
    ],
    [
      'a oneOf added',
      withData((d) => {
        d.oneOf = [{ required: ['a'] }, { required: ['b'] }];
      }),
      'data type-tightened',
    ],
  ])('%s', (_name, after, expected) => {
    expect(rules(after)).toContain(expected);
  });

  it('closing an open object is breaking', () => {
    const open = { type: 'object', properties: { a: { type: 'string' } } };
    const closed = { ...open, additionalProperties: false };
    expect(compareSchemas(open, closed).map((b) => b.rule)).toEqual(['type-tightened']);
  });
});

describe('compareContract', () => {
  it('a removed type is breaking, a new .v2 type is added', () => {
    const report = compareContract(
      { 'nl.wmo.zorg-gestart.json': base },
      {
        'nl.wmo.zorg-gestart.v2.json': withData((d) => {
          delete d.properties.toelichting;
        }),
      },
    );
    expect(report.breaking.map((b) => b.rule)).toEqual(['type-removed']);
    expect(report.added).toEqual(['nl.wmo.zorg-gestart.v2.json']);
  });
  it('publishing the change as .v2 while keeping the old type passes', () => {
    const report = compareContract(
      { 'nl.wmo.zorg-gestart.json': base },
      {
        'nl.wmo.zorg-gestart.json': structuredClone(base),
        'nl.wmo.zorg-gestart.v2.json': withData((d) => {
          delete d.properties.toelichting;
        }),
      },
    );
    expect(report.breaking).toEqual([]);
  });
  it('messages name the schema path', () => {
    const [b] = compareSchemas(
      base,
      withData((d) => {
        delete d.properties.toelichting;
      }),
      'x.json',
    );
    expect(b?.message).toBe('data.toelichting: field removed (or renamed)');
  });
  it('suggests the next version suffix', () => {
    expect(nextVersion('nl.wmo.zorg-gestart')).toBe('nl.wmo.zorg-gestart.v2');
    expect(nextVersion('nl.wmo.zorg-gestart.v2')).toBe('nl.wmo.zorg-gestart.v3');
  });
});
