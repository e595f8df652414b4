import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { buildApp } from './app';
import { auditPublicKey, loadAuditSigningKey } from './audit/signing-key';
import { loadConfig } from './config';
import { signCheckpoints } from './audit/checkpoints';
import { defineAuditJobs } from './audit/jobs';
import { defineCdpJobs } from './cdp/jobs';
import { defineConnectorJobs } from './connectors/jobs';
import { defineExperimentJobs } from './experiments/jobs';
import { openConfiguredDatabase } from './db/configured-database';
import { startJobQueue, type JobQueue } from './jobs/queue';
import { defineAttributionJobs } from './attribution/jobs';
import { attribute } from './attribution/models';
import { definePrivacyJobs } from './privacy/jobs';
import { loadPersonalDataKeys, PersonalDataCipher } from './privacy/personal-data';
import { defineResealJob } from './privacy/rekey';
import { makeSetupLink } from './workspaces/setup-routes';

export interface RunningHub {
  app: FastifyInstance;
  url: string;
  /** The one-time link that creates the first workspace, when the Hub has none yet. */
  setupLink: string | null;
  /** Stops taking requests, finishes those in flight and the jobs under way, then closes the database. */
  stop(): Promise<void>;
}

/** Starts the Hub as configured by the environment. */
export async function startHub(env: Record<string, string | undefined>): Promise<RunningHub> {
  const config = loadConfig(env);
  const database = await openConfiguredDatabase(config);
  const redis = config.REDIS_URL ? new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2, enableOfflineQueue: false }) : undefined;
  let jobs: JobQueue | undefined;
  try {
    const signingKey = (await loadAuditSigningKey({ configured: config.KATA_HUB_AUDIT_SIGNING_KEY, dataDir: config.KATA_HUB_DATA_DIR, create: true }))!;
    const previousKeys = config.KATA_HUB_AUDIT_PREVIOUS_PUBLIC_KEYS;
    // The queue starts before the app (its routes need it), so its errors go to the app's log once there is one.
    let logJobError = (error: Error) => console.error(`Job queue: ${error.message}`);
    jobs = await startJobQueue(database, { onError: (error) => logJobError(error) });
    const cipher = new PersonalDataCipher(await loadPersonalDataKeys({ dataKeys: config.KATA_HUB_DATA_KEYS, lookupKey: config.KATA_HUB_LOOKUP_KEY, dataDir: config.KATA_HUB_DATA_DIR }));
    // Without KATA_HUB_PUBLIC_URL, links name the address the Hub listens at (known only after listening, on port 0).
    const publicUrl = config.KATA_HUB_PUBLIC_URL ?? 'listen-address';
    const app = await buildApp({
      database,
      logger: { level: config.KATA_HUB_LOG_LEVEL },
      corsOrigins: config.KATA_HUB_CORS_ORIGINS,
      bodyLimitBytes: config.KATA_HUB_BODY_LIMIT_BYTES,
      publicUrl,
      trustProxy: config.KATA_HUB_TRUST_PROXY,
      redis,
      rateLimits: { perIp: config.KATA_HUB_RATE_LIMIT_IP, perUser: config.KATA_HUB_RATE_LIMIT_USER, perApiKey: config.KATA_HUB_RATE_LIMIT_API_KEY, perWriteKey: config.KATA_HUB_RATE_LIMIT_WRITE_KEY, signIn: config.KATA_HUB_RATE_LIMIT_SIGN_IN },
      personalData: cipher,
      audit: { signingKey, previousKeys },
      jobs,
    });
    const queue = jobs;
    logJobError = (error) => app.log.error({ err: error }, 'job queue');
    await defineCdpJobs(queue, { db: database.db, now: () => new Date() });
    await defineExperimentJobs(queue, { db: database.db, now: () => new Date() });
    await defineResealJob(queue, { db: database.db, cipher });
    await definePrivacyJobs(queue, { db: database.db, cipher, now: () => new Date() });
    await defineAttributionJobs(queue, { db: database.db, now: () => new Date() }, attribute);
    await defineConnectorJobs(queue, { db: database.db, cipher, now: () => new Date() }, { syncEveryMinutes: 15 });
    await defineAuditJobs(queue, { db: database.db, now: () => new Date(), auditSigningKey: signingKey, auditKeys: [signingKey, ...previousKeys.map(auditPublicKey)] }, { signEveryMinutes: config.KATA_HUB_AUDIT_SIGN_EVERY_MINUTES });
    const address = await app.listen({ host: config.KATA_HUB_HOST, port: config.KATA_HUB_PORT });
    const setupLink = await makeSetupLink({ db: database.db, now: () => new Date(), publicUrl: config.KATA_HUB_PUBLIC_URL ?? address });
    let stopping: Promise<void> | undefined;
    return {
      app,
      url: address,
      setupLink,
      stop: () =>
        (stopping ??= (async () => {
          await app.close();
          await queue.stop();
          // Sign the chains' heads on the way out, so nothing recorded since the last scheduled run is left unsigned.
          await signCheckpoints(database.db, signingKey, new Date(), { previousKeys: previousKeys.map(auditPublicKey) }).catch((error: unknown) => app.log.error({ err: error }, 'signing the audit log at shutdown failed'));
          redis?.disconnect();
          await database.close();
        })()),
    };
  } catch (error) {
    await jobs?.stop();
    redis?.disconnect();
    await database.close();
    throw error;
  }
}
