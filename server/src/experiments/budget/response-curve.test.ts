import { describe, expect, it } from 'vitest';
import { simulateChannel } from '../../../test/channel-history';
import { fitChannelResponse, geometricAdstock, hill, steadyReturn } from './response-curve';

describe('channel response curves', () => {
  it('carries spend over geometrically and saturates along the Hill curve', () => {
    expect(geometricAdstock([100, 0, 0, 50], 0.5)).toEqual([100, 50, 25, 62.5]);
    const curve = { maxResponse: 1000, halfSaturation: 200, shape: 2 };
    expect(hill(200, curve)).toBe(500);
    expect(hill(0, curve)).toBe(0);
    expect(hill(400, curve)).toBeCloseTo(800, 10); // 1000·16/(16 + 4)
    // A steady 100 a week with λ = 0.5 settles at 200 adstocked.
    expect(steadyReturn(100, { decay: 0.5, hill: curve })).toBeCloseTo(500, 10);
  });

  it('recovers a known decay and curve from noisy weekly history', () => {
    const truth = { decay: 0.4, hill: { maxResponse: 5000, halfSaturation: 3000, shape: 1.8 } };
    const history = simulateChannel(truth, { weeks: 156, spendLevel: 2000, noise: 50, seed: 8 });
    const fitted = fitChannelResponse(history, 'search');
    expect(fitted.decay).toBeCloseTo(0.4, 5);
    expect(fitted.rSquared).toBeGreaterThan(0.95);
    // Where the channel spent, the fitted curve returns what the true one does, within 2 %.
    for (const spend of [1000, 2000, 3000]) expect(steadyReturn(spend, fitted) / steadyReturn(spend, truth)).toBeCloseTo(1, 1.5);
  });

  it('says which channel cannot be fitted', () => {
    expect(() => fitChannelResponse({ spend: [1, 2, 3], response: [1, 2] }, 'tv')).toThrow('channel "tv": 3 spend periods but 2 response periods');
    expect(() => fitChannelResponse({ spend: [1, 2, 3], response: [1, 2, 3] }, 'tv')).toThrow('channel "tv": a response curve needs at least 4 periods, got 3');
    expect(() => fitChannelResponse({ spend: [0, 0, 0, 0], response: [1, 2, 3, 4] }, 'tv')).toThrow('channel "tv" never spent: there is no curve to fit');
  });
});
