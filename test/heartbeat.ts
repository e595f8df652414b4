import type { TRPCClient } from '@trpc/client';
import type { AppRouter } from '../src/main/router';

/** Subscribes to system.heartbeat, takes `count` beats, then unsubscribes. */
export function takeHeartbeats(trpc: TRPCClient<AppRouter>, count: number): Promise<number[]> {
  const beats: number[] = [];
  return new Promise((resolve, reject) => {
    const subscription = trpc.system.heartbeat.subscribe(
      { intervalMs: 50 },
      {
        onData: (tick) => {
          beats.push(tick.beat);
          if (beats.length === count) {
            subscription.unsubscribe();
            resolve(beats);
          }
        },
        onError: reject,
      },
    );
  });
}
