import type { z } from 'zod';

/** One line per problem, each naming the field: "endDate: must be on or after the start date". */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'input';
      return `${field}: ${issue.message}`;
    })
    .join('\n');
}

export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(
    readonly what: string,
    readonly issues: z.ZodError['issues'],
    message: string,
  ) {
    super(message);
  }
}

/** Parses `input` or throws a ValidationError whose message names every bad field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ValidationError(what, result.error.issues, `Invalid ${what}:\n${describeIssues(result.error)}`);
  }
  return result.data;
}
