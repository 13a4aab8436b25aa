import { ENGINE_BUDGET_MS } from '../../support/budgets';
import * as pulumi from '@pulumi/pulumi';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { profileKubeconfig } from '../../../../constructs';
import { ROOT, exampleInput } from '../../support/helpers';
import { b64, mockEngine } from '../../support/pulumi-mocks';
import { profileKubeconfigOf, refusal, settled } from '../../support/stacks';

mockEngine({ token: (_name, inputs) => ({ token: `token-for-${inputs.metadata.name}`, ca: 'root-CA' }) });

// Imported after the mocks are set, as Pulumi's unit-test guide requires.
import { ArgoMultiCluster } from '../../../../stacks/component/component';

/** The example topology, its one remote's fields replaced by `remote`'s. */
function withRemote(remote: Record<string, unknown>): any {
  const raw: any = exampleInput();
  raw.remotes[0] = { ...raw.remotes[0], ...remote };
  return raw;
}

const TOKEN = 'token-for-argo.cluster-0.service-account-token';

describe("a remote's server and CA given as inputs", () => {
  test(
    'a server and CA given as outputs of other resources land in the profile',
    async () => {
      const server = pulumi.output('https://lb.example.com:443');
      const caData = pulumi.secret(b64('proxy-CA'));
      const mc = new ArgoMultiCluster('io', { topology: withRemote({ server, caData }) });
      await settled(mc);
      // The topology holds a stand-in for the server not known at construction; the profile the real one.
      const remote = mc.topology.remotes[0];
      expect(remote.server).toBe('https://server-given-as-an-output.invalid');
      expect(await profileKubeconfigOf(mc, 'cluster-1')).toBe(
        profileKubeconfig(
          mc.topology,
          { ...remote, server: 'https://lb.example.com:443' },
          { token: TOKEN, caData: b64('proxy-CA') },
        ),
      );
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'a promise of a server works too; without caData the CA comes from the token Secret',
    async () => {
      const mc = new ArgoMultiCluster('promise', {
        topology: withRemote({ server: Promise.resolve('https://10.1.0.10:6443') }),
      });
      await settled(mc);
      expect(await profileKubeconfigOf(mc, 'cluster-1')).toBe(
        profileKubeconfig(
          mc.topology,
          { ...mc.topology.remotes[0], server: 'https://10.1.0.10:6443' },
          { token: TOKEN, caData: b64('root-CA') },
        ),
      );
    },
    ENGINE_BUDGET_MS,
  );

  test(
    'every other field is still validated at construction',
    () => {
      const topology = withRemote({ server: pulumi.output('https://x'), namespaces: ['Bad'] });
      expect(refusal(() => new ArgoMultiCluster('early', { topology }))).toEqual({
        error: 'TopologyError',
        message:
          'early: topology is invalid:\n  - remotes[0].namespaces[0]: "Bad" must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending alphanumeric',
      });
    },
    ENGINE_BUDGET_MS,
  );
});

describe('a server output that turns out invalid', () => {
  // Run in a child process: the SDK reports a failed input as an unhandled rejection of the program (which a language
  // host turns into the program's error), and jest would count that against whichever test is running.
  test(
    'fails the program with the path, the value and the rule, and logs it as an error (which fails the update)',
    () => {
      const script = `
      const pulumi = require('@pulumi/pulumi');
      pulumi.runtime.setMocks({
        newResource: (a) => ({ id: a.name + '-id', state: a.type === 'kubernetes:core/v1:Secret' && a.inputs.type === 'kubernetes.io/service-account-token' ? { ...a.inputs, data: { token: 'dA==', 'ca.crt': 'Y2E=' } } : a.inputs }),
        call: (a) => a.inputs,
      }, 'p', 's', false);
      const errors = [];
      process.on('unhandledRejection', (e) => errors.push(e.message));
      const { ArgoMultiCluster } = require(${JSON.stringify(join(ROOT, 'lib', 'stacks', 'component', 'component.js'))});
      const topology = ${JSON.stringify(exampleInput())};
      topology.remotes[0].server = pulumi.output('http://plain:80');
      new ArgoMultiCluster('bad', { topology });
      setTimeout(() => console.log(JSON.stringify({ errors: [...new Set(errors)], logged: require('@pulumi/pulumi/log').hasErrors() })), 3000);
    `;
      const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
      const result = JSON.parse(r.stdout.trim().split('\n').pop()!);
      // The SDK puts the path of the property it was serializing before the error's own message.
      const own = (message: string) => message.replace(/^(error serializing property "[^"]*": )+/, '');
      expect({ ...result, errors: result.errors.map(own) }).toEqual({
        errors: [
          'bad: topology is invalid:\n  - remotes[0].server: "http://plain:80" must use https:// (the token is a bearer credential)',
        ],
        logged: true,
      });
    },
    ENGINE_BUDGET_MS,
  );
});
