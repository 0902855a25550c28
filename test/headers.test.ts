import { strict as assert } from 'node:assert';
import { buildApp, TestClock } from './support/app.js';
import { Customer } from './support/customer.js';
import { newPerson, register } from './support/flows.js';
import { forEachStorePair, storePairs, useStores } from './support/stores.js';

/** The Content-Security-Policy header as directive name -> its values. */
function policyOf(header: unknown): Map<string, string> {
  assert.equal(typeof header, 'string', 'a Content-Security-Policy header');
  return new Map(
    (header as string)
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const [name = '', ...values] = part.split(/\s+/);
        return [name, values.join(' ')] as const;
      }),
  );
}

forEachStorePair(
  'Response headers',
  (pair) => {
    const stores = useStores(pair);

    it('ASVS V3.4.3: the policy allows no script, images from self and data: only, no framing', async function () {
      const customer = new Customer(buildApp(stores(), new TestClock()));

      for (const path of ['/login', '/register', '/no-such-page']) {
        await customer.visit(path);
        const policy = policyOf(customer.page.headers['content-security-policy']);

        assert.equal(policy.get('script-src'), "'none'", path);
        assert.equal(policy.get('img-src'), "'self' data:", path);
        assert.equal(policy.get('frame-ancestors'), "'none'", path);
        assert.equal(policy.get('default-src'), "'self'", path);
      }
    });

    it('ASVS V14.3.2: the page with the QR code and key is never cached', async function () {
      const customer = new Customer(buildApp(stores(), new TestClock()));
      await register(customer, newPerson());
      await customer.visit('/security/two-factor/enable');

      await customer.press('Get Started');

      assert.equal(customer.page.path, '/security/two-factor/connect');
      assert.equal(customer.page.headers['cache-control'], 'no-store');
    });

    it('ASVS V3.4: no X-Powered-By; nosniff and a strict referrer policy', async function () {
      const customer = new Customer(buildApp(stores(), new TestClock()));

      await customer.visit('/login');

      assert.equal(customer.page.headers['x-powered-by'], undefined);
      assert.equal(customer.page.headers['x-content-type-options'], 'nosniff');
      assert.equal(customer.page.headers['referrer-policy'], 'no-referrer');
    });
  },
  storePairs().slice(0, 1),
);
