import { stringify } from 'yaml';

/**
 * YAML text that is the same on every run: mapping keys sorted, no line folding (a folded line would change with the
 * library's width default), and no anchors.
 */
export function stableYaml(value: unknown): string {
  return stringify(value, { sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false });
}
