/**
 * The adapter patches two client libraries (our Produce encoder through @platformatic/kafka's
 * `kGetApi` hook, our record decoder in place of kafkajs' own). Each was checked against one
 * release; on any other it stops the service at start rather than run unchecked code in the path
 * of every event, or fall back without anyone noticing. PRODUCER.md ("Removing the patches") says
 * what to do when a version bump trips this.
 */
export class LibraryPatchError extends Error {
  override readonly name = 'LibraryPatchError';
}

export function assertCheckedVersion(
  patch: string,
  library: string,
  installed: string | undefined,
  checked: string,
): void {
  if (installed === checked) return;
  throw new LibraryPatchError(
    `${patch} was checked against ${library} ${checked}, but ${installed ? `${installed} is` : 'no readable version is'} installed. ` +
      `Check the patch against the new release and update the version it names, or remove it: packages/kafka/PRODUCER.md, "Removing the patches".`,
  );
}
