import type { Kysely, Transaction } from 'kysely';
import * as rollup from '../db/experiment-rollup-store';
import * as totals from '../db/experiment-totals-store';
import * as store from '../db/experiment-store';
import type { HubSchema } from '../db/schema';
import { experimentDefinitionSchema, type ExperimentDefinition } from './definition';

/** The parts of a definition the rollup rows and totals are built for (`target`: its segment's current membership version). */
export function rollupShapeOf(id: string, definition: ExperimentDefinition, target: totals.Target): rollup.RollupShape {
  return {
    id,
    variantIds: definition.variants.map((v) => v.id),
    metrics: [definition.primaryMetric, ...definition.guardrails.map((g) => g.metric)].map((metric) => ({ event: metric.event, valueProperty: metric.kind === 'mean' ? metric.valueProperty : null })),
    target,
  };
}

export interface CatchUp {
  /** Experiments whose rows were built from all their events (new, or variants or metrics changed). */
  rebuilt: number;
  /** Experiments brought forward from their watermark. */
  advanced: number;
  /** Experiments whose totals were counted again from all their units (rows built again, or another target version). */
  recounted: number;
  throughSeq: string;
}

/**
 * Brings the workspace's experiment rollup up to everything committed now:
 * experiments without rows, or whose variants or metrics changed, are built
 * from all their events; the others read only the events, merges and
 * consent changes written since their watermark, and their totals follow
 * (counted again from all their units when the target's membership version
 * changed). Runs from the scheduled job and before any results are read,
 * so results are never staler than the call.
 */
export async function catchUpRollup(db: Kysely<HubSchema>, workspaceId: string, now = new Date()): Promise<CatchUp> {
  const below = await rollup.rollupHorizon(db, workspaceId);
  return rollup.inRollupSnapshot(db, workspaceId, async (tx) => {
    await rollup.tuneCatchUp(tx);
    const states = await rollup.rollupStates(tx, workspaceId);
    const shapes = await shapesOf(tx, workspaceId);
    const rebuild: rollup.RollupShape[] = [];
    const recount: rollup.RollupShape[] = [];
    const byWatermark = new Map<string, rollup.RollupShape[]>();
    for (const shape of shapes) {
      const state = states.get(shape.id);
      if (!state || state.shape !== rollup.shapeKey(shape)) rebuild.push(shape);
      else {
        const totalsKept = state.totalsBasis === totals.basisKey(shape.target);
        if (!totalsKept) recount.push(shape);
        // A catch-up that started later already went further.
        if (BigInt(state.throughSeq) < BigInt(below)) byWatermark.set(state.throughSeq, [...(byWatermark.get(state.throughSeq) ?? []), shape]);
        else if (!totalsKept) await rollup.saveRollupStates(tx, { workspaceId, experiments: [shape], throughSeq: state.throughSeq, now });
      }
    }
    await rollup.rebuildRollup(tx, { workspaceId, experiments: rebuild, below });
    for (const [after, experiments] of byWatermark) {
      // Totals about to be counted again from scratch need no taking out and putting back.
      const kept = { workspaceId, experiments: experiments.filter((e) => !recount.includes(e)), after, below };
      await totals.advanceWithTotals(tx, kept, () => rollup.advanceRollup(tx, kept));
      await rollup.advanceRollup(tx, { workspaceId, experiments: experiments.filter((e) => recount.includes(e)), after, below });
    }
    // Rows built again come with their totals; another target version needs them counted again.
    await totals.recountTotals(tx, { workspaceId, experiments: recount });
    const advanced = [...byWatermark.values()].flat();
    await rollup.saveRollupStates(tx, { workspaceId, experiments: [...rebuild, ...advanced], throughSeq: below, now });
    return { rebuilt: rebuild.length, advanced: advanced.length, recounted: rebuild.length + recount.length, throughSeq: below };
  });
}

/** Every experiment's rollup shape, with its target segment's current membership version. */
async function shapesOf(tx: Transaction<HubSchema>, workspaceId: string): Promise<rollup.RollupShape[]> {
  const definitions = (await store.listExperiments(tx, workspaceId, {})).map((row) => ({ id: row.id, definition: experimentDefinitionSchema.parse(row.definition) }));
  const targetOf = await currentTargets(tx, workspaceId, definitions.map((d) => d.definition));
  return definitions.map(({ id, definition }) => rollupShapeOf(id, definition, targetOf(definition)));
}

/**
 * The target (segment and current membership version) of each of these
 * definitions: what a results request asks the totals for, and what the
 * rollup keeps them counted for.
 */
export async function currentTargets(db: Kysely<HubSchema> | Transaction<HubSchema>, workspaceId: string, definitions: readonly ExperimentDefinition[]): Promise<(definition: ExperimentDefinition) => totals.Target> {
  const versions = new Map<string, number | null>();
  for (const id of new Set(definitions.map((d) => d.targetSegmentId))) if (id !== null) versions.set(id, await store.currentMembershipVersion(db, workspaceId, id));
  return (definition) => (definition.targetSegmentId === null ? null : { id: definition.targetSegmentId, version: versions.get(definition.targetSegmentId) ?? null });
}
