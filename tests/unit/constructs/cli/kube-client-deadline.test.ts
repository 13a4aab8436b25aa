import { Server as HttpsServer, createServer } from 'node:https';
import { Server as NetServer, Socket, createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import {
  KubeApiError,
  MAX_RESPONSE_BYTES,
  connectWithKubeconfigText,
  kubeRequest,
  startCommandDeadline,
} from '../../../../constructs/cli/kube-client';
import { localhostCertificate } from '../../support/tls';
import { TRANSFER_BUDGET_MS } from '../../support/budgets';

/**
 * Every cluster request ends, whatever the server does: hostile HTTPS servers on 127.0.0.1 trickle a byte at a time,
 * never finish TLS, or never stop sending. The deadlines are injected short (a socket timeout would be restarted by
 * every byte); the assertions are on the message, never on how long the machine took.
 */
jest.setTimeout(20_000);

const sockets = new Set<Socket>();
const servers: (HttpsServer | NetServer)[] = [];
const timers: NodeJS.Timeout[] = [];
afterAll(() => {
  timers.forEach(clearInterval);
  sockets.forEach((s) => s.destroy());
  servers.forEach((s) => s.close());
});
afterEach(() => startCommandDeadline(Number.POSITIVE_INFINITY));

async function listen(server: HttpsServer | NetServer): Promise<number> {
  servers.push(server);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

type Hostile = () => Promise<number>;
const { key, cert } = localhostCertificate();

const HOSTILE: Record<string, Hostile> = {
  'trickles the body, a byte every 50 ms': () =>
    listen(
      createServer({ key, cert }, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        timers.push(setInterval(() => res.write(' '), 50));
      }),
    ),
  'trickles the headers': () =>
    listen(
      createServer({ key, cert }, (req) => {
        const socket = req.socket;
        socket.write('HTTP/1.1 200 OK\r\n');
        timers.push(setInterval(() => socket.write('x-slow: 1\r\n'), 50));
      }),
    ),
  'accepts the connection and never answers TLS': () => listen(createNetServer(() => undefined)),
  'answers TLS and never answers the request': () => listen(createServer({ key, cert }, () => undefined)),
};

/** A profile's kubeconfig naming the hostile server, as a Secret planted in the cluster would. */
function planted(port: number) {
  const text = stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'c',
        cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': cert.toString('base64') },
      },
    ],
    users: [{ name: 'u', user: { token: 'not-a-real-token' } }],
    contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'c',
  });
  return connectWithKubeconfigText(text, 'profile argo/argo.x');
}

describe('one request ends within its deadline, naming the server', () => {
  test.each(Object.entries(HOSTILE))(
    'a server that %s',
    async (_name, start) => {
      const port = await start();
      const conn = planted(port);
      const error = await kubeRequest(conn, 'GET', '/api/v1/namespaces', undefined, 300).catch((e) => e);
      expect(error).toEqual(
        new KubeApiError(
          `GET /api/v1/namespaces on profile argo/argo.x (https://127.0.0.1:${port}): no complete answer within 0.3 s (connection, TLS, headers and body together)`,
        ),
      );
    },
    TRANSFER_BUDGET_MS,
  );
});

describe("all of a command's requests end within its overall deadline", () => {
  test('a request running when it passes is cut; a later one is not sent', async () => {
    const port = await HOSTILE['trickles the body, a byte every 50 ms']();
    const conn = planted(port);
    startCommandDeadline(300);
    const where = `GET /api on profile argo/argo.x (https://127.0.0.1:${port})`;
    const overall = "the command's overall deadline of 0.3 s (all its cluster requests together)";
    expect(await kubeRequest(conn, 'GET', '/api').catch((e) => e)).toEqual(
      new KubeApiError(`${where}: ${overall} passed before the answer was complete`),
    );
    expect(await kubeRequest(conn, 'GET', '/api').catch((e) => e)).toEqual(
      new KubeApiError(`${where}: not sent, ${overall} has passed`),
    );
  });
});

describe('an answer is kept in memory up to a limit', () => {
  // The limit must end the request, not the deadline: 64 MiB through TLS took more than the default 10 s with both
  // cores busy, so the request gets most of the test's budget as its deadline.
  test(
    'a server that never stops sending is cut at the limit',
    async () => {
      const chunk = Buffer.alloc(1 << 20, 32);
      const port = await listen(
        createServer({ key, cert }, (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          const more = () => {
            while (res.write(chunk));
          };
          res.on('drain', more);
          more();
        }),
      );
      expect(
        await kubeRequest(planted(port), 'GET', '/api', undefined, TRANSFER_BUDGET_MS - 5000).catch((e) => e),
      ).toEqual(
        new KubeApiError(
          `GET /api on profile argo/argo.x (https://127.0.0.1:${port}): the answer is larger than ${MAX_RESPONSE_BYTES / 2 ** 20} MiB, the most read`,
        ),
      );
    },
    TRANSFER_BUDGET_MS,
  );
});
