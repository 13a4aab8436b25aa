import * as pulumi from '@pulumi/pulumi';

/** A resource as the mocked engine saw it registered. */
export interface Registered {
  type: string;
  name: string;
  /** The id of a resource read with `X.get`. */
  id?: string;
  inputs: any;
  provider?: string;
}

/** A stack's outputs as a StackReference reads them. */
export interface StackState {
  outputs: Record<string, unknown>;
  secretOutputNames: string[];
}

/** What a test tells the mocked engine. */
export interface MockEngineOptions {
  /** The stack's name. @default 'unit' */
  readonly stack?: string;
  /** The remote token controller's part: the token and CA it puts into a token Secret of this logical name. */
  readonly token: (name: string, inputs: any) => { token: string; ca: string };
  /** The state of a resource read by id (`X.get`), or undefined to echo its inputs. */
  readonly read?: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown> | undefined;
}

/** The mocked engine: what was registered, and the stacks StackReferences read. */
export interface MockEngine {
  /** Every resource registered, in order; StackReferences are reads and not listed. */
  readonly registered: Registered[];
  /** Stack outputs by fully qualified stack name (`organization/argo-multicluster/<stack>`). */
  readonly stacks: Map<string, StackState>;
  /** What a StackReference to any other stack reads. */
  defaultStack: StackState;
}

export const b64 = (s: string) => Buffer.from(s).toString('base64');

/**
 * Replaces the Pulumi engine with mocks for this test file. Call it before importing the component or program, as
 * Pulumi's unit-test guide requires.
 */
export function mockEngine(options: MockEngineOptions): MockEngine {
  const engine: MockEngine = {
    registered: [],
    stacks: new Map(),
    defaultStack: { outputs: {}, secretOutputNames: [] },
  };
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (args.type === 'pulumi:pulumi:StackReference') {
          return {
            id: args.name,
            state: { name: args.name, ...(engine.stacks.get(args.name) ?? engine.defaultStack) },
          };
        }
        engine.registered.push({
          type: args.type,
          name: args.name,
          id: args.id,
          inputs: args.inputs,
          provider: args.provider,
        });
        const read = args.id ? options.read?.(args) : undefined;
        if (read) return { id: args.id!, state: read };
        const state = { ...args.inputs };
        if (args.type === 'kubernetes:core/v1:Secret' && args.inputs.type === 'kubernetes.io/service-account-token') {
          const { token, ca } = options.token(args.name, args.inputs);
          state.data = { token: b64(token), 'ca.crt': b64(ca) };
        }
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    'argo-multicluster',
    options.stack ?? 'unit',
    false,
    'organization',
  );
  return engine;
}

/** The cluster of a logical name: objects are named `<component>/<cluster>/<kind>/...`. */
export const clusterOf = (name: string) => name.split('/')[1];
