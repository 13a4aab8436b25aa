import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const RELATIVE = join('constructs', 'examples', 'topology.yaml');

/**
 * Path of the built-in example topology. Found by walking up from this module, because it runs both from source
 * (tests) and compiled under `lib/`.
 */
export function exampleTopologyPath(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, RELATIVE))) return join(dir, RELATIVE);
    if (dirname(dir) === dir) throw new Error(`the built-in example ${RELATIVE} is missing from the package`);
  }
}
