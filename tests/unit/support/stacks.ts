import * as pulumi from '@pulumi/pulumi';
// Types only: a test file sets the mocks before it loads the component.
import type { ArgoMultiCluster } from '../../../stacks/component/component';
import type { Registered } from './pulumi-mocks';

/** An output's value, once known. */
export const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

/** A secret as the engine receives it: Pulumi's secret signature and the plain value inside. */
export function secretWire(plain: unknown): Record<string, unknown> {
  return { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: plain };
}

/**
 * Makes the example topology (raw) a fleet that exercises every per-remote choice: cluster-1 in two namespaces,
 * cluster-2 with cluster access and no CA, cluster-3 with its own namespace; the controller namespaced. For
 * `helpers.topology` and `helpers.topologyFile`.
 */
export function asFleet(raw: any): void {
  raw.remotes.push(
    {
      name: 'cluster-2',
      server: 'https://10.0.0.2:6443',
      access: 'cluster',
      executorServiceAccount: 'wf',
      insecureSkipTLSVerify: true,
    },
    { name: 'cluster-3', server: 'https://10.0.0.3:6443', namespaces: ['jobs'] },
  );
  raw.remotes[0].namespaces = ['team-a', 'team-b'];
  raw.local.controller.namespaced = true;
}

/** Resolves once every object of the components' clusters is registered with the mocked engine. */
export async function settled(...components: ArgoMultiCluster[]): Promise<void> {
  const resources = components.flatMap((c) => [...c.clusters.values()].flatMap((cl) => [...cl.resources.values()]));
  await Promise.all(resources.map((r) => value(r.urn)));
}

/**
 * Resolves once the mocked engine has no request outstanding and none started while waiting: Pulumi's own wait at the
 * end of a program (runtime/settings.ts waitForRPCs, internal, hence required). A registration that follows a read
 * is such a request, so it is waited for however slow the machine, where a quiet period of fixed length was not.
 */
export async function engineIdle(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  await (require('@pulumi/pulumi/runtime/settings') as { waitForRPCs(): Promise<void> }).waitForRPCs();
}

/** The kubeconfig in a component's profile Secret for `remote`, as the controller reads it. */
export async function profileKubeconfigOf(mc: ArgoMultiCluster, remote: string): Promise<string> {
  const local = mc.topology.local;
  const secret = mc.clusters.get(local.name)!.resources.get(`${local.name}/Secret/${local.namespace}/argo.${remote}`);
  return (await value((secret as any).stringData as pulumi.Output<Record<string, string>>)).kubeconfig;
}

/** The logical name of the provider a resource was registered on (its reference is `<urn>::<id>`). */
export const providerName = (r: Registered): string | undefined => r.provider?.split('::')[3];

/** Sets the whole stack config, keys and secret keys given without the `argo-multicluster:` namespace. */
export function configure(config: Record<string, string>, secretKeys: string[] = []): void {
  const key = (k: string) => `argo-multicluster:${k}`;
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([k, v]) => [key(k), v])),
    secretKeys.map(key),
  );
}

/** An error as one value to compare whole: its class and its message. */
export interface Refusal {
  readonly error: string;
  readonly message: string;
}

const refusalOf = (e: unknown): Refusal => ({ error: (e as Error).constructor.name, message: (e as Error).message });

/** What `fn` throws; fails the test when it throws nothing. */
export function refusal(fn: () => unknown): Refusal {
  try {
    fn();
  } catch (e) {
    return refusalOf(e);
  }
  throw new Error('nothing was thrown');
}

/** What `promise` rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Refusal> {
  return promise.then(
    () => {
      throw new Error('the promise resolved');
    },
    (e: unknown) => refusalOf(e),
  );
}
