import { create } from 'zustand';
import { link, onConnectionChange, studio, type RouterOutputs } from '../trpc';

export type SystemInfo = RouterOutputs['system']['info'];
export type HubStatus = RouterOutputs['hub']['status'];

interface StudioStatus {
  /** `refused`: never got through (wrong or missing token); `lost`: was connected, now reconnecting. */
  connection: 'connecting' | 'open' | 'lost' | 'refused';
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
  if (state === 'open') {
    useStudioStatus.setState({ connection: 'open' });
    void useStudioStatus.getState().refresh();
    return;
  }
  const before = useStudioStatus.getState().connection;
  useStudioStatus.setState({ connection: before === 'open' || before === 'lost' ? 'lost' : 'refused' });
});
