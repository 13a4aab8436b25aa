import {
  containerSecurityContext,
  containerSecurityContextSchema,
  podSecurityContext,
  podSecurityContextSchema,
} from '../../../../constructs/model/pod-security';

describe('security contexts', () => {
  test('the defaults are what Pod Security restricted asks', () => {
    expect(podSecurityContext(undefined)).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(containerSecurityContext(undefined)).toEqual({
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
  });

  test('a field given replaces that default alone, the others stay', () => {
    expect(podSecurityContext({ seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } })).toEqual({
      runAsNonRoot: true,
      seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' },
    });
    expect(containerSecurityContext({ runAsNonRoot: false })).toMatchObject({
      runAsNonRoot: false,
      allowPrivilegeEscalation: false,
    });
  });

  test.each([
    [podSecurityContextSchema, { seccompProfile: { type: 'RuntimeDefault', localhostProfile: 'x' } }],
    [podSecurityContextSchema, { appArmorProfile: { type: 'Localhost' } }],
    [podSecurityContextSchema, { fsGroupChangePolicy: 'Sometimes' }],
    [podSecurityContextSchema, { runAsUser: 1.5 }],
    [podSecurityContextSchema, { windowsOptions: {} }],
    [containerSecurityContextSchema, { capabilities: { drop: ['net_raw'] } }],
    [containerSecurityContextSchema, { procMount: 'Masked' }],
  ])('%# refuses %j', (schema, value) => {
    expect(schema.safeParse(value).success).toBe(false);
  });
});
