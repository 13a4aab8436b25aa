import { z } from 'zod';

/**
 * The controller pod's security contexts, `podSecurityContext` and `securityContext` as the Argo Workflows Helm chart
 * names them (`controller.podSecurityContext`, `controller.securityContext`). The defaults make the pod pass Pod
 * Security `restricted` (runAsNonRoot, seccomp RuntimeDefault, no privilege escalation, every capability dropped); a
 * field given in the topology replaces the default of that field alone, so a user adjusts one setting without
 * restating the rest.
 */

/** A user or group id as the API server takes it (int64, not negative). */
const id = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** A seccomp profile: `Localhost` needs the profile's path on the node, the other types take none. */
const seccompProfile = z
  .strictObject({
    type: z.enum(['RuntimeDefault', 'Localhost', 'Unconfined']),
    localhostProfile: z.string().min(1).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.type === 'Localhost' && p.localhostProfile === undefined)
      ctx.addIssue({ code: 'custom', path: ['localhostProfile'], message: 'is required with type "Localhost"' });
    if (p.type !== 'Localhost' && p.localhostProfile !== undefined)
      ctx.addIssue({ code: 'custom', path: ['localhostProfile'], message: 'is only allowed with type "Localhost"' });
  });

/** An AppArmor profile, with the same rule on `localhostProfile` as seccomp's. */
const appArmorProfile = z
  .strictObject({
    type: z.enum(['RuntimeDefault', 'Localhost', 'Unconfined']),
    localhostProfile: z.string().min(1).optional(),
  })
  .superRefine((p, ctx) => {
    if ((p.type === 'Localhost') !== (p.localhostProfile !== undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['localhostProfile'],
        message: 'is required with type "Localhost" and only allowed with it',
      });
  });

const seLinuxOptions = z.strictObject({
  user: z.string().optional(),
  role: z.string().optional(),
  type: z.string().optional(),
  level: z.string().optional(),
});

/** A capability name as the container runtime takes it, with or without the `CAP_` prefix. */
const capability = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]*$/, 'must be a capability name in upper case, e.g. NET_BIND_SERVICE or ALL');

const sysctl = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9]([-_a-z0-9]*[a-z0-9])?([./][a-z0-9]([-_a-z0-9]*[a-z0-9])?)*$/, 'must be a sysctl name'),
  value: z.string(),
});

/** The fields of a pod's `securityContext` that a Linux pod takes. */
export const podSecurityContextSchema = z.strictObject({
  runAsNonRoot: z.boolean().optional(),
  runAsUser: id.optional(),
  runAsGroup: id.optional(),
  fsGroup: id.optional(),
  fsGroupChangePolicy: z.enum(['OnRootMismatch', 'Always']).optional(),
  supplementalGroups: z.array(id).optional(),
  supplementalGroupsPolicy: z.enum(['Merge', 'Strict']).optional(),
  seccompProfile: seccompProfile.optional(),
  appArmorProfile: appArmorProfile.optional(),
  seLinuxOptions: seLinuxOptions.optional(),
  seLinuxChangePolicy: z.enum(['MountOption', 'Recursive']).optional(),
  sysctls: z.array(sysctl).optional(),
});

/** The fields of a container's `securityContext` that a Linux container takes. */
export const containerSecurityContextSchema = z.strictObject({
  allowPrivilegeEscalation: z.boolean().optional(),
  privileged: z.boolean().optional(),
  readOnlyRootFilesystem: z.boolean().optional(),
  runAsNonRoot: z.boolean().optional(),
  runAsUser: id.optional(),
  runAsGroup: id.optional(),
  capabilities: z
    .strictObject({ add: z.array(capability).optional(), drop: z.array(capability).optional() })
    .optional(),
  procMount: z.enum(['Default', 'Unmasked']).optional(),
  seccompProfile: seccompProfile.optional(),
  appArmorProfile: appArmorProfile.optional(),
  seLinuxOptions: seLinuxOptions.optional(),
});

/** A pod security context as the topology gives it. */
export type PodSecurityContext = z.output<typeof podSecurityContextSchema>;
/** A container security context as the topology gives it. */
export type ContainerSecurityContext = z.output<typeof containerSecurityContextSchema>;

/** The pod-level defaults: what Pod Security `restricted` asks of a pod, and nothing more. */
const POD_DEFAULTS: PodSecurityContext = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
/** The container-level defaults, as upstream's install and the Helm chart set them. */
const CONTAINER_DEFAULTS: ContainerSecurityContext = {
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
};

/** The pod's `securityContext`: the defaults, each replaced by the field of the same name in `given`. */
export function podSecurityContext(given: PodSecurityContext | undefined): PodSecurityContext {
  return { ...POD_DEFAULTS, ...given };
}

/** The controller container's `securityContext`: the defaults, each replaced by the field of the same name in `given`. */
export function containerSecurityContext(given: ContainerSecurityContext | undefined): ContainerSecurityContext {
  return { ...CONTAINER_DEFAULTS, ...given };
}
