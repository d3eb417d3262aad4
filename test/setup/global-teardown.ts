/** Stops everything global setup started; one stop failing must not leave the others running. */
export default async function globalTeardown(): Promise<void> {
  const results = [
    await Promise.allSettled([globalThis.__scrmSystem?.stop()]),
    await Promise.allSettled([globalThis.__scrmTemporal?.stop(), globalThis.__scrmSimulator?.stop()]),
  ].flat();
  const failed = results.filter((result) => result.status === 'rejected');
  if (failed.length > 0) throw new Error(`teardown: ${failed.map((f) => String(f.reason)).join('; ')}`);
}
