import { create } from 'zustand';

export interface Notice {
  id: number;
  text: string;
  tone: 'info' | 'error';
  action?: { label: string; run: () => void };
}

interface Notices {
  notices: Notice[];
  show(notice: Omit<Notice, 'id'>): void;
  dismiss(id: number): void;
}

let nextId = 1;

/** Short messages at the corner of the window (with an Undo where one makes sense). */
export const useNotices = create<Notices>((set, get) => ({
  notices: [],
  show(notice) {
    const id = nextId++;
    set({ notices: [...get().notices.slice(-2), { ...notice, id }] });
    setTimeout(() => get().dismiss(id), notice.tone === 'error' ? 10_000 : 6_000);
  },
  dismiss(id) {
    set({ notices: get().notices.filter((n) => n.id !== id) });
  },
}));

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
