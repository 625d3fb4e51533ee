export default async function globalTeardown() {
  await globalThis.__RMA_STOP_TEST_SERVERS__?.();
}
