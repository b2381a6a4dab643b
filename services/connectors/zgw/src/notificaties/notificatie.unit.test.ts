import { toViolations } from '@ketenhub/events';
import { notificatieSchema } from '@ketenhub/zgw-notificaties';
import { describe, expect, it } from 'vitest';
import { openNotificatiesTest, zaakResourceNotificatie } from '../testing/notificaties';

const zaak = {
  url: 'https://openzaak.voorbeeldstad.nl/zaken/api/v1/zaken/1b2c3d4e-aaaa-4bbb-8ccc-0d0e0f101112',
  bronorganisatie: '002220647',
  zaaktype:
    'https://openzaak.voorbeeldstad.nl/catalogi/api/v1/zaaktypen/4f1c0f0e-aaaa-4bbb-8ccc-0d0e0f101112',
  vertrouwelijkheidaanduiding: 'zaakvertrouwelijk',
};
const status = zaakResourceNotificatie(
  zaak,
  'status',
  'https://openzaak.voorbeeldstad.nl/zaken/api/v1/statussen/5e6f7a8b-aaaa-4bbb-8ccc-0d0e0f101112',
  'create',
  '2026-03-02T09:05:00.123456Z',
);

function violations(body: unknown) {
  const parsed = notificatieSchema.safeParse(body);
  return parsed.success ? [] : toViolations(parsed.error.issues, [], body).map((v) => `${v.field} ${v.rule}`);
}

describe('Notificaties API 1.0 body', () => {
  it('accepts what Open Zaak sends and the check Open Notificaties makes of a callbackUrl', () => {
    expect(violations(status)).toEqual([]);
    expect(violations(openNotificatiesTest)).toEqual([]);
    const { kenmerken: _k, ...withoutKenmerken } = status;
    expect(violations(withoutKenmerken)).toEqual([]);
  });

  it('names field and rule of what breaks the OpenAPI document', () => {
    const { kanaal: _kanaal, ...noKanaal } = status;
    expect(violations(noKanaal)).toEqual(['kanaal required']);
    expect(violations({ ...status, kanaal: 'k'.repeat(51) })).toEqual(['kanaal max']);
    expect(violations({ ...status, resource: 'r'.repeat(101) })).toEqual(['resource max']);
    expect(violations({ ...status, hoofdObject: 'zaak 42' })).toEqual(['hoofdObject url']);
    expect(violations({ ...status, aanmaakdatum: '2 maart 2026' })).toEqual(['aanmaakdatum datetime']);
    expect(violations({ ...status, aanmaakdatum: '2026-03-02T09:05:00' })).toEqual(['aanmaakdatum datetime']);
    expect(violations({ ...status, kenmerken: { zaaktype: 'x'.repeat(1001) } })).toEqual([
      'kenmerken.zaaktype max',
    ]);
    expect(violations({ ...status, kenmerken: { bronorganisatie: 2220647 } })).toEqual([
      'kenmerken.bronorganisatie type',
    ]);
    expect(violations({ ...status, extra: true })).toEqual(['extra unknown-field']);
  });
});
