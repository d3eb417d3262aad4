export default async function globalTeardown(): Promise<void> {
  await globalThis.__scrmSystem?.stop();
  await globalThis.__scrmTemporal?.stop();
  await globalThis.__scrmSimulator?.stop();
}
