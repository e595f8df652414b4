/**
 * The editor stays responsive: with 30 layers on 10 tracks, how long a drag
 * step and a scrub step take to reach the screen (the pointer event, React,
 * Konva's redraw, and the next animation frame), measured in real Chromium
 * through the browser host. Reference: one frame at 60 Hz, 16.7 ms.
 * Run: npm run bench:editor (after npm run build)
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, startStudioHost } from '../../e2e/harness';

const steps = 120;

function percentile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** 10 tracks of 3 colour layers each, spread over the canvas and the timeline. */
function busyComposition(id: string) {
  const tracks = Array.from({ length: 10 }, (_, t) => ({
    kind: 'visual',
    id: `track-${t}`,
    name: `Layer ${t + 1}`,
    hidden: false,
    locked: false,
    clips: Array.from({ length: 3 }, (_, c) => ({
      kind: 'color',
      id: `clip-${t}-${c}`,
      locked: false,
      color: `#${((t * 3 + c) * 2654435).toString(16).slice(-6).padStart(6, '0')}`,
      start: c * 10,
      duration: 10,
      blend: 'normal',
      looks: [],
      fadeIn: 0,
      fadeOut: 0,
      transform: { x: 100 + t * 90, y: 200 + c * 500, width: 200, height: 150, rotation: 0, opacity: 1 },
    })),
  }));
  return { version: 1, id, name: 'Busy', preset: 'tiktok', canvas: { width: 1080, height: 1920, fps: 30, duration: 30, background: { kind: 'color', color: '#000000' } }, media: [], tracks, transitions: [], looks: [] };
}

async function main(): Promise<void> {
  const host = await startStudioHost({ KATA_DATA_DIR: await mkdtemp(join(tmpdir(), 'kata-bench-editor-')) });
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    // tsx names functions with an __name helper that pages do not have.
    await page.addInitScript('window.__name = (f) => f');
    await page.goto(host.url);
    await page.getByRole('heading', { level: 1, name: 'Campaigns' }).waitFor();
    const id = '00000000-0000-4000-8000-00000000be9c';
    // Seed the local database the way the app stores compositions.
    await page.evaluate(
      ({ id, document }) =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('kata-studio');
          open.onsuccess = () => {
            const tx = open.result.transaction('compositions', 'readwrite');
            tx.objectStore('compositions').put({ id, campaignId: 'bench', name: 'Busy', updatedAt: new Date().toISOString(), document });
            tx.oncomplete = () => resolve();
            tx.onerror = () => reject(tx.error);
          };
        }),
      { id, document: busyComposition(id) },
    );
    await page.goto(`${host.url}#/compositor/${id}`);
    await page.getByRole('heading', { name: 'Busy' }).waitFor();
    await page.locator('.clip-block').first().waitFor();
    await page.waitForTimeout(500);

    // Measured in the page: the main-thread time one step costs — the event handlers and React's
    // commit, then the canvas redraw that runs in the next animation frame before our own callback.
    const measure = (kind: 'drag' | 'scrub', count: number) =>
      page.evaluate(
        async ({ kind, count }) => {
          const content = document.querySelector('[data-testid="editor-stage"] .konvajs-content') as HTMLElement;
          const ruler = document.querySelector('[data-testid="timeline-ruler"]') as HTMLElement;
          const macrotask = () => new Promise((resolve) => setTimeout(resolve, 0));
          const nextFrame = () => new Promise<{ start: number; now: number }>((resolve) => requestAnimationFrame((start) => resolve({ start, now: performance.now() })));
          // A real mouse sends both the pointer event and the mouse event; so do we.
          const pointer = (type: string, target: EventTarget, x: number, y: number) => {
            const init = { clientX: x, clientY: y, bubbles: true, cancelable: true, buttons: type === 'pointerup' ? 0 : 1, view: window };
            target.dispatchEvent(new PointerEvent(type, { ...init, pointerId: 1, pointerType: 'mouse', isPrimary: true }));
            target.dispatchEvent(new MouseEvent(type.replace('pointer', 'mouse'), init));
          };
          const samples: number[] = [];
          const box = content.getBoundingClientRect();
          const rulerBox = ruler.getBoundingClientRect();
          const scale = Math.min((box.width - 32) / 1080, (box.height - 32) / 1920);
          const origin = { x: box.left + (box.width - 1080 * scale) / 2, y: box.top + (box.height - 1920 * scale) / 2 };
          const grab = { x: origin.x + 910 * scale, y: origin.y + 200 * scale };
          if (kind === 'drag') pointer('pointerdown', content, grab.x, grab.y);
          await nextFrame();
          for (let i = 1; i <= count; i++) {
            const t0 = performance.now();
            if (kind === 'drag') pointer('pointermove', content, grab.x - i * 0.5, grab.y + i * 0.5);
            else {
              pointer('pointerdown', ruler, rulerBox.left + 5 + ((i * 37) % Math.max(10, rulerBox.width - 10)), rulerBox.top + 5);
              pointer('pointerup', window, 0, 0);
            }
            await macrotask();
            const handlers = performance.now() - t0;
            const frame = await nextFrame();
            samples.push(handlers + (frame.now - frame.start));
            await nextFrame();
          }
          if (kind === 'drag') pointer('pointerup', window, grab.x - count * 0.5, grab.y + count * 0.5);
          return samples;
        },
        { kind, count },
      );

    const drag = await measure('drag', steps);
    // The drag must really have moved the layer, or the figures mean nothing.
    const movedX = Number(await page.getByRole('spinbutton', { name: 'X', exact: true }).inputValue());
    if (!(movedX < 905)) throw new Error(`The benchmark drag did not move the layer (x is ${movedX}).`);
    const scrub = await measure('scrub', steps);
    const line = (label: string, samples: number[]) => `${label.padEnd(30)} p50 ${percentile(samples, 0.5).toFixed(1).padStart(6)} ms   p95 ${percentile(samples, 0.95).toFixed(1).padStart(6)} ms`;
    console.log(`Editor responsiveness in Chromium, 30 layers on 10 tracks, ${steps} steps each\n`);
    console.log(line('drag step (move + redraw)', drag));
    console.log(line('scrub step (ruler + redraw)', scrub));
    console.log(`\nbudget: one frame at 60 Hz, 16.7 ms; drag p95 / budget ${(percentile(drag, 0.95) / 16.7).toFixed(2)}, scrub p95 / budget ${(percentile(scrub, 0.95) / 16.7).toFixed(2)}`);
  } finally {
    await browser.close();
    await host.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
