import { RolloutInputs, controllerChecksum } from '../../../../constructs/render/checksum';

const inputs: RolloutInputs = {
  config: { cluster: 'cluster-0', parallelism: '20' },
  images: { controller: 'ghcr.io/example/wc:v1', executor: 'ghcr.io/example/exec:v1' },
};
const profiles = [
  { metadata: { name: 'argo.cluster-1', labels: { a: '1', b: '2' } }, data: { kubeconfig: 'a2M=' } },
  { metadata: { name: 'argo.cluster-2' } },
];

describe('controllerChecksum', () => {
  test('is a SHA-256 in hex, as the pod-template annotation takes it', () => {
    expect(controllerChecksum(inputs, profiles)).toMatch(/^[0-9a-f]{64}$/);
  });

  test('does not change with the order of keys, at any depth', () => {
    const reordered = (o: Record<string, unknown>): Record<string, unknown> =>
      Object.fromEntries(
        Object.entries(o)
          .reverse()
          .map(([k, v]) => [k, v && typeof v === 'object' && !Array.isArray(v) ? reordered(v as any) : v]),
      );
    expect(
      controllerChecksum(
        { images: reordered(inputs.images) as any, config: reordered(inputs.config) as any },
        profiles.map(reordered),
      ),
    ).toBe(controllerChecksum(inputs, profiles));
  });

  test('changes with the config, either image and any profile', () => {
    const variants: [string, RolloutInputs, unknown[]][] = [
      ['as given', inputs, profiles],
      ['a config value', { ...inputs, config: { ...inputs.config, parallelism: '21' } }, profiles],
      ['a config key added', { ...inputs, config: { ...inputs.config, namespace: 'argo' } }, profiles],
      [
        'the controller image',
        { ...inputs, images: { ...inputs.images, controller: 'ghcr.io/example/wc:v2' } },
        profiles,
      ],
      [
        'the executor image',
        { ...inputs, images: { ...inputs.images, executor: 'ghcr.io/example/exec:v2' } },
        profiles,
      ],
      ['a profile changed', inputs, [{ ...profiles[0], data: { kubeconfig: 'b3RoZXI=' } }, profiles[1]]],
      ['a profile removed', inputs, profiles.slice(0, 1)],
      ['no profiles', inputs, []],
    ];
    const sums = variants.map(([, i, p]) => controllerChecksum(i, p));
    // Each variant named with the earlier one whose checksum it shares: none may.
    const shared = variants.flatMap(([name], i) => {
      const earlier = sums.indexOf(sums[i]);
      return earlier < i ? [`${name} = ${variants[earlier][0]}`] : [];
    });
    expect(shared).toEqual([]);
  });
});
