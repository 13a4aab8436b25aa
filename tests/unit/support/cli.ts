import * as kubeClient from '../../../constructs/cli/kube-client';
import { KubeApiError, type KubeMethod } from '../../../constructs/cli/kube-client';
import { runCli } from './in-process-cli';

/** What `argo-multicluster <command...> --help` prints: the usage that also follows a usage error. */
export async function usageOf(command: readonly string[]): Promise<string> {
  return (await runCli([...command, '--help'])).stdout;
}

/** One request the code under test sent to a cluster. */
export interface KubeCall {
  /** The connection's context (a profile's source for a profile's connection). */
  readonly context: string;
  readonly method: KubeMethod;
  readonly path: string;
  readonly body?: unknown;
  /** The media type asked for, when not plain JSON. */
  readonly accept?: string;
}

/** The clusters as the code under test sees them through the faked kube client. */
export interface FakeKube {
  /** Every request, in order. */
  readonly calls: KubeCall[];
  /** Every `connect`, in order: the context and the kubeconfig path asked for. */
  readonly connects: { readonly context: string; readonly kubeconfig?: string }[];
}

/**
 * Replaces the kube client's network side for the current test: `connect` (the user's kubeconfig, an ES module the
 * unit tests cannot load) and `kubeRequest`. `answer` returns a request's response body, or throws (see
 * {@link kubeError}). A connection's server is `https://<context>`. Kubeconfigs read from a cluster still go through the
 * real `connectWithKubeconfigText`. Undo with `jest.restoreAllMocks()`.
 */
export function fakeKube(answer: (call: KubeCall) => unknown): FakeKube {
  const kube: FakeKube = { calls: [], connects: [] };
  jest.spyOn(kubeClient, 'connect').mockImplementation(async (context, kubeconfig) => {
    kube.connects.push(kubeconfig === undefined ? { context } : { context, kubeconfig });
    return { context, server: `https://${context}`, authenticate: async () => undefined };
  });
  jest.spyOn(kubeClient, 'kubeRequest').mockImplementation(async (conn, method, path, body, _timeoutMs, accept) => {
    const call: KubeCall = {
      context: conn.context,
      method,
      path,
      ...(body === undefined ? {} : { body }),
      ...(accept === undefined || accept === 'application/json' ? {} : { accept }),
    };
    kube.calls.push(call);
    return answer(call) as never;
  });
  return kube;
}

/** Throws what the kube client throws for an HTTP error status. */
export function kubeError(call: KubeCall, status: number, reason: string): never {
  throw new KubeApiError(`${call.method} ${call.path} on ${call.context}: ${status} ${reason}`, status);
}

/** The calls without their bodies: what was asked of which cluster, in order. */
export const requests = (kube: FakeKube) => kube.calls.map((c) => `${c.context} ${c.method} ${c.path}`);
