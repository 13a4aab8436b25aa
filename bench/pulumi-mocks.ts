// The Pulumi program's own cost, without an engine or clusters: the component built under Pulumi's mocks until every
// resource is registered. Run as a child process so module loading (@pulumi/pulumi, @pulumi/kubernetes, gRPC) is
// counted in the wall time the parent measures, as it would be in `pulumi preview`.
//
// Usage: node lib/bench/pulumi-mocks.js TOPOLOGY.yaml RESULT.json
import { writeFileSync } from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import { loadTopologyFile } from '../constructs';

/** What this script reports to run.ts. */
export interface PulumiMocksResult {
  constructMs: number;
  resources: number;
  clusters: number;
}

const [topologyFile, resultFile] = process.argv.slice(2);
if (!topologyFile || !resultFile) {
  process.stderr.write('usage: pulumi-mocks.js TOPOLOGY.yaml RESULT.json\n');
  process.exit(2);
}

// The mocks must be in place before the component (and through it @pulumi/kubernetes) is loaded: resources capture
// the runtime settings when they register, so the component is imported only in main(). The token Secret gets fake
// data so the profile kubeconfigs can be built.
pulumi.runtime.setMocks(
  {
    newResource: (a) => ({
      id: `${a.name}-id`,
      state: {
        ...a.inputs,
        ...(a.type === 'kubernetes:core/v1:Secret' && a.inputs.type === 'kubernetes.io/service-account-token'
          ? { data: { token: 'dA==', 'ca.crt': 'Y2E=' } }
          : {}),
      },
    }),
    call: (a) => a.inputs,
  },
  'argo-multicluster',
  'bench',
  false,
  'organization',
);

const urn = (r: pulumi.Resource) => new Promise<string>((resolve) => r.urn.apply(resolve));

async function main(): Promise<void> {
  const { ArgoMultiCluster } = await import('../stacks/component/component');
  // Validation of the file is outside the timed span, like in the stack, where the config has been read already.
  const topology = loadTopologyFile(topologyFile);
  const t0 = performance.now();
  const setup = new ArgoMultiCluster('bench', { topology, skipAwait: true });
  const resources: pulumi.Resource[] = [];
  for (const cluster of setup.clusters.values()) {
    resources.push(cluster.provider, ...cluster.resources.values());
  }
  // A urn resolves only once the mock monitor has registered the resource, i.e. once its inputs (which may wait on
  // other resources' outputs, like the profiles on the token Secrets) have resolved: all of them resolved is the
  // point where `pulumi preview` would have the whole graph.
  await Promise.all(resources.map(urn));
  const constructMs = performance.now() - t0;
  const result: PulumiMocksResult = { constructMs, resources: resources.length, clusters: setup.clusters.size };
  writeFileSync(resultFile, JSON.stringify(result));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error && e.stack ? e.stack : e}\n`);
  process.exitCode = 1;
});
