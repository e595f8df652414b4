import { buildApp } from './app';
import { loadConfig } from './config';
import { openDatabase } from './db/database';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATABASE_URL ? undefined : config.KATA_HUB_DATA_DIR });
  const app = await buildApp({ database, logger: { level: config.KATA_HUB_LOG_LEVEL }, corsOrigins: config.KATA_HUB_CORS_ORIGINS, bodyLimitBytes: config.KATA_HUB_BODY_LIMIT_BYTES });
  await app.listen({ host: config.KATA_HUB_HOST, port: config.KATA_HUB_PORT });
  // Finish what is in flight, then close the database.
  const stop = () => void app.close().then(() => database.close()).then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
