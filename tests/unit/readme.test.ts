import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT } from './support/helpers';

/**
 * Every fenced block of README.md is run or says why not, so that a new block is never skipped unseen. The line before
 * each opening fence is a marker:
 * - `<!-- readme-test: topology -->`: a topology file; `validate -f` must accept it. The first one is also the
 *   `my-topology.yaml` and `topology.yaml` the shell blocks name.
 * - `<!-- readme-test: cli -->`: shell lines; each command of this CLI that needs no cluster is run with the built CLI
 *   in a scratch folder holding those files, and must exit 0 (`npm run synth` runs package.json's script, `mkdir -p`
 *   makes the folder). Commands that need a cluster (`profile`, `verify`, `rotate`, `fleet`) and other programs
 *   (`npm ci`, `pulumi`, `kubectl`) are not run; a block marked so runs at least one command.
 * - `<!-- readme-test: not run: REASON -->`: not a topology and no command of this CLI that could run here.
 */

const MARKER = /^<!-- readme-test: (topology|cli|not run: .+) -->$/;
/** The CLI's commands that talk to a cluster: not run here. */
const NEEDS_CLUSTER = new Set(['profile', 'verify', 'rotate', 'fleet']);
const CLI_PREFIXES = ['node lib/constructs/cli/main.js ', 'npx argo-multicluster ', 'argo-multicluster '];

interface Block {
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly language: string;
  readonly marker: string | undefined;
  readonly body: string;
}

function blocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const found: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`README.md:${i + 1}: a fence that is never closed`);
    found.push({
      line: i + 1,
      language: open[1],
      marker: MARKER.exec(lines[i - 1] ?? '')?.[1],
      body: lines.slice(i + 1, end).join('\n'),
    });
    i = end;
  }
  return found;
}

/** A shell step: what the test does with it. */
type Step =
  | { kind: 'cli'; args: string[]; text: string }
  | { kind: 'npm-synth'; text: string }
  | { kind: 'mkdir'; path: string; text: string }
  | { kind: 'needs a cluster' | 'another program'; text: string };

/** The commands of a shell block: continuation lines joined, comments dropped, `&&` chains split. */
function steps(body: string): Step[] {
  return body
    .replace(/\s*\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line && !line.startsWith('#'))
    .flatMap((line) => line.split(/\s*&&\s*/))
    .map((text): Step => {
      const prefix = CLI_PREFIXES.find((p) => text.startsWith(p));
      if (prefix) {
        const args = text.slice(prefix.length).split(/\s+/);
        if (NEEDS_CLUSTER.has(args[0]) || text.includes('|')) return { kind: 'needs a cluster', text };
        return { kind: 'cli', args, text };
      }
      if (text === 'npm run synth') return { kind: 'npm-synth', text };
      const mkdir = /^mkdir -p (\S+)$/.exec(text);
      if (mkdir) return { kind: 'mkdir', path: mkdir[1], text };
      return { kind: 'another program', text };
    });
}

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const all = blocks(readme);
const topologies = all.filter((b) => b.marker === 'topology');

test('every fenced block of README.md is marked: tested as a topology, run as commands, or not run with a reason', () => {
  expect(all.filter((b) => b.marker === undefined).map((b) => `README.md:${b.line} (${b.language})`)).toEqual([]);
  expect(topologies.length).toBeGreaterThan(0);
});

const run = (cwd: string, args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env } });
  return { code: r.status, stderr: r.stderr };
};

describe.each(topologies.map((b) => [b.line, b] as const))('the topology at README.md:%i', (_line, block) => {
  test('passes validate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'amc-readme-'));
    writeFileSync(join(dir, 'topology.yaml'), block.body);
    const r = spawnSync(process.execPath, [CLI, 'validate', '-f', 'topology.yaml'], { cwd: dir, encoding: 'utf8' });
    expect({ code: r.status, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^topology\.yaml: valid /);
  });
});

const commandBlocks = all.filter((b) => b.marker === 'cli');
describe.each(commandBlocks.map((b) => [b.line, b] as const))('the commands at README.md:%i', (_line, block) => {
  test('each command of the CLI that needs no cluster exits 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'amc-readme-'));
    for (const name of ['my-topology.yaml', 'topology.yaml']) writeFileSync(join(dir, name), topologies[0].body);
    const ran: string[] = [];
    for (const step of steps(block.body)) {
      if (step.kind === 'mkdir') mkdirSync(join(dir, step.path), { recursive: true });
      if (step.kind === 'cli') expect([step.text, run(dir, step.args)]).toEqual([step.text, { code: 0, stderr: '' }]);
      if (step.kind === 'npm-synth') {
        // package.json's script builds, then runs the CLI: the CLI part, with the CLI the tests built.
        const script: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.synth;
        const cli = /node lib\/constructs\/cli\/main\.js (.*)$/.exec(script);
        expect(cli).not.toBeNull();
        expect([step.text, run(dir, cli![1].split(' '))]).toEqual([step.text, { code: 0, stderr: '' }]);
        // What the README says it does: the built-in example's two cluster folders in dist/.
        expect(['cluster-0', 'cluster-1'].map((c) => existsSync(join(dir, 'dist', c, 'kustomization.yaml')))).toEqual([
          true,
          true,
        ]);
      }
      if (step.kind === 'cli' || step.kind === 'npm-synth') ran.push(step.text);
    }
    expect(ran.length).toBeGreaterThan(0);
  });
});

test('a block that is not run holds no command of the CLI that could run here', () => {
  const runnable = all
    .filter((b) => b.marker?.startsWith('not run') && /^(sh|bash)$/.test(b.language))
    .flatMap((b) =>
      steps(b.body)
        .filter((s) => s.kind === 'cli' || s.kind === 'npm-synth')
        .map((s) => `README.md:${b.line}: ${s.text}`),
    );
  expect(runnable).toEqual([]);
});

test('the shell steps are read as the README means them', () => {
  expect(
    steps(
      [
        'npm ci && npm run synth    # a comment',
        '# a comment line',
        'argo-multicluster synth -f t.yaml \\',
        '  --flux --repo https://x/y.git',
        'node lib/constructs/cli/main.js profile -f t.yaml --remote c | kubeseal > p.yaml',
        'npx argo-multicluster validate --example',
        'mkdir -p gitops/overlays/c',
      ].join('\n'),
    ),
  ).toEqual([
    { kind: 'another program', text: 'npm ci' },
    { kind: 'npm-synth', text: 'npm run synth' },
    {
      kind: 'cli',
      args: ['synth', '-f', 't.yaml', '--flux', '--repo', 'https://x/y.git'],
      text: 'argo-multicluster synth -f t.yaml --flux --repo https://x/y.git',
    },
    {
      kind: 'needs a cluster',
      text: 'node lib/constructs/cli/main.js profile -f t.yaml --remote c | kubeseal > p.yaml',
    },
    { kind: 'cli', args: ['validate', '--example'], text: 'npx argo-multicluster validate --example' },
    { kind: 'mkdir', path: 'gitops/overlays/c', text: 'mkdir -p gitops/overlays/c' },
  ]);
});
