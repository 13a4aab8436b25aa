import { buildProfileKubeconfig } from '../../../../constructs';
import { RemoteReport, VerifyResult, formatReports, verifyProfiles } from '../../../../constructs/cli/verify';
import { KubeCall, fakeKube, kubeError, requests } from '../../support/cli';
import { topology } from '../../support/helpers';

afterEach(() => jest.restoreAllMocks());

describe('formatReports', () => {
  const clean = { outside: [], duplicates: [] };
  const remote: RemoteReport = {
    cluster: 'cluster-1',
    server: 'https://c1',
    profile: 'argo/argo.cluster-1',
    checks: [{ verb: 'get', group: '', resource: 'pods', namespace: 'default', allowed: true }],
  };
  const format = (result: VerifyResult) => formatReports(result, 'argo');

  test('a table per remote, columns as wide as their widest cell; every need met passes', () => {
    const wide: RemoteReport = {
      cluster: 'cluster-2',
      server: 'https://c2',
      profile: 'argo/argo.cluster-2',
      checks: [
        {
          verb: 'deletecollection',
          group: 'argoproj.io',
          resource: 'workflowtaskresults',
          namespace: '',
          allowed: true,
        },
        { verb: 'create', group: '', resource: 'pods/exec', namespace: 'team-a', allowed: true },
      ],
    };
    expect(format({ remotes: [remote, wide], audit: clean })).toEqual({
      text: [
        'cluster-1 (https://c1) via profile argo/argo.cluster-1',
        '  NEED  VERB  RESOURCE  NAMESPACE',
        '  ok    get   pods      default',
        '',
        'cluster-2 (https://c2) via profile argo/argo.cluster-2',
        '  NEED  VERB              RESOURCE                         NAMESPACE',
        '  ok    deletecollection  workflowtaskresults.argoproj.io  (all namespaces)',
        '  ok    create            pods/exec                        team-a',
        '',
        'all needs met',
        '',
      ].join('\n'),
      ok: true,
    });
  });

  test('a need the remote refuses is MISSING and fails verify', () => {
    const missing: RemoteReport = {
      ...remote,
      checks: [
        ...remote.checks!,
        { verb: 'delete', group: '', resource: 'pods', namespace: 'default', allowed: false },
      ],
    };
    expect(format({ remotes: [missing], audit: clean })).toEqual({
      text: [
        'cluster-1 (https://c1) via profile argo/argo.cluster-1',
        '  NEED     VERB    RESOURCE  NAMESPACE',
        '  ok       get     pods      default',
        '  MISSING  delete  pods      default',
        '',
        'some needs are not met',
        '',
      ].join('\n'),
      ok: false,
    });
  });

  test('a remote that could not be asked is UNREACHABLE and fails verify; one without a server says so', () => {
    const unreachable: RemoteReport = {
      cluster: 'evil',
      server: '',
      profile: 'argo/argo.evil',
      error: 'profile argo/argo.evil: users[0].user.exec is an exec plugin',
    };
    expect(format({ remotes: [unreachable, remote], audit: clean })).toEqual({
      text: [
        'evil (server unknown) via profile argo/argo.evil',
        '  UNREACHABLE: profile argo/argo.evil: users[0].user.exec is an exec plugin',
        '',
        'cluster-1 (https://c1) via profile argo/argo.cluster-1',
        '  NEED  VERB  RESOURCE  NAMESPACE',
        '  ok    get   pods      default',
        '',
        'some needs are not met',
        '',
      ].join('\n'),
      ok: false,
    });
  });

  test('what could not be checked is said under the table, without failing verify', () => {
    expect(format({ remotes: [{ ...remote, unchecked: 'pass -f TOPOLOGY' }], audit: clean })).toEqual({
      text: [
        'cluster-1 (https://c1) via profile argo/argo.cluster-1',
        '  NEED  VERB  RESOURCE  NAMESPACE',
        '  ok    get   pods      default',
        '  not checked: pass -f TOPOLOGY',
        '',
        'all needs met',
        '',
      ].join('\n'),
      ok: true,
    });
  });

  test('no profile Secret at all fails verify, naming the label and the namespace', () => {
    expect(format({ remotes: [], audit: clean })).toEqual({
      text: 'no profile Secrets (label workflows.argoproj.io/cluster) in namespace argo\n',
      ok: false,
    });
  });

  test('a Secret elsewhere and a second one for a cluster fail verify, each named, above the tables', () => {
    const audit = {
      outside: [{ secret: 'default/evil', cluster: 'cluster-1' }],
      duplicates: [{ cluster: 'cluster-1', secrets: ['argo/argo.cluster-1', 'default/evil'] }],
    };
    const flagged = [
      'ROGUE PROFILE: default/evil claims cluster cluster-1 outside namespace argo; a controller without --namespaced may use it',
      'DUPLICATE PROFILES for cluster cluster-1: argo/argo.cluster-1, default/evil; the controller uses whichever it sees first',
      '',
    ];
    expect(format({ remotes: [remote], audit })).toEqual({
      text: [
        ...flagged,
        'cluster-1 (https://c1) via profile argo/argo.cluster-1',
        '  NEED  VERB  RESOURCE  NAMESPACE',
        '  ok    get   pods      default',
        '',
        'all needs met',
        'some labelled Secrets are flagged (see above)',
        '',
      ].join('\n'),
      ok: false,
    });
    expect(format({ remotes: [], audit })).toEqual({
      text: [...flagged, 'no profile Secrets (label workflows.argoproj.io/cluster) in namespace argo', ''].join('\n'),
      ok: false,
    });
  });

  test('an audit that could not run is reported, not passed over in silence, and leaves the verdict to the needs', () => {
    const audit = { outside: [], duplicates: [], error: 'GET /api/v1/secrets: 403 forbidden' };
    expect(format({ remotes: [remote], audit })).toEqual({
      text: [
        'labelled Secrets in other namespaces: not checked (GET /api/v1/secrets: 403 forbidden)',
        '',
        'cluster-1 (https://c1) via profile argo/argo.cluster-1',
        '  NEED  VERB  RESOURCE  NAMESPACE',
        '  ok    get   pods      default',
        '',
        'all needs met',
        '',
      ].join('\n'),
      ok: true,
    });
  });
});

describe('verifyProfiles', () => {
  const LABELLED = '?labelSelector=workflows.argoproj.io%2Fcluster';
  const AUDIT = `cluster-0 GET /api/v1/secrets${LABELLED}`;
  const PROFILES = `cluster-0 GET /api/v1/namespaces/argo/secrets${LABELLED}`;
  const SSAR = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

  /** A profile Secret as the local cluster holds it; `kubeconfig: null` leaves its data out. */
  function profile(
    name: string,
    cluster: string,
    opts: { served?: string; kubeconfig?: string | null; namespace?: string } = {},
  ) {
    const kubeconfig =
      opts.kubeconfig === undefined
        ? buildProfileKubeconfig({
            cluster,
            server: `https://${cluster}.example:6443`,
            user: 'argo.cluster-0',
            token: 'T',
            caData: 'Q0E=',
          })
        : opts.kubeconfig;
    return {
      metadata: {
        name,
        namespace: opts.namespace ?? 'argo',
        labels: { 'workflows.argoproj.io/cluster': cluster },
        ...(opts.served === undefined ? {} : { annotations: { 'workflows.argoproj.io/namespace': opts.served } }),
      },
      ...(kubeconfig === null ? {} : { data: { kubeconfig: Buffer.from(kubeconfig).toString('base64') } }),
    };
  }

  /** The local cluster holds `profiles` (and `elsewhere` beyond the profile namespace); remotes answer with `allowed`. */
  function clusters(
    profiles: ReturnType<typeof profile>[],
    opts: { elsewhere?: ReturnType<typeof profile>[]; allowed?: (call: KubeCall) => unknown } = {},
  ) {
    return fakeKube((call) => {
      if (`${call.context} ${call.method} ${call.path}` === AUDIT)
        return { items: [...profiles, ...(opts.elsewhere ?? [])].map((p) => ({ metadata: p.metadata })) };
      if (`${call.context} ${call.method} ${call.path}` === PROFILES) return { items: profiles };
      if (call.method === 'POST' && call.path === SSAR)
        return opts.allowed ? opts.allowed(call) : { status: { allowed: true } };
      throw new Error(`unexpected ${call.method} ${call.path} on ${call.context}`);
    });
  }

  /**
   * Every call the controller makes through a profile, read from its source (argo-workflows e89b35277d, the tarball in
   * ../shared/argo-controller/), not from this package's rule tables: a wrong rule must not make verify and this test
   * agree. `profile` calls go to the namespace the profile serves (its informers and clean-up are made with the
   * profile's namespace, controller_profiles.go), `pod` calls to the pod's own namespace.
   */
  const CONTROLLER_CALLS: [verb: string, group: string, resource: string, scope: 'profile' | 'pod', source: string][] =
    [
      ['list', '', 'pods', 'profile', 'workflow/controller/controller.go newPodInformer (NewFilteredPodInformer)'],
      ['watch', '', 'pods', 'profile', 'workflow/controller/controller.go newPodInformer (NewFilteredPodInformer)'],
      ['create', '', 'pods', 'pod', 'workflow/controller/workflowpod.go createWorkflowPod (Pods(namespace).Create)'],
      ['patch', '', 'pods', 'pod', 'workflow/controller/controller.go processNextPodCleanupItem (labelPodCompleted)'],
      ['delete', '', 'pods', 'pod', 'workflow/controller/controller.go processNextPodCleanupItem (deletePod)'],
      // SIGTERM to the wait container (controller.go shutdownPod, exec_control.go killDaemonedChildren): a POST.
      ['create', '', 'pods/exec', 'pod', 'workflow/common/util.go ExecPodContainer (RESTClient().Post() on exec)'],
      [
        'list',
        'argoproj.io',
        'workflowtaskresults',
        'profile',
        'workflow/controller/taskresult.go newWorkflowTaskResultInformer',
      ],
      [
        'watch',
        'argoproj.io',
        'workflowtaskresults',
        'profile',
        'workflow/controller/taskresult.go newWorkflowTaskResultInformer',
      ],
      [
        'deletecollection',
        'argoproj.io',
        'workflowtaskresults',
        'profile',
        'workflow/controller/operator.go deleteTaskResults',
      ],
    ];
  type Need = { verb: string; group: string; resource: string; namespace: string };
  const calls = (scope: 'profile' | 'pod', namespace: string): Need[] =>
    CONTROLLER_CALLS.filter((c) => c[3] === scope).map(([verb, group, resource]) => ({
      verb,
      group,
      resource,
      namespace,
    }));
  /** A profile serving `namespace` needs every call there; one serving any (`''`), the profile's calls cluster-wide. */
  const served = (namespace: string) => [...calls('profile', namespace), ...calls('pod', namespace)];
  /** The order of the reviews is verify's own; what is asked and answered is compared. */
  const byNeed = (a: Need, b: Need) =>
    `${a.namespace} ${a.group} ${a.resource} ${a.verb}`.localeCompare(
      `${b.namespace} ${b.group} ${b.resource} ${b.verb}`,
    );
  const allowedAll = (list: Need[]) => [...list].sort(byNeed).map((n) => ({ ...n, allowed: true }));
  const sortedChecks = <T extends { checks?: readonly Need[] }>(report: T) => ({
    ...report,
    checks: report.checks && [...report.checks].sort(byNeed),
  });
  const run = (topologyFile?: ReturnType<typeof topology>) =>
    verifyProfiles({ context: 'cluster-0', kubeconfig: '/k', namespace: 'argo', topology: topologyFile });

  test("asks the remote, with the profile's own credentials, for exactly what the controller calls in the namespace it serves", async () => {
    const kube = clusters([profile('argo.cluster-1', 'cluster-1', { served: 'default' })]);
    const result = await run();
    expect({ ...result, remotes: result.remotes.map(sortedChecks) }).toEqual({
      remotes: [
        {
          cluster: 'cluster-1',
          server: 'https://cluster-1.example:6443',
          profile: 'argo/argo.cluster-1',
          checks: allowedAll(served('default')),
          unchecked: undefined,
        },
      ],
      audit: { outside: [], duplicates: [] },
    });
    expect(kube.connects).toEqual([{ context: 'cluster-0', kubeconfig: '/k' }]);
    const reviews = kube.calls.filter((c) => c.path === SSAR);
    expect(reviews.map((c) => c.context)).toEqual(Array(served('default').length).fill('profile argo/argo.cluster-1'));
    // A subresource is asked for as such.
    expect(reviews.find((c) => (c.body as any).spec.resourceAttributes.subresource)!.body).toEqual({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: {
        resourceAttributes: { namespace: 'default', verb: 'create', group: '', resource: 'pods', subresource: 'exec' },
      },
    });
  });

  test('the cluster-wide search for labelled Secrets asks for their metadata only, before the profiles are read', async () => {
    const kube = clusters([profile('argo.cluster-1', 'cluster-1', { served: 'default' })]);
    await run();
    expect(requests(kube).slice(0, 2)).toEqual([AUDIT, PROFILES]);
    expect(kube.calls.map((c) => c.accept)).toEqual([
      'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json',
      ...Array(kube.calls.length - 1).fill(undefined),
    ]);
  });

  test('a profile without the namespace annotation serves the profile namespace', async () => {
    clusters([profile('argo.cluster-1', 'cluster-1')]);
    expect(sortedChecks((await run()).remotes[0]).checks).toEqual(allowedAll(served('argo')));
  });

  test('a profile serving any namespace needs list and watch cluster-wide, and the writes in each namespace the topology names', async () => {
    const kube = clusters([profile('argo.cluster-1', 'cluster-1', { served: '' })]);
    const t = topology((r) => (r.remotes[0].namespaces = ['team-a', 'team-b']));
    expect((await run(t)).remotes.map(sortedChecks)).toEqual([
      {
        cluster: 'cluster-1',
        server: 'https://cluster-1.example:6443',
        profile: 'argo/argo.cluster-1',
        checks: allowedAll([...calls('profile', ''), ...calls('pod', 'team-a'), ...calls('pod', 'team-b')]),
        unchecked: undefined,
      },
    ]);
    // Cluster-wide is asked without a namespace.
    expect((kube.calls.find((c) => c.path === SSAR)!.body as any).spec.resourceAttributes).toEqual({
      verb: 'list',
      group: '',
      resource: 'pods',
      namespace: undefined,
      subresource: undefined,
    });
  });

  test('without a topology naming its cluster, the writes of such a profile are reported as not checked', async () => {
    clusters([profile('argo.cluster-9', 'cluster-9', { served: '' })]);
    const [report] = (await run(topology(() => undefined))).remotes;
    expect(sortedChecks(report).checks).toEqual(allowedAll(calls('profile', '')));
    expect(report.unchecked).toBe(
      'the profile serves any namespace; pass -f TOPOLOGY naming cluster-9 to check the writes in its namespaces',
    );
  });

  test('a need is met only when the review says allowed: true', async () => {
    const answers: Record<string, unknown> = {
      list: { status: { allowed: true } },
      watch: { status: { allowed: false } },
      create: { status: {} },
      patch: {},
      delete: { status: { allowed: 'true' } },
    };
    clusters([profile('argo.cluster-1', 'cluster-1', { served: 'default' })], {
      allowed: (call) => answers[(call.body as any).spec.resourceAttributes.verb] ?? { status: { allowed: true } },
    });
    const checks = (await run()).remotes[0].checks!;
    expect(checks.filter((c) => c.resource === 'pods').map((c) => [c.verb, c.allowed])).toEqual([
      ['list', true],
      ['watch', false],
      ['create', false],
      ['patch', false],
      ['delete', false],
    ]);
  });

  test('a profile without a kubeconfig, one refused, and a remote that cannot be asked are reported, in name order', async () => {
    const hostile = buildProfileKubeconfig({
      cluster: 'x',
      server: 'https://x',
      user: 'u',
      token: 'T',
      caData: 'Q0E=',
    }).replace('token: T', 'tokenFile: /etc/shadow');
    clusters(
      [
        profile('argo.down', 'down', { served: 'default' }),
        profile('argo.empty', 'empty', { kubeconfig: null }),
        profile('argo.bad', 'bad', { kubeconfig: hostile }),
      ],
      {
        allowed: (call) =>
          call.context === 'profile argo/argo.down' ? kubeError(call, 503, 'unavailable') : { status: {} },
      },
    );
    expect((await run()).remotes).toEqual([
      {
        cluster: 'bad',
        server: '',
        profile: 'argo/argo.bad',
        error:
          'profile argo/argo.bad: users[0].user.tokenFile is a file reference. A kubeconfig read from a cluster is used ' +
          'with its inline data only (server, certificate-authority-data, insecure-skip-tls-verify, tls-server-name, ' +
          'token, client-certificate-data, client-key-data): files it names are never read and plugins never run',
      },
      {
        cluster: 'down',
        server: 'https://down.example:6443',
        profile: 'argo/argo.down',
        error: `POST ${SSAR} on profile argo/argo.down: 503 unavailable`,
      },
      {
        cluster: 'empty',
        server: '',
        profile: 'argo/argo.empty',
        error: 'profile argo/argo.empty has no data.kubeconfig',
      },
    ]);
  });

  test('labelled Secrets outside the profile namespace, and cluster names claimed twice, are listed in name order', async () => {
    clusters([profile('argo.cluster-1', 'cluster-1', { served: 'default' })], {
      elsewhere: [
        profile('z', 'cluster-2', { namespace: 'kube-system' }),
        profile('rogue', 'cluster-1', { namespace: 'default' }),
        profile('b', 'cluster-2', { namespace: 'default' }),
      ],
    });
    expect((await run()).audit).toEqual({
      outside: [
        { secret: 'default/b', cluster: 'cluster-2' },
        { secret: 'default/rogue', cluster: 'cluster-1' },
        { secret: 'kube-system/z', cluster: 'cluster-2' },
      ],
      duplicates: [
        { cluster: 'cluster-1', secrets: ['argo/argo.cluster-1', 'default/rogue'] },
        { cluster: 'cluster-2', secrets: ['default/b', 'kube-system/z'] },
      ],
    });
  });

  // The search asks for the label, but the answer is the server's: a Secret without it or without a namespace is
  // still listed, under the empty name, rather than crashing the audit.
  test('a listed Secret without the cluster label or a namespace is reported under the empty name', async () => {
    clusters([profile('argo.cluster-1', 'cluster-1', { served: 'default' })], {
      elsewhere: [{ metadata: { name: 'bare-b' } }, { metadata: { name: 'bare-a' } }] as ReturnType<typeof profile>[],
    });
    expect((await run()).audit).toEqual({
      outside: [
        { secret: '/bare-a', cluster: '' },
        { secret: '/bare-b', cluster: '' },
      ],
      duplicates: [{ cluster: '', secrets: ['/bare-a', '/bare-b'] }],
    });
  });

  test('a profile the server returns without the cluster label is checked under the empty name', async () => {
    const { labels: _, ...bare } = profile('argo.bare', 'bare', { kubeconfig: null }).metadata;
    clusters([{ metadata: bare }] as ReturnType<typeof profile>[]);
    expect((await run()).remotes).toEqual([
      { cluster: '', server: '', profile: 'argo/argo.bare', error: 'profile argo/argo.bare has no data.kubeconfig' },
    ]);
  });

  test('a search it may not make is reported as the audit error, and the profiles are still checked', async () => {
    const kube = fakeKube((call) => {
      if (`${call.context} ${call.method} ${call.path}` === AUDIT) return kubeError(call, 403, 'forbidden');
      if (`${call.context} ${call.method} ${call.path}` === PROFILES)
        return { items: [profile('argo.cluster-1', 'cluster-1', { served: 'default' })] };
      return { status: { allowed: true } };
    });
    const result = await run();
    expect(result.audit).toEqual({
      outside: [],
      duplicates: [],
      error: `GET /api/v1/secrets${LABELLED} on cluster-0: 403 forbidden`,
    });
    expect(sortedChecks(result.remotes[0]).checks).toEqual(allowedAll(served('default')));
    expect(requests(kube).slice(0, 2)).toEqual([AUDIT, PROFILES]);
  });
});
