import {
  DNS1123_LABEL,
  DNS1123_SUBDOMAIN,
  QUALIFIED_NAME,
  imagePullPolicySchema,
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
