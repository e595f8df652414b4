import type { inferRouterOutputs } from '@trpc/server';
import { create } from 'zustand';
import type { AppRouter } from '../../main/router';
import { link, onConnectionChange, studio } from '../trpc';

type Outputs = inferRouterOutputs<AppRouter>;
export type SystemInfo = Outputs['system']['info'];
export type HubStatus = Outputs['hub']['status'];

interface StudioStatus {
  connection: 'connecting' | 'open' | 'closed';
  info: SystemInfo | null;
  hub: HubStatus | null;
  problem: string | null;
  refresh(options?: { ffmpeg?: boolean }): Promise<void>;
}

/** What the status bar and Settings show: version, FFmpeg, Hub, and the link to Studio's main side. */
export const useStudioStatus = create<StudioStatus>((set) => ({
  connection: link === 'ipc' ? 'open' : 'connecting',
  info: null,
  hub: null,
  problem: null,
  async refresh({ ffmpeg = false } = {}) {
    try {
      const [info, hub] = await Promise.all([
        studio.system.info.query({ refresh: ffmpeg }),
        studio.hub.status.query(),
      ]);
      set({ info, hub, problem: null });
    } catch (error) {
      set({ problem: error instanceof Error ? error.message : String(error) });
    }
  },
}));

onConnectionChange((state) => {
  useStudioStatus.setState({ connection: state });
  if (state === 'open') void useStudioStatus.getState().refresh();
});
