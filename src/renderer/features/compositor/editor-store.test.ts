import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compositionRepository, type CompositionRepository } from '../../db/compositions';
import { KataDatabase, openDatabase } from '../../db/database';
import { pendingMutations } from '../../db/outbox';
import { createEditorStore } from './editor-store';

let db: KataDatabase;
let repository: CompositionRepository;

beforeEach(async () => {
  db = await openDatabase(new KataDatabase(`editor-${crypto.randomUUID()}`));
  repository = compositionRepository(db);
});
afterEach(() => db.delete());

async function openEditor() {
  const record = await repository.create({ campaignId: 'camp-1', name: 'Teaser', preset: 'tiktok' });
  const withClip = {
    ...record.document,
    media: [{ id: 'v', path: '/m/v.mp4', kind: 'video' as const, durationSeconds: 10, width: 1080, height: 1920, hasAudio: true }],
    tracks: record.document.tracks.map((t) =>
      t.kind === 'visual'
        ? { ...t, clips: [{ kind: 'video' as const, id: 'clip', mediaId: 'v', start: 0, in: 0, out: 5, speed: 1, volume: 1, blend: 'normal' as const, looks: [], fadeIn: 0, fadeOut: 0, locked: false, transform: { x: 540, y: 960, width: 1080, height: 1920, rotation: 0, opacity: 1 } }] }
        : t,
    ),
  };
  await repository.save(record.id, withClip);
  const store = createEditorStore({ repository, record: (await repository.get(record.id))!, saveDelayMs: 20 });
  return { store, id: record.id };
}

describe('the editor store', () => {
  it('autosaves each edit, and reopening restores exactly', async () => {
    const { store, id } = await openEditor();
    expect(store.getState().perform('nudge', { clipIds: ['clip'], dx: 10, dy: 0 })).toBe(true);
    expect(store.getState().save.state).toBe('pending');
    await store.getState().flush();
    expect(store.getState().save.state).toBe('saved');
    const reopened = await repository.get(id);
    expect(reopened?.document).toEqual(store.getState().history.present);
    expect((reopened?.document.tracks[0]!.clips[0] as { transform: { x: number } }).transform.x).toBe(550);
  });

  it('undoes a whole drag in one step, and redoes it', async () => {
    const { store } = await openEditor();
    const { perform, endGesture } = store.getState();
    for (const x of [600, 650, 700]) perform('setTransform', { clipId: 'clip', values: { x }, time: 0 }, { gesture: 'drag' });
    endGesture();
    const x = () => (store.getState().history.present.tracks[0]!.clips[0] as { transform: { x: number } }).transform.x;
    expect(x()).toBe(700);
    store.getState().undo();
    expect(x()).toBe(540);
    store.getState().redo();
    expect(x()).toBe(700);
  });

  it('keeps the selection to clips that still exist and reports problems without blocking', async () => {
    const { store } = await openEditor();
    store.getState().select(['clip']);
    store.getState().perform('deleteClips', { clipIds: ['clip'] });
    expect(store.getState().selection).toEqual([]);
    store.getState().undo();
    store.getState().perform('trimClip', { clipId: 'clip', edge: 'end', time: 4 });
    expect(store.getState().issues).toEqual([]);
  });

  it('sends only metadata changes to the outbox, not every autosave', async () => {
    const { store, id } = await openEditor();
    const before = (await pendingMutations(db)).length;
    store.getState().perform('nudge', { clipIds: ['clip'], dx: 1, dy: 1 });
    await store.getState().flush();
    expect((await pendingMutations(db)).length).toBe(before);
    store.getState().replace({ ...store.getState().history.present, name: 'Teaser v2' });
    await store.getState().flush();
    const last = (await pendingMutations(db)).at(-1);
    expect(last).toMatchObject({ recordType: 'composition', recordId: id, op: 'update', changes: { name: 'Teaser v2' } });
    expect((await repository.get(id))?.name).toBe('Teaser v2');
  });

  it('says when a save fails and keeps the edit in memory', async () => {
    const { store } = await openEditor();
    await db.compositions.clear();
    store.getState().perform('nudge', { clipIds: ['clip'], dx: 5, dy: 0 });
    await store.getState().flush();
    expect(store.getState().save).toMatchObject({ state: 'failed', error: expect.stringMatching(/No composition with id/) });
    expect(store.getState().history.canUndo).toBe(true);
  });
});
