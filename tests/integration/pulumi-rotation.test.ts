import { parse } from 'yaml';
import { CHECKSUM_ANNOTATION } from '../../constructs';
import { waitFor } from './harness/process';
import { kubectl } from './harness/toolchain';
import { CliStack } from './harness/pulumiCli';
import { World, cli, projectStack, startWorld, statusWithToken } from './harness/world';

jest.setTimeout(900_000);

let world: World;
let stack: CliStack;

beforeAll(async () => {
  world = await startWorld('rotation');
  stack = await projectStack(world, 'rotation');
});

afterAll(async () => {
  await world?.planes.stopAll();
});

const getJson = (context: string, args: string[]) =>
  JSON.parse(kubectl(world.planes.kubeconfigPath, context, ['get', ...args, '-o', 'json']));
const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');

test('one `pulumi config set` rotates the token: new token Secret, profile, controller roll, and only then the old token Secret deleted', async () => {
  await stack.up();
  const oldToken = decode(
    getJson('cluster-1', ['secret', '-n', 'default', 'argo.cluster-0.service-account-token']).data.token,
  );
  const checksum = () =>
    getJson('cluster-0', ['deployment', '-n', 'argo', 'workflow-controller']).spec.template.metadata.annotations[
      CHECKSUM_ANNOTATION
    ];
  const before = checksum();

  await stack.config('argo-multicluster:tokenGenerations.cluster-1', '1', { path: true });
  const { steps } = await stack.up();
  const at = (step: string) => {
    const i = steps.indexOf(step);
    if (i < 0) throw new Error(`no step "${step}" in ${JSON.stringify(steps)}`);
    return i;
  };
  const created = at('create argo-multicluster/cluster-1/Secret/default/argo.cluster-0.service-account-token.1');
  // pulumi-kubernetes replaces a Secret whose data changes (mutable Secrets are a beta provider option), and with a
  // fixed name it deletes before it creates: the profile is rewritten by a replacement, after the new token exists.
  const profileGone = at('delete-replaced argo-multicluster/cluster-0/Secret/argo/argo.cluster-1');
  const profile = at('create-replacement argo-multicluster/cluster-0/Secret/argo/argo.cluster-1');
  const rolled = at('update argo-multicluster/cluster-0/Deployment/argo/workflow-controller');
  const deleted = at('delete argo-multicluster/cluster-1/Secret/default/argo.cluster-0.service-account-token');
  expect(created).toBeLessThan(profileGone);
  expect(profileGone).toBeLessThan(profile);
  expect(profile).toBeLessThan(rolled);
  expect(rolled).toBeLessThan(deleted);
  expect([...steps].sort()).toEqual(
    [
      'create argo-multicluster/cluster-1/Secret/default/argo.cluster-0.service-account-token.1',
      'delete-replaced argo-multicluster/cluster-0/Secret/argo/argo.cluster-1',
      'replace argo-multicluster/cluster-0/Secret/argo/argo.cluster-1',
      'create-replacement argo-multicluster/cluster-0/Secret/argo/argo.cluster-1',
      'update argo-multicluster/cluster-0/Deployment/argo/workflow-controller',
      'delete argo-multicluster/cluster-1/Secret/default/argo.cluster-0.service-account-token',
    ].sort(),
  );

  const newToken = decode(
    getJson('cluster-1', ['secret', '-n', 'default', 'argo.cluster-0.service-account-token.1']).data.token,
  );
  const profileToken = parse(decode(getJson('cluster-0', ['secret', '-n', 'argo', 'argo.cluster-1']).data.kubeconfig))
    .users[0].user.token;
  expect(profileToken).toBe(newToken);
  expect(checksum()).not.toBe(before);
  await waitFor(
    'the old token to be refused',
    async () => (await statusWithToken(world, 'cluster-1', oldToken)) === 401,
  );
  expect(await statusWithToken(world, 'cluster-1', newToken)).toBe(200);
  const verify = await cli(['verify', '--context', 'cluster-0', '--kubeconfig', world.planes.kubeconfigPath]);
  expect(verify.stdout).toContain('all needs met');
  expect(verify.code).toBe(0);
  await stack.destroy();
});
