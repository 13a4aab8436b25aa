import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageFile } from '../../../constructs/model/example';

// Apart from helpers.ts, which loads cdk8s and the Kubernetes models: a test of one module that needs only these
// paths loads in milliseconds, and StrykerJS loads every test file of a module once per mutant.

/** The repository root, from the sources and from their build under lib/ (the benchmark imports the harness built). */
export const ROOT = dirname(packageFile('package.json', 'the manifest'));
/** The built CLI, where package.json's `bin` points (its one owner). */
export const CLI = join(ROOT, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).bin['argo-multicluster']);
