import { z } from 'zod';
import { DNS1123_LABEL } from './kubernetes';

/**
 * `volumes` and `volumeMounts` of the controller pod, as the Argo Workflows Helm chart names them
 * (`controller.volumes`, `controller.volumeMounts`): e.g. a private CA bundle for an artifact store or a proxy.
 * Checked as the API server checks them (names, one source per volume, mounts naming a volume of the pod, distinct
 * mount paths), and one rule of ours: nothing is mounted over the ServiceAccount token, which the controller needs.
 */

/** Where the kubelet mounts the ServiceAccount token, the CA and the namespace that the in-cluster config reads. */
export const SERVICE_ACCOUNT_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The volume sources a controller pod can sensibly use; below its first level a source is the API server's. */
const VOLUME_SOURCES = [
  'configMap',
  'secret',
  'emptyDir',
  'projected',
  'persistentVolumeClaim',
  'csi',
  'ephemeral',
  'image',
  'downwardAPI',
  'nfs',
  'hostPath',
] as const;

const source = z.record(z.string(), z.unknown());

const volume = z
  .strictObject({
    name: z
      .string()
      .max(63, 'must be at most 63 characters (a volume name is a DNS-1123 label)')
      .regex(DNS1123_LABEL, 'must be a DNS-1123 label: lower-case letters, digits and "-"'),
    configMap: source.optional(),
    secret: source.optional(),
    emptyDir: source.optional(),
    projected: source.optional(),
    persistentVolumeClaim: source.optional(),
    csi: source.optional(),
    ephemeral: source.optional(),
    image: source.optional(),
    downwardAPI: source.optional(),
    nfs: source.optional(),
    hostPath: source.optional(),
  } satisfies Record<(typeof VOLUME_SOURCES)[number] | 'name', z.ZodType>)
  .superRefine((v, ctx) => {
    const given = VOLUME_SOURCES.filter((s) => (v as Record<string, unknown>)[s] !== undefined);
    if (given.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: `must have exactly one source (${given.length ? `it has ${given.join(', ')}` : 'it has none'}); valid: ${VOLUME_SOURCES.join(', ')}`,
      });
  });

/** Whether mount path `path` is the token folder, inside it, or a folder that holds it. */
function coversServiceAccountToken(path: string): boolean {
  const normal = path.replace(/\/+$/, '') || '/';
  return (
    normal === SERVICE_ACCOUNT_MOUNT ||
    normal.startsWith(`${SERVICE_ACCOUNT_MOUNT}/`) ||
    SERVICE_ACCOUNT_MOUNT.startsWith(normal === '/' ? '/' : `${normal}/`)
  );
}

const volumeMount = z
  .strictObject({
    name: z.string(),
    mountPath: z
      .string()
      .regex(/^\//, 'must be an absolute path')
      .refine((p) => !p.split('/').includes('..'), 'must not contain ".."')
      .refine(
        (p) => !coversServiceAccountToken(p),
        `must not be ${SERVICE_ACCOUNT_MOUNT}, inside it or above it: the controller reads its ServiceAccount token there`,
      ),
    readOnly: z.boolean().optional(),
    subPath: z
      .string()
      .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must be a relative path without ".."')
      .optional(),
    subPathExpr: z.string().optional(),
    mountPropagation: z.enum(['None', 'HostToContainer', 'Bidirectional']).optional(),
    recursiveReadOnly: z.enum(['Disabled', 'IfPossible', 'Enabled']).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.subPath !== undefined && m.subPathExpr !== undefined)
      ctx.addIssue({ code: 'custom', path: ['subPathExpr'], message: 'cannot be given with subPath' });
  });

/** The controller pod's `volumes`, each name once. */
export const volumesSchema = z.array(volume).superRefine((vs, ctx) => {
  vs.forEach((v, i) => {
    if (vs.findIndex((o) => o.name === v.name) !== i)
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'is listed twice' });
  });
});

/** The controller container's `volumeMounts`, each path once. */
export const volumeMountsSchema = z.array(volumeMount).superRefine((ms, ctx) => {
  ms.forEach((m, i) => {
    if (ms.findIndex((o) => o.mountPath === m.mountPath) !== i)
      ctx.addIssue({ code: 'custom', path: [i, 'mountPath'], message: 'is mounted twice' });
  });
});

/**
 * The mounts that name no volume of the pod, as [index, problem]: the API server refuses such a pod, so the
 * Deployment would never get a replica.
 */
export function unknownVolumeMounts(
  volumes: readonly { name: string }[] | undefined,
  mounts: readonly { name: string }[] | undefined,
): [number, string][] {
  const names = (volumes ?? []).map((v) => v.name);
  return (mounts ?? []).flatMap((m, i): [number, string][] =>
    names.includes(m.name)
      ? []
      : [[i, `names no volume of the pod; valid: ${names.length ? names.join(', ') : 'none (volumes is empty)'}`]],
  );
}
