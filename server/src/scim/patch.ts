import { scimPatch, type ScimPatchOperation, type ScimResource } from 'scim-patch';
import type { z } from 'zod';
import { scimError } from './errors';

/**
 * Applies a PATCH's operations (already normalised from what Okta and Entra
 * send) to a resource, then checks the result as a whole, as a PUT would be:
 * a PATCH can never store what a PUT could not.
 */
export function applyPatch<Input extends z.ZodType>(resource: object, operations: ScimPatchOperation[], input: Input): z.output<Input> {
  let patched: unknown;
  try {
    patched = scimPatch(resource as ScimResource, operations, { mutateDocument: false, treatMissingAsAdd: true });
  } catch (error) {
    const scimType = (error as { scimCode?: string }).scimCode;
    throw scimError(400, scimType ?? 'invalidSyntax', `Operations: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = input.safeParse(patched);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw scimError(400, 'invalidValue', `${issue.path.join('.') || 'value'}: ${issue.message}`);
  }
  return parsed.data;
}
