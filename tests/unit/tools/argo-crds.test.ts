import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARGO_CRDS, ARGO_CRDS_SOURCE } from '../../../constructs';
import { MANAGED_LABELS, remoteObjects } from '../support/constructs';
import { ROOT, example, find } from '../support/helpers';

// A plain Node.js script, loaded as npm runs it. It reads the controller's source archive where tools/build.sh does
// (beside the clone, or ARGO_MC_CONTROLLER_ARCHIVE): a missing archive fails these tests, it never skips them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { archiveCrds, argoCrdsJson, ARGO_CRDS_FILE } = require('../../../tools/argo-crds.js');

const pin = (name: string) =>
  new RegExp(`^readonly ${name}=(\\S+)$`, 'm').exec(readFileSync(join(ROOT, 'tools', 'build.sh'), 'utf8'))![1];

describe('constructs/objects/argo-crds.generated.json', () => {
  test('is what tools/argo-crds.js takes from the controller source archive (run "npm run argo-crds" after a new pin)', () => {
    expect(ARGO_CRDS_FILE).toBe(join(ROOT, 'constructs', 'objects', 'argo-crds.generated.json'));
    expect(readFileSync(ARGO_CRDS_FILE, 'utf8')).toBe(argoCrdsJson());
  });

  test('names the commit and the archive digest that tools/build.sh builds the controller from', () => {
    expect(ARGO_CRDS_SOURCE).toEqual({
      commit: pin('ARGO_COMMIT'),
      archiveSha256: pin('ARGO_ARCHIVE_SHA256'),
      path: 'manifests/base/crds/minimal/',
    });
  });

  test('holds every minimal CRD of the commit but the WorkflowTaskResult one, by name', () => {
    expect(ARGO_CRDS.map((c) => c.metadata.name)).toEqual([
      'clusterworkflowtemplates.argoproj.io',
      'cronworkflows.argoproj.io',
      'workfloweventbindings.argoproj.io',
      'workflows.argoproj.io',
      'workflowtasksets.argoproj.io',
      'workflowtemplates.argoproj.io',
    ]);
    expect(archiveCrds().map((c: any) => c.metadata.name)).toEqual(
      [...ARGO_CRDS.map((c) => c.metadata.name), 'workflowtaskresults.argoproj.io'].sort(),
    );
  });

  test("the WorkflowTaskResult CRD this package writes is the commit's in all but its schema", () => {
    const commits = archiveCrds().find((c: any) => c.metadata.name === 'workflowtaskresults.argoproj.io');
    const ours = find(remoteObjects(example()), 'CustomResourceDefinition', 'workflowtaskresults.argoproj.io');
    expect(ours.metadata).toEqual({ ...commits.metadata, labels: MANAGED_LABELS });
    const withoutSchemas = (crd: any) => ({
      ...crd.spec,
      versions: crd.spec.versions.map(({ schema: _, ...v }: any) => v),
    });
    expect(withoutSchemas(ours)).toEqual(withoutSchemas(commits));
  });

  test('an archive whose digest is not the pinned one is refused, naming both digests', () => {
    const archive = join(mkdtempSync(join(tmpdir(), 'amc-argo-crds-')), 'planted.tar.gz');
    const planted = 'not the controller source';
    writeFileSync(archive, planted);
    const before = process.env.ARGO_MC_CONTROLLER_ARCHIVE;
    process.env.ARGO_MC_CONTROLLER_ARCHIVE = archive;
    try {
      const sum = createHash('sha256').update(planted).digest('hex');
      expect(() => argoCrdsJson()).toThrow(`${archive} has sha256 ${sum}, expected ${pin('ARGO_ARCHIVE_SHA256')}`);
    } finally {
      if (before === undefined) delete process.env.ARGO_MC_CONTROLLER_ARCHIVE;
      else process.env.ARGO_MC_CONTROLLER_ARCHIVE = before;
    }
  });
});
