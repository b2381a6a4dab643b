// What the global setup hands to every test worker (see global-setup.ts).
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    postgresUrl: string;
  }
}
