import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const RELATIVE = join('constructs', 'examples', 'topology.yaml');

/**
 * Path of a file the package ships, by its path from the package root (`what` names it in the error). Found by walking
 * up from this module, because it runs both from source (tests) and compiled under `lib/`.
 */
export function packageFile(relative: string, what: string): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, relative))) return join(dir, relative);
    if (dirname(dir) === dir) throw new Error(`${what} ${relative} is missing from the package`);
  }
}

/** Path of the built-in example topology. */
export function exampleTopologyPath(): string {
  return packageFile(RELATIVE, 'the built-in example');
}
