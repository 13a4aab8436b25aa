import { closeSync, mkdtempSync, openSync, ftruncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputTooLargeError, MAX_INPUT_BYTES, readInputFile } from '../../../../constructs/model/input-file';
import { runCli } from '../../support/in-process-cli';

/** What the CLI reads from a file the user names is capped: `/dev/zero` ends in a message naming the limit. */
const work = mkdtempSync(join(tmpdir(), 'amc-input-'));
const sparse = (size: number) => {
  const file = join(work, `sparse-${size}`);
  const fd = openSync(file, 'w');
  ftruncateSync(fd, size);
  closeSync(fd);
  return file;
};
const LIMIT = '16 MiB (16777216 bytes)';

describe('readInputFile', () => {
  test('reads a file up to the limit, and refuses one byte more naming the limit', () => {
    const file = join(work, 'small');
    writeFileSync(file, 'a: 1\n');
    expect(readInputFile(file, 'topology file').toString()).toBe('a: 1\n');
    expect(readInputFile(sparse(MAX_INPUT_BYTES), 'topology file').length).toBe(MAX_INPUT_BYTES);
    expect(() => readInputFile(sparse(MAX_INPUT_BYTES + 1), 'topology file')).toThrow(
      new InputTooLargeError('topology file', MAX_INPUT_BYTES),
    );
    expect(() => readInputFile('/dev/zero', 'kubeconfig', 10)).toThrow(
      'is larger than 10 bytes, the most read from a kubeconfig',
    );
  });
});

const cases: [string, string[], number, string][] = [
  [
    'validate -f /dev/zero',
    ['validate', '-f', '/dev/zero'],
    2,
    `error: /dev/zero is invalid:\n  - (file): "/dev/zero" is larger than ${LIMIT}, the most read from a topology file\n`,
  ],
  [
    'synth -f a file one byte over the limit',
    ['synth', '-f', sparse(MAX_INPUT_BYTES + 1), '-o', join(work, 'out')],
    2,
    `error: ${join(work, `sparse-${MAX_INPUT_BYTES + 1}`)} is invalid:\n  - (file): "${join(work, `sparse-${MAX_INPUT_BYTES + 1}`)}" is larger than ${LIMIT}, the most read from a topology file\n`,
  ],
  [
    'profile --kubeconfig /dev/zero',
    ['profile', '--remote', 'cluster-1', '--kubeconfig', '/dev/zero'],
    1,
    `error: kubeconfig /dev/zero is larger than ${LIMIT}, the most read from a kubeconfig\n`,
  ],
  [
    'verify --kubeconfig /dev/zero',
    ['verify', '--context', 'c', '--kubeconfig', '/dev/zero'],
    1,
    `error: kubeconfig /dev/zero is larger than ${LIMIT}, the most read from a kubeconfig\n`,
  ],
];

describe('the CLI refuses an endless or huge input file, naming the limit, and writes nothing', () => {
  test.each(cases)('%s', async (_name, args, code, stderr) => {
    expect(await runCli(args)).toEqual({ code, stdout: '', stderr });
    expect(() => openSync(join(work, 'out'), 'r')).toThrow(/ENOENT/);
  });
});
