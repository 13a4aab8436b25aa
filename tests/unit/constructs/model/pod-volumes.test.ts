import { unknownVolumeMounts, volumeMountsSchema, volumesSchema } from '../../../../constructs/model/pod-volumes';

describe('volumes and volume mounts', () => {
  test('a mount must name a volume of the pod', () => {
    expect(unknownVolumeMounts([{ name: 'a' }], [{ name: 'a' }, { name: 'b' }])).toEqual([
      [1, 'names no volume of the pod; valid: a'],
    ]);
    expect(unknownVolumeMounts(undefined, undefined)).toEqual([]);
  });

  test.each([
    '/var/run/secrets/kubernetes.io/serviceaccount',
    '/var/run/secrets/kubernetes.io/serviceaccount/token',
    '/var/run/secrets/kubernetes.io',
    '/var/run',
    '/',
    '//',
  ])('nothing is mounted at %s, where it would hide the token', (mountPath) => {
    expect(volumeMountsSchema.safeParse([{ name: 'a', mountPath }]).success).toBe(false);
  });

  test.each(['/var/run/secrets/other', '/var/runner', '/etc/ssl/certs/corporate'])('%s is fine', (mountPath) => {
    expect(volumeMountsSchema.safeParse([{ name: 'a', mountPath }]).success).toBe(true);
  });

  test('one source per volume, names once, paths once', () => {
    expect(volumesSchema.safeParse([{ name: 'a' }]).success).toBe(false);
    expect(volumesSchema.safeParse([{ name: 'a', emptyDir: {}, secret: {} }]).success).toBe(false);
    expect(volumesSchema.safeParse([{ name: 'a', gitRepo: {} }]).success).toBe(false);
    expect(
      volumesSchema.safeParse([
        { name: 'a', emptyDir: {} },
        { name: 'a', emptyDir: {} },
      ]).success,
    ).toBe(false);
    expect(
      volumeMountsSchema.safeParse([
        { name: 'a', mountPath: '/x' },
        { name: 'b', mountPath: '/x' },
      ]).success,
    ).toBe(false);
    expect(volumeMountsSchema.safeParse([{ name: 'a', mountPath: '/x', subPath: '../y' }]).success).toBe(false);
  });
});
