import type { Violation } from '@ketenhub/events';
import { testKanaal } from '@ketenhub/zgw-notificaties';

/**
 * What Open Notificaties does before it stores an abonnement: it posts a notification on kanaal
 * `test` to the callback with the abonnement's auth value and wants a 2xx (ZGW consumers built for
 * Open Notificaties answer it; the ZGW connector answers 204). For ZGW-format subscriptions this
 * takes the place of the CloudEvents handshake: such a receiver does not know OPTIONS with
 * WebHook-Request-Origin, and the test notification proves the same consent (the receiver checks
 * the auth value it chose). Redirects are not followed; the auth value goes nowhere else.
 */
export function zgwCallbackCheck(timeoutMs: number) {
  return async (url: string, auth: string): Promise<Violation | undefined> => {
    const refuse = (message: string): Violation => ({
      field: 'callbackUrl',
      rule: 'callback-test',
      message: `callbackUrl: ${message}`,
    });
    try {
      const res = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          'content-type': 'application/json',
          authorization: auth,
          'user-agent': 'Ketenhub-Registry/0.2',
        },
        body: JSON.stringify({
          kanaal: testKanaal,
          hoofdObject: 'https://ketenhub.nl/test',
          resource: 'test',
          resourceUrl: 'https://ketenhub.nl/test',
          actie: 'create',
          aanmaakdatum: new Date().toISOString(),
          kenmerken: {},
        }),
      });
      await res.body?.cancel();
      if (res.status >= 200 && res.status < 300) return undefined;
      return refuse(
        `the test notification (kanaal "test", with the auth value) was answered HTTP ${res.status}, not 2xx`,
      );
    } catch (error) {
      const name = (error as Error).name;
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return refuse(
        `the test notification got no answer: ${name === 'TimeoutError' ? `none within ${timeoutMs} ms` : (cause ?? (error as Error).message)}`,
      );
    }
  };
}
