import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { assertCheckedVersion, LibraryPatchError } from './library-patches';

describe('library patches fail loudly on an unchecked release', () => {
  test('the checked release passes; any other, or none, stops with what to do', () => {
    expect(() => assertCheckedVersion('the record decoder', 'kafkajs', '2.2.4', '2.2.4')).not.toThrow();
    expect(() => assertCheckedVersion('the record decoder', 'kafkajs', '2.3.0', '2.2.4')).toThrow(
      LibraryPatchError,
    );
    expect(() => assertCheckedVersion('the record decoder', 'kafkajs', '2.3.0', '2.2.4')).toThrow(
      /checked against kafkajs 2\.2\.4, but 2\.3\.0 is installed.*Removing the patches/,
    );
    expect(() =>
      assertCheckedVersion('the Produce encoder', '@platformatic/kafka', undefined, '1.34.0'),
    ).toThrow(/no readable version/);
  });

  test('the installed releases are the checked ones (the adapter loads, so both patches are on)', async () => {
    const require = createRequire(import.meta.url);
    expect((require('kafkajs/package.json') as { version: string }).version).toBe('2.2.4');
    // Loading the adapter runs both checks; it would throw here on another release.
    await expect(import('./index')).resolves.toBeDefined();
  }, 60_000); // loading both libraries takes seconds on a loaded machine
});
