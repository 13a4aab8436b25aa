/**
 * Loopback networking of the integration tests: free ports, readiness probes, and a network namespace of its own
 * for a process, in which only chosen loopback ports of the host are reachable.
 *
 * @packageDocumentation
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { join } from 'node:path';

/** `count` distinct free TCP ports on 127.0.0.1. */
export async function freePorts(count: number): Promise<number[]> {
  // Every probe socket stays open until all ports are picked, so no port is handed out twice.
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      ports.push((server.address() as net.AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/**
 * The body of a `200` answer to `GET url` (http or https, with `tls` for the latter); undefined for any other status,
 * an error, or no answer within 2 s. Meant for readiness probes, which only ever ask again.
 */
export function probe(url: string, tls: https.RequestOptions = {}): Promise<string | undefined> {
  return new Promise((resolve) => {
    const onResponse = (res: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(res.statusCode === 200 ? Buffer.concat(chunks).toString('utf8') : undefined));
      res.on('error', () => resolve(undefined));
    };
    const req = url.startsWith('https:')
      ? https.get(url, { ...tls, timeout: 2_000 }, onResponse)
      : http.get(url, { timeout: 2_000 }, onResponse);
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/** A network namespace of its own for one command; see {@link isolatedLoopback}. */
export interface IsolatedLoopback {
  /** The command line that runs the command inside the namespace. */
  readonly argv: readonly string[];
  /** Closes the host side of the bridges; call it once the command has exited. */
  close(): Promise<void>;
}

/**
 * What the namespace set-up writes to the command's output when it fails: unshare(1) and ip(8) name themselves, and
 * `Cannot find device` is ip's answer when there is no `lo`.
 */
export const NAMESPACE_SETUP_FAILURE = /unshare: |ip: |Cannot find device/;

// Runs inside the namespace: listens on each port on 127.0.0.1, carries the bytes through a Unix socket in `dir` to
// the host side, and starts the command once every port listens; signals reach the command and its exit code is ours.
const BRIDGE = `
const net = require('net');
const { spawn } = require('child_process');
const [dir, ports, ...cmd] = process.argv.slice(1);
const list = ports.split(',');
let listening = 0;
for (const port of list) {
  net.createServer((s) => {
    const u = net.connect(dir + '/api-' + port + '.sock');
    s.pipe(u); u.pipe(s);
    s.on('error', () => u.destroy()); u.on('error', () => s.destroy());
  }).listen(Number(port), '127.0.0.1', () => { if (++listening === list.length) start(); });
}
function start() {
  const child = spawn(cmd[0], cmd.slice(1), { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code === null ? 1 : code));
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => child.kill(sig));
}
`;

/**
 * Prepares a new network namespace (`unshare -rn`, as an unprivileged user) for `argv`, in which 127.0.0.1 serves
 * exactly `ports`, each carried to the same port on the host's 127.0.0.1; whatever the command itself listens on is
 * seen by nothing else. The Unix sockets of the bridges are made in `dir`. Start the returned `argv` (unshare and
 * iproute2 must be installed; {@link NAMESPACE_SETUP_FAILURE} matches its output when the set-up fails).
 */
export async function isolatedLoopback(
  dir: string,
  ports: readonly number[],
  argv: readonly string[],
): Promise<IsolatedLoopback> {
  const bridges = await Promise.all(
    ports.map(
      (port) =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer((s) => {
            const t = net.connect(port, '127.0.0.1');
            s.pipe(t);
            t.pipe(s);
            s.on('error', () => t.destroy());
            t.on('error', () => s.destroy());
          });
          server.on('error', reject);
          server.listen(join(dir, `api-${port}.sock`), () => resolve(server));
        }),
    ),
  );
  return {
    argv: [
      'unshare',
      '-rn',
      'sh',
      '-c',
      'ip link set lo up && exec "$0" "$@"',
      process.execPath,
      '-e',
      BRIDGE,
      dir,
      ports.join(','),
      ...argv,
    ],
    close: async () => {
      await Promise.all(bridges.map((b) => new Promise((r) => b.close(r))));
    },
  };
}
