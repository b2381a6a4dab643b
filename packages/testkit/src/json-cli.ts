/**
 * A measuring script run as a process of its own: reads its spec as JSON on stdin (specs can be too
 * large for a command-line argument), runs, prints the result as one JSON line and exits (0 on
 * success, 1 with the message on stderr), so a bounded benchmark never hangs on a leftover timer.
 */
export function runJsonCli<S, R>(run: (spec: S) => Promise<R>): void {
  (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const result = await run(JSON.parse(Buffer.concat(chunks).toString('utf8')) as S);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  })().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
