import { Kafka, type KafkaMessage } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import { makeEvent } from './testing';
import { fromKafkaRecord, readKafkaRecord, toKafkaRecord } from './wire';

describe('Kafka wire format', () => {
  const event = makeEvent('nl.wmo.toewijzing-verzonden', undefined, {
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  });

  it('keys by chain case id and carries the whole CloudEvent in structured mode', () => {
    const record = toKafkaRecord(event);
    expect(record.key).toBe(event.subject);
    expect(record.headers).toEqual({
      'content-type': 'application/cloudevents+json',
      ce_specversion: '1.0',
      ce_id: event.id,
      ce_source: event.source,
      ce_type: event.type,
    });
    expect(JSON.parse(record.value.toString('utf8'))).toEqual(event);
  });

  it('round-trips through fromKafkaRecord, with Buffer headers as kafkajs delivers them', () => {
    const record = toKafkaRecord(event);
    const headers = Object.fromEntries(Object.entries(record.headers).map(([k, v]) => [k, Buffer.from(v)]));
    const r = fromKafkaRecord({ key: Buffer.from(record.key), value: record.value, headers });
    expect(r).toEqual({ ok: true, event });
  });

  it('readKafkaRecord also gives the value as text, the same JSON as the validated event', () => {
    const record = toKafkaRecord(event);
    const r = readKafkaRecord({ key: record.key, value: record.value, headers: record.headers });
    if (!r.ok) throw new Error(JSON.stringify(r.violations));
    expect(r.text).toBe(record.value.toString('utf8'));
    expect(JSON.parse(r.text)).toEqual(r.event);
  });

  it('refuses a value over 64 KB by its bytes in the log, together with other violations', () => {
    const big = { ...event, tracestate: 'x'.repeat(70_000) };
    const value = Buffer.from(JSON.stringify(big));
    const r = fromKafkaRecord({ key: event.subject, value, headers: toKafkaRecord(event).headers });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.violations.map((v) => `${v.field}:${v.rule}`)).toEqual(
      expect.arrayContaining(['value:max-size', 'tracestate:max']),
    );
    const fits = readKafkaRecord({ key: event.subject, value: toKafkaRecord(event).value, headers: {} });
    expect(fits.ok).toBe(false); // no content-type header: not structured mode
  });

  it('is read by the official cloudevents SDK (Kafka.toEvent)', () => {
    const record = toKafkaRecord(event);
    // Headers as plain strings, the way a Kafka client hands them over after decoding.
    const message: KafkaMessage<string> = {
      key: record.key,
      value: record.value.toString('utf8'),
      headers: { ...record.headers },
      body: record.value.toString('utf8'),
    };
    const ce = Kafka.toEvent(message);
    const single = Array.isArray(ce) ? ce[0]! : ce;
    expect(single.id).toBe(event.id);
    expect(single.source).toBe(event.source);
    expect(single.type).toBe(event.type);
    expect(single.subject).toBe(event.subject);
    expect(single.specversion).toBe('1.0');
    expect(single.data).toEqual(event.data);
    expect(single.traceparent).toBe(event.traceparent);
    expect(new Date(single.time!).toISOString()).toBe(new Date(event.time).toISOString());
    expect(single.partitionkey).toBe(event.subject);
  });

  it('rejects binary mode, bad JSON, wrong key and mismatching headers', () => {
    const record = toKafkaRecord(event);
    const rules = (r: ReturnType<typeof fromKafkaRecord>) =>
      r.ok ? [] : r.violations.map((v) => `${v.field}/${v.rule}`);
    expect(
      rules(
        fromKafkaRecord({ ...record, headers: { ...record.headers, 'content-type': 'application/json' } }),
      ),
    ).toEqual(['headers.content-type/structured-mode']);
    expect(rules(fromKafkaRecord({ ...record, value: '{not json' }))).toEqual(['value/json']);
    expect(rules(fromKafkaRecord({ ...record, value: null }))).toEqual(['value/required']);
    expect(rules(fromKafkaRecord({ ...record, key: '999993653' }))).toEqual(['key/key-is-subject']);
    expect(
      rules(fromKafkaRecord({ ...record, headers: { ...record.headers, ce_type: 'nl.wmo.zorg-gestart' } })),
    ).toEqual(['headers.ce_type/header-matches']);
  });

  it('reports contract violations of the value', () => {
    const record = toKafkaRecord({ ...event, subject: '999993653' } as typeof event);
    const r = fromKafkaRecord(record);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.violations.map((v) => v.rule)).toContain('no-bsn');
  });
});
