import { profileKubeconfig } from '../../../../constructs';
import { RotateInputError, RotateOptions, rotateToken } from '../../../../constructs/cli/rotate';
import { KubeCall, fakeKube, kubeError, requests } from '../../support/cli';
import { find, objects, topology } from '../../support/helpers';

const NOW = '2030-01-02T03:04:05.000Z';
beforeEach(() => jest.useFakeTimers({ now: new Date(NOW) }));
afterEach(() => {
  jest.restoreAllMocks();
  jest.useRealTimers();
});

const SECRETS = '/api/v1/namespaces/default/secrets';
const OLD = 'argo.cluster-0.service-account-token';
const NEW = 'argo.cluster-0.service-account-token.1';
const PROFILE = '/api/v1/namespaces/argo/secrets/argo.cluster-1';
const DEPLOYMENT = '/apis/apps/v1/namespaces/argo/deployments/workflow-controller';
const SA_TOKEN = 'kubernetes.io/service-account-token';

/** The example with the remote's tokenGeneration raised to 1, as the user does before `rotate`. */
const raised = () => topology((r) => (r.remotes[0].tokenGeneration = 1));

/** The profile's data.kubeconfig for a token of the remote's token controller. */
const profileData = (token: string) => {
  const t = raised();
  return Buffer.from(profileKubeconfig(t, t.remotes[0], { token, caData: 'Q0E=' })).toString('base64');
};

/** The token the fake token controller puts into the token Secret `name`. */
const tokenOf = (name: string) => `token-of-${name}`;

/**
 * The two clusters as the API servers hold them: objects by `<context> <path>`. The remote's token controller fills
 * a token Secret as soon as it is created; the controller Deployment reports, at each read, the next of `rollout`
 * (the last one from then on).
 */
class Clusters {
  readonly objects = new Map<string, any>();
  rollout: ((generation: number) => object)[] = [(generation) => rolledOut(generation, 1)];
  /** Answers a DELETE instead of deleting. */
  onDelete?: (call: KubeCall) => unknown;

  constructor(remoteSecrets: { name: string; type?: string }[], profile: string | undefined) {
    for (const s of remoteSecrets)
      this.put('cluster-1', `${SECRETS}/${s.name}`, { metadata: { name: s.name }, type: s.type });
    if (profile)
      this.put('cluster-0', PROFILE, { metadata: { name: 'argo.cluster-1' }, data: { kubeconfig: profile } });
    this.put('cluster-0', DEPLOYMENT, { metadata: { generation: 4 }, spec: { replicas: 1 } });
  }

  put(context: string, path: string, object: any) {
    if (object.type === SA_TOKEN) {
      const token = Buffer.from(tokenOf(object.metadata.name)).toString('base64');
      object = { ...object, data: { token, 'ca.crt': 'Q0E=' } };
    }
    this.objects.set(`${context} ${path}`, object);
  }

  readonly answer = (call: KubeCall): unknown => {
    const key = `${call.context} ${call.path}`;
    const object = this.objects.get(key);
    const body = call.body as any;
    switch (call.method) {
      case 'GET':
        if (call.path === SECRETS)
          return { items: [...this.objects].filter(([k]) => k.startsWith(`${key}/`)).map(([, o]) => o) };
        if (!object) return kubeError(call, 404, 'not found');
        if (call.path === DEPLOYMENT)
          return {
            ...object,
            status: (this.rollout.length > 1 ? this.rollout.shift()! : this.rollout[0])(object.metadata.generation),
          };
        return object;
      case 'POST':
        this.put(call.context, `${call.path}/${body.metadata.name}`, body);
        return body;
      case 'PATCH': {
        const patched = mergePatch(object, body);
        // A change of the pod template is a new generation of the Deployment.
        if (call.path === DEPLOYMENT) patched.metadata = { generation: object.metadata.generation + 1 };
        this.objects.set(key, patched);
        return patched;
      }
      case 'DELETE':
        if (this.onDelete) return this.onDelete(call);
        if (!this.objects.delete(key)) return kubeError(call, 404, 'not found');
        return {};
      default:
        throw new Error(`unexpected ${call.method} ${call.path}`);
    }
  };
}

/** `target` with a JSON merge patch (RFC 7396) applied, as PATCH applies it. */
function mergePatch(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** A Deployment status with every one of `replicas` pods of `generation` updated and available. */
const rolledOut = (generation: number, replicas: number) => ({
  observedGeneration: generation,
  replicas,
  updatedReplicas: replicas,
  availableReplicas: replicas,
});

/** Rotates the last remote of `t` to its end, moving the fake clock on while it waits; its log lines and the requests. */
async function rotate(clusters: Clusters, t = raised(), opts: Partial<RotateOptions> = {}) {
  const kube = fakeKube(clusters.answer);
  const log: string[] = [];
  let settled = false;
  const done = rotateToken(t, t.remotes[t.remotes.length - 1], { kubeconfig: '/k', ...opts, log: (l) => log.push(l) });
  done.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 1000 && !settled; i++) await jest.advanceTimersByTimeAsync(1000);
  return { done, log, kube };
}

/** What rotate logs when it creates the new token Secret, rewrites `profiles`, rolls, and deletes `deleted`. */
const rotationLog = (profiles: string[], deleted: string[]) => [
  `created token Secret default/${NEW} in cluster-1`,
  `waiting for the token controller to fill default/${NEW}`,
  ...profiles.map((p) => `rewrote profile argo/${p} in cluster-0`),
  'rolling deployment argo/workflow-controller in cluster-0',
  'waiting up to 300 s for the rollout (--timeout)',
  'deployment argo/workflow-controller rolled out',
  ...deleted.map((d) => `deleted old token Secret default/${d} in cluster-1`),
];

describe('rotateToken', () => {
  test('profilePerNamespace: every profile of the remote gets the one new token', async () => {
    const t = topology((r) =>
      Object.assign(r.remotes[0], { tokenGeneration: 1, namespaces: ['default', 'team-b'], profilePerNamespace: true }),
    );
    const clusters = new Clusters([{ name: OLD, type: SA_TOKEN }], undefined);
    const paths = ['default', 'team-b'].map((ns) => `/api/v1/namespaces/argo/secrets/argo.cluster-1-${ns}`);
    for (const path of paths) clusters.put('cluster-0', path, { data: { kubeconfig: profileData(tokenOf(OLD)) } });
    const { done, log, kube } = await rotate(clusters, t);
    await expect(done).resolves.toBeUndefined();
    expect(log).toEqual(rotationLog(['argo.cluster-1-default', 'argo.cluster-1-team-b'], [OLD]));
    for (const path of paths) {
      expect(kube.calls.find((c) => c.method === 'PATCH' && c.path === path)!.body).toEqual({
        data: { kubeconfig: profileData(tokenOf(NEW)) },
      });
    }
  });

  test('new token Secret, its token in the profile, the controller rolled and awaited, then every other generation deleted', async () => {
    const clusters = new Clusters(
      [
        { name: OLD, type: SA_TOKEN },
        { name: 'argo.cluster-0.service-account-token.7', type: SA_TOKEN },
        // Not token Secrets of this controller's identity: kept.
        { name: 'argo.cluster-9.service-account-token', type: SA_TOKEN },
        { name: 'argo.cluster-0.service-account-token.x', type: SA_TOKEN },
        { name: 'argo.cluster-0.service-account-token.3', type: 'Opaque' },
        { name: 'artifacts', type: 'Opaque' },
      ],
      profileData(tokenOf(OLD)),
    );
    const { done, log, kube } = await rotate(clusters);
    await expect(done).resolves.toBeUndefined();
    expect(log).toEqual(rotationLog(['argo.cluster-1'], [OLD, 'argo.cluster-0.service-account-token.7']));
    expect(kube.connects).toEqual([
      { context: 'cluster-1', kubeconfig: '/k' },
      { context: 'cluster-0', kubeconfig: '/k' },
      { context: 'cluster-1', kubeconfig: '/k' },
    ]);
    expect(requests(kube)).toEqual([
      `cluster-0 GET ${PROFILE}`,
      `cluster-1 GET ${SECRETS}`,
      `cluster-1 GET ${SECRETS}/${NEW}`,
      `cluster-1 POST ${SECRETS}`,
      `cluster-1 GET ${SECRETS}/${NEW}`,
      `cluster-0 PATCH ${PROFILE}`,
      `cluster-0 PATCH ${DEPLOYMENT}`,
      `cluster-0 GET ${DEPLOYMENT}`,
      `cluster-1 DELETE ${SECRETS}/${OLD}`,
      `cluster-1 DELETE ${SECRETS}/argo.cluster-0.service-account-token.7`,
    ]);
    const body = (method: string, path: string) => kube.calls.find((c) => c.method === method && c.path === path)!.body;
    expect(body('POST', SECRETS)).toEqual(find(objects(raised()).get('cluster-1')!, 'Secret', NEW, 'default'));
    expect(body('PATCH', PROFILE)).toEqual({ data: { kubeconfig: profileData(tokenOf(NEW)) } });
    expect(body('PATCH', DEPLOYMENT)).toEqual({
      spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': NOW } } } },
    });
    expect([...clusters.objects.keys()].filter((k) => k.startsWith(`cluster-1 ${SECRETS}/`)).sort()).toEqual(
      [
        NEW,
        'argo.cluster-9.service-account-token',
        'argo.cluster-0.service-account-token.x',
        'argo.cluster-0.service-account-token.3',
        'artifacts',
      ]
        .map((n) => `cluster-1 ${SECRETS}/${n}`)
        .sort(),
    );
  });

  test('a rerun finds the token Secret it created and the profile it rewrote, and finishes the rest', async () => {
    const clusters = new Clusters(
      [
        { name: OLD, type: SA_TOKEN },
        { name: NEW, type: SA_TOKEN },
      ],
      profileData(tokenOf(NEW)),
    );
    const { done, log, kube } = await rotate(clusters);
    await expect(done).resolves.toBeUndefined();
    expect(log).toEqual([
      `token Secret default/${NEW} exists in cluster-1`,
      `waiting for the token controller to fill default/${NEW}`,
      'rolling deployment argo/workflow-controller in cluster-0',
      'waiting up to 300 s for the rollout (--timeout)',
      'deployment argo/workflow-controller rolled out',
      `deleted old token Secret default/${OLD} in cluster-1`,
    ]);
    expect(kube.calls.filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path}`)).toEqual([
      `PATCH ${DEPLOYMENT}`,
      `DELETE ${SECRETS}/${OLD}`,
    ]);
  });

  test('with nothing left to rotate it asks for a higher tokenGeneration, naming the remote, and changes nothing', async () => {
    const t = topology((r) => {
      // cluster-2 is reached through the fake's context cluster-1; one context is one remote, so cluster-1 moves.
      r.remotes[0].context = 'cluster-1-elsewhere';
      r.remotes.push({ name: 'cluster-2', context: 'cluster-1', server: 'https://c2:6443', tokenGeneration: 1 });
    });
    const clusters = new Clusters([{ name: NEW, type: SA_TOKEN }], undefined);
    const kubeconfig = profileKubeconfig(t, t.remotes[1], { token: tokenOf(NEW), caData: 'Q0E=' });
    clusters.put('cluster-0', '/api/v1/namespaces/argo/secrets/argo.cluster-2', {
      metadata: { name: 'argo.cluster-2' },
      data: { kubeconfig: Buffer.from(kubeconfig).toString('base64') },
    });
    const { done, kube } = await rotate(clusters, t);
    await expect(done).rejects.toThrow(
      new RotateInputError(
        `rotate: the profile of cluster-2 already uses token Secret ${NEW} and no other generation is left; ` +
          'raise remotes[1].tokenGeneration (now 1) to 2 in the topology to rotate',
      ),
    );
    await expect(done).rejects.toBeInstanceOf(RotateInputError);
    expect(kube.calls.filter((c) => c.method !== 'GET')).toEqual([]);
  });

  test('without the profile Secret it says to create it first, before anything is written', async () => {
    const clusters = new Clusters([{ name: OLD, type: SA_TOKEN }], undefined);
    const { done, kube } = await rotate(clusters);
    await expect(done).rejects.toThrow(
      new RotateInputError(
        'rotate: the profile Secret argo/argo.cluster-1 does not exist in cluster-0; create it first (argo-multicluster profile)',
      ),
    );
    await expect(done).rejects.toBeInstanceOf(RotateInputError);
    expect(requests(kube)).toEqual([`cluster-0 GET ${PROFILE}`]);
  });

  test('secrets.mode external is refused before any cluster is contacted', async () => {
    const t = topology((r) => {
      r.remotes[0].tokenGeneration = 1;
      r.secrets = { store: { name: 's' } };
    });
    const { done, kube } = await rotate(new Clusters([], undefined), t);
    await expect(done).rejects.toThrow(
      new RotateInputError(
        'rotate: secrets.mode "external" renders the profile of cluster-1 through external-secrets.io from the token Secret named by tokenGeneration; ' +
          'raise tokenGeneration, apply the remote folder without pruning, then the local one, and delete the old token Secret after the controller rolled',
      ),
    );
    await expect(done).rejects.toBeInstanceOf(RotateInputError);
    expect(kube.connects).toEqual([]);
  });

  test('--no-wait rolls the controller and deletes the old token without reading the rollout', async () => {
    const clusters = new Clusters([{ name: OLD, type: SA_TOKEN }], profileData(tokenOf(OLD)));
    const { done, log, kube } = await rotate(clusters, raised(), { noWait: true });
    await expect(done).resolves.toBeUndefined();
    expect(log.slice(3)).toEqual([
      'rolling deployment argo/workflow-controller in cluster-0',
      'not waiting for the rollout (--no-wait)',
      `deleted old token Secret default/${OLD} in cluster-1`,
    ]);
    expect(requests(kube).slice(-2)).toEqual([`cluster-0 PATCH ${DEPLOYMENT}`, `cluster-1 DELETE ${SECRETS}/${OLD}`]);
  });

  test.each([
    ['the new generation not yet observed', { ...rolledOut(4, 2) }],
    ['a pod not yet updated', { ...rolledOut(5, 2), updatedReplicas: 1 }],
    ['a pod not yet available', { ...rolledOut(5, 2), availableReplicas: 1 }],
    ['an old pod still there', { ...rolledOut(5, 2), replicas: 3 }],
    ['no status yet', undefined],
  ])('the old token is deleted only once the rollout is done, not with %s', async (_name, status) => {
    const clusters = new Clusters([{ name: OLD, type: SA_TOKEN }], profileData(tokenOf(OLD)));
    clusters.put('cluster-0', DEPLOYMENT, { metadata: { generation: 4 }, spec: { replicas: 2 } });
    clusters.rollout = [() => status!, (generation) => rolledOut(generation, 2)];
    const { done, kube } = await rotate(clusters);
    await expect(done).resolves.toBeUndefined();
    expect(requests(kube).slice(-3)).toEqual([
      `cluster-0 GET ${DEPLOYMENT}`,
      `cluster-0 GET ${DEPLOYMENT}`,
      `cluster-1 DELETE ${SECRETS}/${OLD}`,
    ]);
  });

  test('a rollout that does not finish in time keeps the old token Secret and says how to finish', async () => {
    const clusters = new Clusters([{ name: OLD, type: SA_TOKEN }], profileData(tokenOf(OLD)));
    clusters.rollout = [(generation) => ({ ...rolledOut(generation, 1), availableReplicas: 0 })];
    const { done, kube } = await rotate(clusters, raised(), { rolloutTimeoutMs: 3000 });
    await expect(done).rejects.toThrow(
      new Error(
        'rotate: the controller did not finish rolling out within 3 s; the old token Secret is kept. Check the Deployment, then run rotate again to finish',
      ),
    );
    expect(kube.calls.filter((c) => c.method === 'DELETE')).toEqual([]);
    expect(clusters.objects.has(`cluster-1 ${SECRETS}/${OLD}`)).toBe(true);
  });

  test('rotate gives up only once the deadline has passed, not when a read falls on it', async () => {
    const clusters = new Clusters([{ name: OLD, type: SA_TOKEN }], profileData(tokenOf(OLD)));
    const notYet = (generation: number) => ({ ...rolledOut(generation, 1), availableReplicas: 0 });
    // Read at 0 ms, at the deadline (1000 ms), and a second later: done at the third read.
    clusters.rollout = [notYet, notYet, (generation) => rolledOut(generation, 1)];
    const { done, kube } = await rotate(clusters, raised(), { rolloutTimeoutMs: 1000 });
    await expect(done).resolves.toBeUndefined();
    expect(requests(kube).filter((r) => r === `cluster-0 GET ${DEPLOYMENT}`)).toHaveLength(3);
    expect(clusters.objects.has(`cluster-1 ${SECRETS}/${OLD}`)).toBe(false);
  });

  test('a profile still on a generation already deleted is rewritten, though no old token Secret is left', async () => {
    const clusters = new Clusters([], profileData(tokenOf(OLD)));
    const { done, log } = await rotate(clusters);
    await expect(done).resolves.toBeUndefined();
    expect(log).toEqual(rotationLog(['argo.cluster-1'], []));
  });

  test('old generations are deleted in the order of their names, whatever order the server lists them in', async () => {
    const clusters = new Clusters(
      [
        { name: 'argo.cluster-0.service-account-token.7', type: SA_TOKEN },
        { name: OLD, type: SA_TOKEN },
      ],
      profileData(tokenOf(OLD)),
    );
    const { done, kube } = await rotate(clusters);
    await expect(done).resolves.toBeUndefined();
    expect(requests(kube).filter((r) => r.includes('DELETE'))).toEqual([
      `cluster-1 DELETE ${SECRETS}/${OLD}`,
      `cluster-1 DELETE ${SECRETS}/argo.cluster-0.service-account-token.7`,
    ]);
  });

  // Only "not found" means the profile is missing; a refusal must not read as "create it first".
  test("a profile that cannot be read stops rotate with the server's answer, before anything is written", async () => {
    const clusters = new Clusters([{ name: OLD, type: SA_TOKEN }], profileData(tokenOf(OLD)));
    const forbidden = {
      answer: (call: KubeCall) => (call.path === PROFILE ? kubeError(call, 403, 'forbidden') : clusters.answer(call)),
    };
    const { done, kube } = await rotate(forbidden as unknown as Clusters);
    await expect(done).rejects.toThrow(new Error(`GET ${PROFILE} on cluster-0: 403 forbidden`));
    expect(kube.calls.filter((c) => c.method !== 'GET')).toEqual([]);
  });

  test('an old token Secret already gone is taken as deleted', async () => {
    const clusters = new Clusters([{ name: OLD, type: SA_TOKEN }], profileData(tokenOf(OLD)));
    clusters.onDelete = (call) => kubeError(call, 404, 'not found');
    const { done, log } = await rotate(clusters);
    await expect(done).resolves.toBeUndefined();
    expect(log[log.length - 1]).toBe(`deleted old token Secret default/${OLD} in cluster-1`);
  });

  test('any other failure to delete an old token Secret stops the rotation with it', async () => {
    const clusters = new Clusters([{ name: OLD, type: SA_TOKEN }], profileData(tokenOf(OLD)));
    clusters.onDelete = (call) => kubeError(call, 403, 'forbidden');
    const { done, log } = await rotate(clusters);
    await expect(done).rejects.toThrow(new Error(`DELETE ${SECRETS}/${OLD} on cluster-1: 403 forbidden`));
    expect(log[log.length - 1]).toBe('deployment argo/workflow-controller rolled out');
  });
});
