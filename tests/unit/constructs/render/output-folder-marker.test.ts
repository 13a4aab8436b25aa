import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OUTPUT_MARKER, buildCharts, gitopsTree, isGitopsPath, loadTopologyFile } from '../../../../constructs';
import { gitopsAppFiles } from '../../../../constructs/render/gitops-apps';
import { example } from '../../support/helpers';
import { runCli } from '../../support/in-process-cli';
import { listTree, topologyFile } from '../../support/output-helpers';

/**
 * The marker `.argo-multicluster` is committed with the folder, so anyone may edit it: a run deletes or replaces a
 * listed file only at a path synth could have written and while it holds the content whose hash the marker records.
 */
const work = mkdtempSync(join(tmpdir(), 'amc-marker-'));
const extra = topologyFile(work, 'extra', (t) => (t.remotes[0].namespaces = ['default', 'extra']));
const exampleTree = gitopsTree(example(), buildCharts(example()));
const extraTree = gitopsTree(loadTopologyFile(extra), buildCharts(loadTopologyFile(extra)));
const EXTRA_NAMESPACE = 'cluster-1/namespace_extra.yaml';
/** A file both trees write with the same bytes: the next run finds it unchanged, unless someone edited it. */
const SAME_IN_BOTH = [...exampleTree.keys()].find(
  (p) => p !== OUTPUT_MARKER && extraTree.get(p) === exampleTree.get(p),
)!;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const list = (path: string, text: string) => `${sha256(text)}  ${path}\n`;

let n = 0;
/** A folder synthesized from `topology` (default: the example). */
async function synthesized(topology?: string): Promise<string> {
  const out = join(work, `out-${n++}`);
  expect((await runCli(['synth', ...(topology ? ['-f', topology] : ['--example']), '-o', out])).code).toBe(0);
  return out;
}

interface Case {
  /** Changes the synthesized folder as a hostile pull request or a careless user would; returns the args of the next run. */
  readonly tamper: (out: string) => string[];
  readonly code: number;
  /** stderr, with OUT for the folder. */
  readonly stderr: string;
  /** A file of the "extra" tree that the run keeps instead of deleting. */
  readonly keeps?: string;
}

const warn = (path: string, why: string) => `warning: kept OUT/${path}: it is listed in ${OUTPUT_MARKER}, but ${why}\n`;
const FOREIGN = 'synth never writes that path';
const EDITED = 'its content is not what synth wrote there (changed since, or listed by hand)';

const cases: Record<string, Case> = {
  'a .git file listed with its true hash': {
    tamper: (out) => {
      mkdirSync(join(out, '.git'));
      writeFileSync(join(out, '.git', 'HEAD'), 'ref: refs/heads/main\n');
      appendFileSync(join(out, OUTPUT_MARKER), list('.git/HEAD', 'ref: refs/heads/main\n'));
      return [];
    },
    code: 0,
    stderr: warn('.git/HEAD', FOREIGN),
  },
  'a sealed profile listed with its true hash': {
    tamper: (out) => {
      writeFileSync(join(out, 'cluster-0', 'argo.cluster-1.sealed.yaml'), 'kind: SealedSecret\n');
      appendFileSync(join(out, OUTPUT_MARKER), list('cluster-0/argo.cluster-1.sealed.yaml', 'kind: SealedSecret\n'));
      return [];
    },
    code: 0,
    stderr: warn('cluster-0/argo.cluster-1.sealed.yaml', FOREIGN),
  },
  'a file named like an object, listed with a wrong hash': {
    tamper: (out) => {
      writeFileSync(join(out, 'cluster-0', 'secret_argo_mine.yaml'), 'kind: Secret\n');
      appendFileSync(join(out, OUTPUT_MARKER), list('cluster-0/secret_argo_mine.yaml', 'something else\n'));
      return [];
    },
    code: 0,
    stderr: warn('cluster-0/secret_argo_mine.yaml', EDITED),
  },
  'a file named like an object, listed without a hash': {
    tamper: (out) => {
      writeFileSync(join(out, 'cluster-0', 'secret_argo_mine.yaml'), 'kind: Secret\n');
      appendFileSync(join(out, OUTPUT_MARKER), 'cluster-0/secret_argo_mine.yaml\n');
      return [];
    },
    code: 0,
    stderr: warn(
      'cluster-0/secret_argo_mine.yaml',
      'it is listed without a hash (an earlier release) and differs from what synth writes now',
    ),
  },
  'a file beside the folder, listed through ..': {
    tamper: (out) => {
      writeFileSync(join(out, '..', 'beside.yaml'), 'mine\n');
      appendFileSync(join(out, OUTPUT_MARKER), list('../beside.yaml', 'mine\n'));
      return [];
    },
    code: 0,
    stderr: '',
  },
  'a symlink listed under an object name': {
    tamper: (out) => {
      symlinkSync('/etc/hostname', join(out, 'cluster-0', 'secret_argo_link.yaml'));
      appendFileSync(join(out, OUTPUT_MARKER), 'cluster-0/secret_argo_link.yaml\n');
      return [];
    },
    code: 0,
    stderr: '',
  },
  "synth's own file, edited since, that the next run drops": {
    tamper: (out) => {
      writeFileSync(join(out, EXTRA_NAMESPACE), 'edited\n');
      return [];
    },
    code: 0,
    stderr: warn(EXTRA_NAMESPACE, EDITED),
    keeps: EXTRA_NAMESPACE,
  },
  "synth's own file, edited since, that the next run must replace": {
    tamper: (out) => {
      appendFileSync(join(out, 'cluster-1', 'kustomization.yaml'), '# mine\n');
      return [];
    },
    code: 1,
    stderr: `error: OUT holds files listed in ${OUTPUT_MARKER} where synth must write its own, but ${EDITED}: cluster-1/kustomization.yaml; move them away; nothing was changed\n`,
  },
  // The bytes are compared, not the size: an edit that keeps the length (a digit, a letter) is still an edit.
  "synth's own file, edited since keeping its size, that the next run writes unchanged": {
    tamper: (out) => {
      const file = join(out, SAME_IN_BOTH);
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, text.replace(/.$/s, text.endsWith('\n') ? '\r' : '\n'));
      return [];
    },
    code: 1,
    stderr: `error: OUT holds files listed in ${OUTPUT_MARKER} where synth must write its own, but ${EDITED}: ${SAME_IN_BOTH}; move them away; nothing was changed\n`,
  },
  'a marker of an earlier release, without hashes, over a changed tree': {
    tamper: (out) => {
      const paths = [...extraTree.keys()].filter((p) => p !== OUTPUT_MARKER);
      writeFileSync(join(out, OUTPUT_MARKER), `Written by argo-multicluster synth.\nfiles:\n${paths.join('\n')}\n`);
      writeFileSync(join(out, 'cluster-1', 'kustomization.yaml'), 'resources: []\n');
      return ['-f', extra];
    },
    code: 1,
    stderr: `error: OUT holds files listed in ${OUTPUT_MARKER} where synth must write its own, but it is listed without a hash (an earlier release) and differs from what synth writes now: cluster-1/kustomization.yaml; move them away; nothing was changed\n`,
  },
};

describe('a listed file is deleted or replaced only when synth provably wrote it', () => {
  test.each(Object.entries(cases))('%s', async (_name, c) => {
    // Each case starts from the "extra" tree; the next run writes the example, which drops EXTRA_NAMESPACE.
    const out = await synthesized(extra);
    const args = c.tamper(out);
    const before = listTree(out);
    const r = await runCli(['synth', ...(args.includes('-f') ? [] : ['--example']), '-o', out, ...args]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: c.code, stderr: c.stderr.replaceAll('OUT', out) });
    // Refused: nothing changed. Written: synth's own files follow the example, every other file keeps its bytes.
    const expected = { ...before };
    if (c.code === 0) {
      for (const path of extraTree.keys()) if (!exampleTree.has(path) && path !== c.keeps) delete expected[path];
      Object.assign(expected, Object.fromEntries(exampleTree));
    }
    expect(listTree(out)).toEqual(expected);
  });
});

describe('what synth proves it wrote is replaced as before', () => {
  test("synth's own files with the hashes the marker records are replaced and deleted", async () => {
    const out = await synthesized(extra);
    expect(await runCli(['synth', '--example', '-o', out])).toEqual({
      code: 0,
      stdout: `wrote ${exampleTree.size} files for 2 clusters in ${out}\n`,
      stderr: '',
    });
    expect(listTree(out)).toEqual(Object.fromEntries([['cluster-0', '/'], ['cluster-1', '/'], ...exampleTree]));
  });

  test('a marker of an earlier release (no list) over an unchanged tree is taken over, and the files it did not list are kept', async () => {
    const out = await synthesized();
    writeFileSync(
      join(out, OUTPUT_MARKER),
      'Written by argo-multicluster synth: this folder is replaced as a whole.\n',
    );
    writeFileSync(join(out, 'cluster-1', 'kept.yaml'), 'mine\n');
    expect(await runCli(['synth', '--example', '-o', out])).toEqual({
      code: 0,
      stdout: `wrote ${exampleTree.size} files for 2 clusters in ${out}\n`,
      stderr: '',
    });
    expect(readFileSync(join(out, OUTPUT_MARKER), 'utf8')).toBe(exampleTree.get(OUTPUT_MARKER));
    // From now on the hashes prove it: the next run drops what it no longer writes.
    expect((await runCli(['synth', '-f', extra, '-o', out])).code).toBe(0);
    expect(readFileSync(join(out, 'cluster-1', 'kept.yaml'), 'utf8')).toBe('mine\n');
    expect(readFileSync(join(out, OUTPUT_MARKER), 'utf8')).toBe(extraTree.get(OUTPUT_MARKER));
  });

  test('every path synth writes, Argo CD and Flux files included, is of its naming scheme; none under a dot-folder', () => {
    const t = loadTopologyFile(extra);
    const apps = gitopsAppFiles(t, {
      repoURL: 'https://git.example/fleet.git',
      path: 'dist',
      argocd: 'applications',
      flux: true,
      overlays: {},
    });
    const set = gitopsAppFiles(t, {
      repoURL: 'https://git.example/fleet.git',
      path: 'dist',
      argocd: 'applicationset',
      overlays: {},
    });
    const paths = [...extraTree.keys(), ...apps.keys(), ...set.keys()].filter((p) => p !== OUTPUT_MARKER);
    expect(paths.filter((p) => !isGitopsPath(p))).toEqual([]);
    expect(
      [
        '.git/HEAD',
        'cluster-0/.hidden_a_b.yaml',
        'cluster-0/argo.cluster-1.sealed.yaml',
        'notes.md',
        'cluster-0/x/y_z.yaml',
        '../a/b_c.yaml',
      ].filter(isGitopsPath),
    ).toEqual([]);
  });
});
