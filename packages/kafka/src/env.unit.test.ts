import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { checkKafkaSecurityEnv, KafkaEnvError, kafkaSecurityEnv, kafkaSettingsFromEnv } from './env';

const parse = (vars: Record<string, string>) => kafkaSettingsFromEnv(kafkaSecurityEnv.parse(vars));

describe('kafkaSecurityEnv and kafkaSettingsFromEnv', () => {
  test('nothing set: plain Kafka, broker defaults (what npm start uses)', () => {
    expect(parse({})).toEqual({});
    // Empty values, as an env file or `${X:-}` in compose leaves them, are unset.
    expect(parse({ KAFKA_SASL_MECHANISM: '', KAFKA_TLS_CA_FILE: '', KAFKA_REPLICATION_FACTOR: '' })).toEqual(
      {},
    );
  });

  test('SCRAM over TLS with a CA file, replication for the cluster', () => {
    expect(
      parse({
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'gateway',
        KAFKA_SASL_PASSWORD: 'secret',
        KAFKA_TLS_CA_FILE: '/etc/kafka/ca.crt',
        KAFKA_REPLICATION_FACTOR: '3',
        KAFKA_MIN_INSYNC_REPLICAS: '2',
      }),
    ).toEqual({
      sasl: { mechanism: 'scram-sha-512', username: 'gateway', password: 'secret' },
      tls: { caFile: '/etc/kafka/ca.crt' },
      replicationFactor: 3,
      minInsyncReplicas: 2,
    });
    expect(parse({ KAFKA_TLS: 'true' })).toEqual({ tls: true });
    expect(parse({ KAFKA_TLS_SERVERNAME: 'kafka.example.nl' })).toEqual({
      tls: { servername: 'kafka.example.nl' },
    });
  });

  test('the password from a file (a container secret), without its trailing newline', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kh-env-'));
    try {
      await writeFile(join(dir, 'pw'), 's3cret\n');
      expect(
        parse({
          KAFKA_SASL_MECHANISM: 'scram-sha-256',
          KAFKA_SASL_USERNAME: 'registry',
          KAFKA_SASL_PASSWORD_FILE: join(dir, 'pw'),
        }).sasl,
      ).toEqual({ mechanism: 'scram-sha-256', username: 'registry', password: 's3cret' });
      expect(() =>
        parse({
          KAFKA_SASL_MECHANISM: 'scram-sha-512',
          KAFKA_SASL_USERNAME: 'x',
          KAFKA_SASL_PASSWORD_FILE: join(dir, 'no'),
        }),
      ).toThrow(/KAFKA_SASL_PASSWORD_FILE: cannot read/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('every contradiction is named, in one error', () => {
    let error: unknown;
    try {
      parse({
        KAFKA_SASL_USERNAME: 'gateway',
        KAFKA_REPLICATION_FACTOR: '1',
        KAFKA_MIN_INSYNC_REPLICAS: '2',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KafkaEnvError);
    expect((error as Error).message).toContain('KAFKA_SASL_MECHANISM: required with KAFKA_SASL_USERNAME');
    expect((error as Error).message).toContain(
      'KAFKA_MIN_INSYNC_REPLICAS: larger than KAFKA_REPLICATION_FACTOR',
    );
    expect(() => parse({ KAFKA_SASL_MECHANISM: 'scram-sha-512' })).toThrow(/KAFKA_SASL_USERNAME: required/);
    expect(() => kafkaSecurityEnv.parse({ KAFKA_SASL_MECHANISM: 'plain' })).toThrow();
  });

  test('as a refinement of a service schema, the rules join the other variables in one report', () => {
    const serviceEnv = z
      .object({ PORT: z.coerce.number().int() })
      .extend(kafkaSecurityEnv.shape)
      .superRefine(checkKafkaSecurityEnv);
    const result = serviceEnv.safeParse({ PORT: 'x', KAFKA_SASL_MECHANISM: 'scram-sha-512' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain('PORT');
    // zod runs refinements only on an object whose fields parsed, so fix PORT to see them.
    const refined = serviceEnv.safeParse({ PORT: '1', KAFKA_SASL_MECHANISM: 'scram-sha-512' });
    expect(refined.error?.issues.map((i) => i.path.join('.'))).toEqual([
      'KAFKA_SASL_USERNAME',
      'KAFKA_SASL_PASSWORD',
    ]);
  });
});
