/**
 * Demo data for `npm start`: registers the demo chain's systems and publishes a WMO and an
 * Omgevingswet chain case through the gateway, as an integrator would.
 * Filled in once the registry and gateway exist; until then it reports what it skipped.
 */
export interface DemoOptions {
  registryUrl: string;
  gatewayUrl: string;
  adminToken: string;
}

export async function seedDemo(_options: DemoOptions): Promise<{ summary: string }> {
  return { summary: 'demo data: not seeded yet' };
}
