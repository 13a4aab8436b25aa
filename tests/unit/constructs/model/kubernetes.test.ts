import {
  DNS1123_LABEL,
  DNS1123_SUBDOMAIN,
  QUALIFIED_NAME,
  imagePullPolicySchema,
  quantityValue,
} from '../../../../constructs/model/kubernetes';

// Cases at the edges of the API server's own rules (k8s.io/apimachinery/pkg/util/validation).
describe("Kubernetes' rules for names", () => {
  test.each([
    ['a', true, true, true],
    ['a-1', true, true, true],
    ['a.b', false, true, true],
    ['A', false, false, true],
    ['a_b', false, false, true],
    ['-a', false, false, false],
    ['a-', false, false, false],
    ['a..b', false, false, true],
    ['', false, false, false],
  ])('%j: label %s, subdomain %s, qualified name %s', (name, label, subdomain, qualified) => {
    expect([DNS1123_LABEL.test(name), DNS1123_SUBDOMAIN.test(name), QUALIFIED_NAME.test(name)]).toEqual([
      label,
      subdomain,
      qualified,
    ]);
  });
});

describe('imagePullPolicy', () => {
  test('takes the three values a container takes, spelt as Kubernetes spells them', () => {
    expect(imagePullPolicySchema.options).toEqual(['Always', 'IfNotPresent', 'Never']);
    expect(imagePullPolicySchema.safeParse('ifNotPresent').success).toBe(false);
  });
});

describe('resource quantities, to compare a request with its limit', () => {
  test.each<[unknown, number | undefined]>([
    ['100m', 0.1],
    ['1', 1],
    [2, 2],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['1e3', 1000],
    ['1E-3', 0.001],
    ['128Mi', 128 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['1G', 1e9],
    ['+1k', 1000],
    ['1Mb', undefined],
    ['-1', undefined],
    ['', undefined],
    [Infinity, undefined],
    [[1], undefined],
  ])('%j is %s', (quantity, value) => {
    expect(quantityValue(quantity)).toBe(value);
  });
});
