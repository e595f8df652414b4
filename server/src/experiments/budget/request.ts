import { z } from 'zod';
import { modelNames } from '../../attribution/models/types';
import { currencyCode } from '../../attribution/settings';

/** What a person asks budget advice for, checked at the Hub's boundary. */

const channelName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'use the channel name from the grouping, e.g. "paid-social"');
const amount = z.number().finite().min(0, 'cannot be negative').max(1e12, 'too large');

export const spendBoundsSchema = z
  .object({ min: amount.default(0), max: amount.optional() })
  .strict()
  .refine((b) => b.max === undefined || b.min <= b.max, { message: 'min must not be more than max', path: ['min'] });

export const adviceRequestSchema = z
  .object({
    from: z.iso.date('use a date like 2026-01-05'),
    to: z.iso.date('use a date like 2026-06-28'),
    model: z.enum(modelNames).describe('The attribution model whose credited value the curves are fitted to'),
    currency: currencyCode.optional().describe('Of the spend and the value; the reporting currency when left out'),
    weeklyBudget: amount.refine((x) => x > 0, 'give a budget above 0').describe('The budget per week to share out'),
    bounds: z.record(channelName, spendBoundsSchema).default({}).describe('Per channel, the least and most it may get per week (default 0 and the whole budget)'),
    exclude: z.array(channelName).max(50).default([]).describe('Channels to leave out of the advice (their spend is not reallocated)'),
  })
  .strict()
  .refine((r) => r.from <= r.to, { message: 'must be on or after from', path: ['to'] })
  .refine((r) => Object.values(r.bounds).reduce((s, b) => s + b.min, 0) <= r.weeklyBudget, {
    message: "the channels' minimums add up to more than the weekly budget",
    path: ['bounds'],
  });
export type AdviceRequest = z.output<typeof adviceRequestSchema>;

export const decisionSchema = z.object({ note: z.string().trim().max(500).optional().describe('Why, for the audit trail and the next reader') }).strict();
