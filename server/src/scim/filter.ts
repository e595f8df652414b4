import { parse, type Filter, filter as compileFilter } from 'scim2-parse-filter';
import { scimError } from './errors';

/**
 * A SCIM filter (RFC 7644 §3.4.2.2) as a test on rendered resources. Attributes
 * may be named by the core schema's URN (`urn:…:core:2.0:Group:displayName`),
 * and those in `lowerCased` (caseExact false, or stored in lower case) are
 * compared regardless of case: the filter's value is lower-cased here, the
 * resource's by `lowerCase` before the test.
 */
export function scimFilter<T extends object>(options: { expression: string; schemaUrn: string; lowerCased: string[]; lowerCase: (resource: T) => T; example: string }): (resource: T) => boolean {
  let ast: Filter;
  try {
    ast = parse(options.expression);
  } catch (error) {
    throw scimError(400, 'invalidFilter', `filter: ${options.expression} is not a SCIM filter we can read (${error instanceof Error ? error.message : String(error)}). Example: ${options.example}.`);
  }
  const lowerCased = new Set(options.lowerCased.map((name) => name.toLowerCase()));
  const corePrefix = `${options.schemaUrn}:`.toLowerCase();
  const normalise = (node: Filter, prefix = ''): Filter => {
    if ('attrPath' in node && node.attrPath.toLowerCase().startsWith(corePrefix)) return normalise({ ...node, attrPath: node.attrPath.slice(corePrefix.length) } as Filter, prefix);
    switch (node.op) {
      case 'and':
      case 'or':
        return { ...node, filters: node.filters.map((f) => normalise(f, prefix)) };
      case 'not':
        return { ...node, filter: normalise(node.filter, prefix) };
      case '[]':
        return { ...node, valFilter: normalise(node.valFilter, `${node.attrPath}.`) };
      case 'pr':
        return node;
      default:
        return typeof node.compValue === 'string' && lowerCased.has(`${prefix}${node.attrPath}`.toLowerCase()) ? { ...node, compValue: node.compValue.toLowerCase() } : node;
    }
  };
  const test = compileFilter(normalise(ast));
  return (resource) => test(options.lowerCase(resource));
}
