// What the global setup hands to every test worker (see global-setup.ts). A module imported by
// index.ts and global-setup.ts, so every package that uses the fixtures sees the typing.
export type {};

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    postgresUrl: string;
  }
}
