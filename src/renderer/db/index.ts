import { assetRepository } from './assets';
import { campaignRepository } from './campaigns';
import { compositionRepository } from './compositions';
import { influencerRepository } from './influencers';
import { KataDatabase } from './database';
import { renderRecordRepository } from './render-records';

/** The renderer's one database and its repositories. */
export const db = new KataDatabase();
export const campaigns = campaignRepository(db);
export const compositions = compositionRepository(db);
export const assets = assetRepository(db);
export const influencers = influencerRepository(db);
export const renderRecords = renderRecordRepository(db);
