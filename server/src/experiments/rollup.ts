import type { Kysely } from 'kysely';
import * as rollup from '../db/experiment-rollup-store';
import * as store from '../db/experiment-store';
import type { HubSchema } from '../db/schema';
import { experimentDefinitionSchema, type ExperimentDefinition } from './definition';

/** The parts of a definition the rollup rows are built for. */
export function rollupShapeOf(id: string, definition: ExperimentDefinition): rollup.RollupShape {
  return {
    id,
    variantIds: definition.variants.map((v) => v.id),
    metrics: [definition.primaryMetric, ...definition.guardrails.map((g) => g.metric)].map((metric) => ({ event: metric.event, valueProperty: metric.kind === 'mean' ? metric.valueProperty : null })),
  };
}

export interface CatchUp {
  /** Experiments whose rows were built from all their events (new, or variants or metrics changed). */
  rebuilt: number;
  /** Experiments brought forward from their watermark. */
  advanced: number;
  throughSeq: string;
}

/**
 * Brings the workspace's experiment rollup up to everything committed now:
 * experiments without rows, or whose variants or metrics changed, are built
 * from all their events; the others read only the events and merges written
 * since their watermark. Runs from the scheduled job and before any results
 * are read, so results are never staler than the call.
 */
export async function catchUpRollup(db: Kysely<HubSchema>, workspaceId: string, now = new Date()): Promise<CatchUp> {
  const below = await rollup.rollupHorizon(db, workspaceId);
  return db.transaction().execute(async (tx) => {
    await rollup.lockRollup(tx, workspaceId);
    await rollup.tuneCatchUp(tx);
    const states = await rollup.rollupStates(tx, workspaceId);
    const shapes = (await store.listExperiments(tx, workspaceId, {})).map((row) => rollupShapeOf(row.id, experimentDefinitionSchema.parse(row.definition)));
    const rebuild: rollup.RollupShape[] = [];
    const byWatermark = new Map<string, rollup.RollupShape[]>();
    for (const shape of shapes) {
      const state = states.get(shape.id);
      if (!state || state.shape !== rollup.shapeKey(shape)) rebuild.push(shape);
      // A catch-up that started later already went further.
      else if (BigInt(state.throughSeq) < BigInt(below)) byWatermark.set(state.throughSeq, [...(byWatermark.get(state.throughSeq) ?? []), shape]);
    }
    await rollup.rebuildRollup(tx, { workspaceId, experiments: rebuild, below });
    for (const [after, experiments] of byWatermark) await rollup.advanceRollup(tx, { workspaceId, experiments, after, below });
    const advanced = [...byWatermark.values()].flat();
    await rollup.saveRollupStates(tx, { workspaceId, experiments: [...rebuild, ...advanced], throughSeq: below, now });
    return { rebuilt: rebuild.length, advanced: advanced.length, throughSeq: below };
  });
}
