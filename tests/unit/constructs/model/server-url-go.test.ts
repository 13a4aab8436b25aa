import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { serverUrlProblems } from '../../../../constructs/model/server-url';

/**
 * The server URL rules against the real parser: Go's net/url, as client-go's rest.DefaultServerURL calls it (a small
 * Go program of ours, run with the Go toolchain the integration tests build with). Every URL we accept must parse in
 * Go to an https URL with the same host and no credentials, query or fragment; every URL Go refuses, we refuse.
 */

const GO = process.env.GO ?? ['/usr/local/go/bin/go', '/usr/bin/go'].find(existsSync) ?? 'go';

interface GoResult {
  err?: string;
  scheme: string;
  hostname: string;
  port: string;
  user: boolean;
  query: string;
  fragment: string;
}

function goParse(urls: string[]): GoResult[] {
  const r = spawnSync(GO, ['run', join(__dirname, '..', '..', 'support', 'go', 'urlparse.go')], {
    input: JSON.stringify(urls),
    encoding: 'utf8',
    env: { ...process.env, GOTOOLCHAIN: 'local', GOPROXY: 'off', GOFLAGS: '' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0)
    throw new Error(`the Go toolchain is needed for this test (${GO}, or $GO): ${r.error?.message ?? r.stderr}`);
  return JSON.parse(r.stdout);
}

const BASE = 'https://cluster-1.example.com:6443/prefix';
const ODD_CHARACTERS = [
  ...Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)),
  '\u0085',
  '\u00a0',
  'é',
  '\u2028',
  '\ufeff',
  '%zz',
  '%41',
  '[',
  ']',
  '::',
];
const POSITIONS = [0, 5, 6, 8, 9, 17, 29, 30, 34, BASE.length];

const CORPUS = [
  ...ODD_CHARACTERS.flatMap((c) => POSITIONS.map((at) => BASE.slice(0, at) + c + BASE.slice(at))),
  'https://10.0.0.1',
  'https://[fd00::1]:6443',
  'https://[fd00::1]',
  'https://[fd00::1',
  'https://fd00::1',
  'https://h:65535',
  'https://h:65536',
  'https://h:',
  'https://h:0',
  'https://',
  'https://:1',
  'HTTPS://UPPER.example.com',
  'https://a_b.example.com',
  'https://h/%41',
  'https://h/a b',
  'https://u:p@h',
  'https://@h',
  'https://h?',
  'https://h#',
  'https:h',
  'https:/h',
  'https:///h',
  'https://h.',
  'https://.h',
  'https://h..i',
  'https://-h',
  'cluster-1:6443',
];

test(`${CORPUS.length} URLs: what we accept, Go parses to the same https host; what Go refuses, we refuse`, () => {
  const go = goParse(CORPUS);
  const disagreements: string[] = [];
  let accepted = 0;
  let goRefused = 0;
  CORPUS.forEach((url, i) => {
    const ours = serverUrlProblems(url);
    const theirs = go[i];
    if (theirs.err) goRefused++;
    if (theirs.err && ours.length === 0)
      disagreements.push(`${JSON.stringify(url)}: Go refuses (${theirs.err}), we accept`);
    if (ours.length === 0) {
      accepted++;
      const authority = /^https:\/\/([^/]*)/i.exec(url)![1];
      const host = authority.startsWith('[')
        ? authority.slice(1, authority.indexOf(']'))
        : authority.replace(/:\d+$/, '');
      const expected = { scheme: 'https', hostname: host, user: false, query: '', fragment: '' };
      const got = {
        scheme: theirs.scheme,
        hostname: theirs.hostname,
        user: theirs.user,
        query: theirs.query,
        fragment: theirs.fragment,
      };
      if (JSON.stringify(got) !== JSON.stringify(expected))
        disagreements.push(`${JSON.stringify(url)}: we accept, Go reads ${JSON.stringify(got)}`);
    }
  });
  expect(disagreements).toEqual([]);
  // Both sides of the comparison were exercised.
  expect(accepted).toBeGreaterThan(50);
  expect(goRefused).toBeGreaterThan(50);
});
