/**
 * Segment messages as a website and app send them, in batches of 100: 10 %
 * identify (email and plan traits, consent preferences), 70 % track, 20 %
 * page, spread over a pool of users so that identities are both found and new.
 * Every message id is unique across runs and processes.
 */
import { randomBytes } from 'node:crypto';

export const messagesPerBatch = 100;

const trackNames = ['Product Viewed', 'Product Viewed', 'Product Viewed', 'Added to Cart', 'Added to Cart', 'Checkout Started', 'Order Completed'];
const pageNames = ['Home', 'Pricing', 'Docs', 'Blog', 'Product'];
const plans = ['free', 'free', 'free', 'starter', 'pro', 'business'];
const countries = ['DE', 'FR', 'GB', 'US', 'NL', 'ES', 'IT', 'PL', 'AT', 'CH'];
const library = { name: 'analytics.js', version: '5.2.0' };

export interface BatchSource {
  /** The next batch of `messagesPerBatch` messages, each with a fresh messageId. */
  next(): SegmentMessage[];
}

export interface SegmentMessage {
  type: 'identify' | 'track' | 'page';
  messageId: string;
  userId: string;
  anonymousId: string;
  timestamp: string;
  context: Record<string, unknown>;
  traits?: Record<string, unknown>;
  event?: string;
  name?: string;
  properties?: Record<string, unknown>;
}

/** A source of batches over `users` users; `prefix` keeps message ids of different processes apart. */
export function batchSource(options: { users: number; prefix?: string }): BatchSource {
  const prefix = options.prefix ?? randomBytes(6).toString('base64url');
  let sent = 0;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;
  const message = (): SegmentMessage => {
    const user = Math.floor(Math.random() * options.users);
    const common = { messageId: `${prefix}-${(sent++).toString(36)}`, userId: `user-${user}`, anonymousId: `anon-${user}`, timestamp: new Date().toISOString() };
    const kind = Math.random();
    if (kind < 0.1) {
      return {
        ...common,
        type: 'identify',
        traits: { email: `user-${user}@example.com`, plan: plans[user % plans.length], country: countries[user % countries.length], seats: 1 + (user % 40) },
        context: { library, consent: { categoryPreferences: { 'Email Marketing': user % 5 !== 0, Analytics: true } } },
      };
    }
    if (kind < 0.8) {
      const event = pick(trackNames);
      const properties = event === 'Order Completed' ? { orderId: common.messageId, revenue: Math.round(Math.random() * 50_000) / 100, currency: 'EUR' } : { productId: `sku-${Math.floor(Math.random() * 5_000)}` };
      return { ...common, type: 'track', event, properties, context: { library, page: { path: '/shop' } } };
    }
    const name = pick(pageNames);
    return { ...common, type: 'page', name, properties: { path: `/${name.toLowerCase()}`, referrer: 'https://www.example.com/' }, context: { library, userAgent: 'Mozilla/5.0 (X11; Linux x86_64)' } };
  };
  return { next: () => Array.from({ length: messagesPerBatch }, message) };
}
