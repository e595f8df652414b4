import type { BudgetAdviceDocument, ChannelAdvice } from '../../../../src/experiments/budget/advice';

export type { ChannelAdvice };

/** GET /v1/budget/advice/:id. */
export interface BudgetAdvice extends Omit<BudgetAdviceDocument, 'weeks'> {
  id: string;
  status: 'proposed' | 'approved' | 'rejected';
  request: { from: string; to: string; model: string; currency: string; weeklyBudget: number; bounds: Record<string, { min: number; max?: number }>; exclude: string[] };
  attributionRunId: string;
  weeks: { first: string; last: string; count: number };
  currency: string;
  createdBy: string;
  createdAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
}

/** GET /v1/budget/plan. */
export interface BudgetPlan {
  adviceId: string;
  approvedBy: string;
  approvedAt: string;
  weeklyBudget: number;
  currency: string;
  expectedReturn: number;
  channels: { channel: string; weeklySpend: number; expectedReturn: number }[];
}

export const adviceKey = ['budget-advice'] as const;
export const planKey = ['budget-plan'] as const;

export const money = (value: number, currency: string) => value.toLocaleString(undefined, { style: 'currency', currency, maximumFractionDigits: 0 });
export const share = (value: number) => value.toLocaleString(undefined, { style: 'percent', maximumFractionDigits: 0 });
