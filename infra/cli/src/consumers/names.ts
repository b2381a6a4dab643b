/** How an operator names the consumers (kept apart from consumers.ts so `--help` loads no database code). */
export const consumerNames =
  '`gateway`, `projection` (the active version), `projection-v<N>`, `dispatcher`, `gateway-ingress.<systemId>`';
