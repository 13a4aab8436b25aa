import { readRemoteCredentials } from '../../../../constructs/cli/credentials';
import { KubeApiError } from '../../../../constructs/cli/kube-client';
import { example, topology } from '../../support/helpers';
import { fakeKube, kubeError, requests } from '../../support/cli';

afterEach(() => {
  jest.restoreAllMocks();
  jest.useRealTimers();
});

const TOKEN_PATH = '/api/v1/namespaces/default/secrets/argo.cluster-0.service-account-token';
const filled = { data: { token: Buffer.from('the-token').toString('base64'), 'ca.crt': 'Q0E=' } };

describe('readRemoteCredentials', () => {
  test("reads the token Secret of the remote's generation in its first namespace, by name, and decodes the token", async () => {
    const t = topology((r) => {
      r.remotes[0].namespaces = ['team-a', 'team-b'];
      r.remotes[0].tokenGeneration = 2;
    });
    const kube = fakeKube(() => filled);
    expect(await readRemoteCredentials(t, t.remotes[0])).toEqual({ token: 'the-token', caData: 'Q0E=' });
    expect(kube.connects).toEqual([{ context: 'cluster-1' }]);
    expect(requests(kube)).toEqual([
      'cluster-1 GET /api/v1/namespaces/team-a/secrets/argo.cluster-0.service-account-token.2',
    ]);
  });

  test('a context and a kubeconfig given override the topology', async () => {
    const t = example();
    const kube = fakeKube(() => filled);
    await readRemoteCredentials(t, t.remotes[0], { context: 'admin@c1', kubeconfig: '/k' });
    expect(kube.connects).toEqual([{ context: 'admin@c1', kubeconfig: '/k' }]);
    expect(requests(kube)).toEqual([`admin@c1 GET ${TOKEN_PATH}`]);
  });

  test('a remote that skips TLS verification needs no CA', async () => {
    const t = topology((r) => (r.remotes[0].insecureSkipTLSVerify = true));
    fakeKube(() => ({ data: { token: filled.data.token } }));
    expect(await readRemoteCredentials(t, t.remotes[0])).toEqual({ token: 'the-token', caData: undefined });
  });

  test('a missing token Secret says to apply the remote objects first', async () => {
    const t = example();
    fakeKube((call) => kubeError(call, 404, 'not found'));
    await expect(readRemoteCredentials(t, t.remotes[0])).rejects.toThrow(
      new Error(
        'remote cluster-1: token Secret default/argo.cluster-0.service-account-token does not exist yet; apply the remote objects to cluster-1 first',
      ),
    );
  });

  test('any other failure of the request is passed on as it is', async () => {
    const t = example();
    const forbidden = new KubeApiError(`GET ${TOKEN_PATH} on cluster-1: 403 forbidden`, 403);
    fakeKube(() => {
      throw forbidden;
    });
    await expect(readRemoteCredentials(t, t.remotes[0])).rejects.toBe(forbidden);
  });

  describe('a token Secret the token controller has not filled yet', () => {
    test('is polled until it holds the token and, for a remote that verifies TLS, the CA', async () => {
      jest.useFakeTimers();
      const t = example();
      const answers = [{}, { data: { token: filled.data.token } }, filled];
      const kube = fakeKube(() => answers.shift());
      const read = readRemoteCredentials(t, t.remotes[0]);
      await jest.advanceTimersByTimeAsync(1000);
      expect(await read).toEqual({ token: 'the-token', caData: 'Q0E=' });
      expect(requests(kube)).toEqual(Array(3).fill(`cluster-1 GET ${TOKEN_PATH}`));
    });

    test('is given up after 15 s, asking whether the token controller runs', async () => {
      jest.useFakeTimers();
      const t = example();
      fakeKube(() => ({ data: { token: filled.data.token } }));
      let outcome: unknown;
      readRemoteCredentials(t, t.remotes[0]).then(
        (v) => (outcome = v),
        (e: Error) => (outcome = e.message),
      );
      await jest.advanceTimersByTimeAsync(14_900);
      expect(outcome).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1000);
      expect(outcome).toBe(
        'remote cluster-1: token Secret default/argo.cluster-0.service-account-token has no token yet; is the token controller of cluster-1 running?',
      );
    });
  });
});
