import { PROCESS_BUDGET_MS } from '../../support/budgets';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { serverUrlProblems } from '../../../../constructs/model/server-url';
import { topologyIssues } from '../../support/constructs';

const CONTROL = "which client-go's URL parser refuses; expected https://<host>[:port]";
const NOT_A_URL = 'is not a URL; expected https://<host>[:port] as the local controller reaches the remote API server';
const NO_HOST = 'has no host; client-go needs https://<host>[:port]';
const NOT_A_HOST = 'which is not a DNS name, an IPv4 address or a bracketed IPv6 address';
const PORT = 'a port is a number from 1 to 65535';
const NO_EXTRAS = 'must not carry credentials, a query or a fragment';

describe('server URLs are checked as client-go parses them', () => {
  const ACCEPTED = [
    'https://cluster-1.example.com:6443',
    'https://10.0.1.10',
    'https://[fd00::1]:6443',
    'https://rancher.example.com/k8s/clusters/c-m-1',
    'https://api.example.com.',
  ];
  const REFUSED: [string, string][] = [
    ['https://cluster-1\n.example.com', `holds a control character or a space at position 17, ${CONTROL}`],
    ['https://cluster-1.example.com:6443\t', `holds a control character or a space at position 34, ${CONTROL}`],
    [' https://cluster-1', `holds a control character or a space at position 0, ${CONTROL}`],
    ['https://cluster 1', `holds a control character or a space at position 15, ${CONTROL}`],
    ['https://', NO_HOST],
    ['https://:6443', NO_HOST],
    ['https://h:0', `has the port "0"; ${PORT}`],
    ['https://h:65536', `has the port "65536"; ${PORT}`],
    ['https://h:', `has the port ""; ${PORT}`],
    ['https://h:https', `has the port "https"; ${PORT}`],
    ['https://ex{a}mple.com', `has the host "ex{a}mple.com", ${NOT_A_HOST}`],
    ['https://[fd00::1', `has the host "[fd00::1", ${NOT_A_HOST}`],
    [
      'https://exämple.com',
      'holds a character that is not ASCII; write an internationalized host name in its xn-- (punycode) form',
    ],
    ['https://h/a%zz', "has a path with a bad %-escape or a backslash, which Go's URL parser refuses"],
    ['https:\\\\h', NOT_A_URL],
    ['https:h', NOT_A_URL],
    ['//h:6443', NOT_A_URL],
    ['http://h', 'must use https:// (the token is a bearer credential)'],
    ['https://admin@h', NO_EXTRAS],
    ['https://h/?watch=1', NO_EXTRAS],
    ['https://h#x', NO_EXTRAS],
  ];
  test.each(ACCEPTED)('accepted: %s', (server) => {
    expect(topologyIssues((t) => (t.remotes[0].server = server))).toEqual([]);
  });
  test.each(REFUSED)('refused: %j', (server, message) => {
    expect(topologyIssues((t) => (t.remotes[0].server = server))).toEqual([
      { path: 'remotes[0].server', value: server, message },
    ]);
  });
  test('every problem of a URL is named', () => {
    expect(serverUrlProblems('http://u@:0/%')).toEqual([
      'must use https:// (the token is a bearer credential)',
      NO_EXTRAS,
      NO_HOST,
      `has the port "0"; ${PORT}`,
      "has a path with a bad %-escape or a backslash, which Go's URL parser refuses",
    ]);
  });
});

/**
 * The server URL rules against the real parser: Go's net/url, as client-go's rest.DefaultServerURL calls it (a small
 * Go program of ours, run with the Go toolchain the integration tests build with). Every URL we accept must parse in
 * Go to an https URL with the same host and no credentials, query or fragment; every URL Go refuses, we refuse.
 */
describe("the rules agree with Go's URL parser", () => {
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

  test(
    `${CORPUS.length} URLs: what we accept, Go parses to the same https host; what Go refuses, we refuse`,
    () => {
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
      // Both sides of the comparison were exercised. What Go refuses is counted with a floor, not exactly: it is the Go
      // release installed on the machine that decides.
      expect(accepted).toBe(374);
      expect(goRefused).toBeGreaterThan(50);
    },
    PROCESS_BUDGET_MS,
  );
});
