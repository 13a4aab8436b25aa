'use strict';
// Writes constructs/objects/argo-crds.generated.json: Argo's own minimal CRDs (Workflow, WorkflowTemplate, ...) of the
// controller's commit, taken from the controller's source archive that tools/build.sh builds the controller from, so
// that `local.crds.install` writes exactly the CRDs of the controller it deploys. No network: the archive is the one
// beside the clone (or ARGO_MC_CONTROLLER_ARCHIVE), checked against build.sh's ARGO_ARCHIVE_SHA256 first.
// The WorkflowTaskResult CRD is left out: task-result-crd.ts owns it, because the remotes need it with the executor's
// outputs preserved, and a cluster that is both local and remote must get one definition.
// `node tools/argo-crds.js` writes the file; `--check` exits 1 when the checked-in file is out of date.
const { writeOrCheck } = require('./generated-file');
const { createHash } = require('node:crypto');
const { execFileSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { parse } = require('yaml');

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, 'constructs', 'objects', 'argo-crds.generated.json');
const CRD_FOLDER = 'manifests/base/crds/minimal/';
const OWNED_ELSEWHERE = new Set(['workflowtaskresults.argoproj.io']);

/** build.sh's pins: the controller's commit and its archive's digest (one owner: build.sh). */
function pins() {
  const script = readFileSync(join(__dirname, 'build.sh'), 'utf8');
  const pin = (name) => {
    const m = new RegExp(`^readonly ${name}=([0-9a-f]+)$`, 'm').exec(script);
    if (!m) throw new Error(`tools/build.sh has no "readonly ${name}=<hex>" line`);
    return m[1];
  };
  return { commit: pin('ARGO_COMMIT'), archiveSha256: pin('ARGO_ARCHIVE_SHA256') };
}

/** The controller's source archive, where build.sh looks for it. */
function archivePath(commit) {
  return (
    process.env.ARGO_MC_CONTROLLER_ARCHIVE ||
    join(ROOT, '..', 'shared', 'argo-controller', `argo-workflows-${commit.slice(0, 10)}.tar.gz`)
  );
}

/** Every minimal CRD in the controller's source archive, once its digest is build.sh's, ordered by name. */
function archiveCrds() {
  const { commit, archiveSha256 } = pins();
  const archive = archivePath(commit);
  let bytes;
  try {
    bytes = readFileSync(archive);
  } catch (e) {
    throw new Error(
      `the controller's source archive is missing at ${archive} (${e.code}); put it there or set ARGO_MC_CONTROLLER_ARCHIVE`,
    );
  }
  const sum = createHash('sha256').update(bytes).digest('hex');
  if (sum !== archiveSha256) throw new Error(`${archive} has sha256 ${sum}, expected ${archiveSha256}`);
  const tar = (mode, ...names) =>
    execFileSync('tar', [`-${mode}zf`, archive, '--', ...names], { maxBuffer: 64 << 20 }).toString('utf8');
  // Archives made by `git archive` name entries without a prefix, those made by `tar -C dir .` with `./`.
  const files = tar('t')
    .split('\n')
    .filter((f) => {
      const name = f.replace(/^\.\//, '');
      return name.startsWith(CRD_FOLDER) && /^argoproj\.io_[a-z]+\.yaml$/.test(name.slice(CRD_FOLDER.length));
    })
    .sort();
  if (files.length === 0) throw new Error(`${archive} holds no ${CRD_FOLDER}argoproj.io_*.yaml`);
  return files.map((f) => parse(tar('xO', f))).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
}

/** The content of argo-crds.generated.json, as a string ending in a newline. */
function argoCrdsJson() {
  const crds = archiveCrds().filter((crd) => !OWNED_ELSEWHERE.has(crd.metadata.name));
  return `${JSON.stringify({ ...pins(), path: CRD_FOLDER, crds }, null, 2)}\n`;
}

module.exports = { archiveCrds, argoCrdsJson, ARGO_CRDS_FILE: OUT };

if (require.main === module) writeOrCheck(OUT, argoCrdsJson(), 'npm run argo-crds');
