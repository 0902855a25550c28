import { strict as assert } from 'node:assert';
import { DuplicateEmailError, type AccountStore } from '../src/stores/account-store.js';
import { forEachStorePair, useStores } from './support/stores.js';

/** The same promises, kept by both account stores. */
forEachStorePair('Account store contract', (pair) => {
  const stores = useStores(pair);
  let accounts: AccountStore;
  let n = 0;

  function newAccount(): Parameters<AccountStore['createAccount']>[0] {
    n += 1;
    return {
      email: `Grace.${n}@Example.com`,
      emailNormalized: `grace.${n}@example.com`,
      firstName: 'Grace',
      lastName: 'Hopper',
      passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    };
  }

  async function withActiveTotp(): Promise<string> {
    const { id } = await accounts.createAccount(newAccount());
    await accounts.setPendingTotp(id, { secret: 'PENDINGSECRET', createdAt: new Date() });
    const activated = await accounts.activateTotp(id, {
      secret: 'PENDINGSECRET',
      acceptedStep: 100,
      backupCodes: [
        { id: 'a1', hash: 'hash-a1' },
        { id: 'b2', hash: 'hash-b2' },
      ],
      at: new Date(),
    });
    assert.equal(activated, true);
    return id;
  }

  before(async function () {
    accounts = stores().accounts;
  });

  it('creates an account and finds it by id and by normalised email', async function () {
    const input = newAccount();

    const created = await accounts.createAccount(input);

    assert.equal(created.email, input.email);
    assert.equal(created.totp, null);
    assert.deepEqual(created.backupCodes, []);
    assert.deepEqual(await accounts.findById(created.id), created);
    assert.deepEqual(await accounts.findByEmail(input.emailNormalized), created);
  });

  it('refuses a second account with the same normalised email', async function () {
    const input = newAccount();
    await accounts.createAccount(input);

    await assert.rejects(
      accounts.createAccount({ ...input, email: input.email.toUpperCase() }),
      DuplicateEmailError,
    );
  });

  it('finds nothing for unknown or malformed ids', async function () {
    assert.equal(await accounts.findById('0123456789abcdef01234567'), null);
    assert.equal(await accounts.findById('not-an-id'), null);
    assert.equal(await accounts.findByEmail('nobody@example.com'), null);
  });

  it('activates only the secret that is still pending', async function () {
    const { id } = await accounts.createAccount(newAccount());
    await accounts.setPendingTotp(id, { secret: 'FIRST', createdAt: new Date() });
    await accounts.setPendingTotp(id, { secret: 'SECOND', createdAt: new Date() });
    const activation = { acceptedStep: 7, backupCodes: [{ id: 'x', hash: 'h' }], at: new Date() };

    assert.equal(await accounts.activateTotp(id, { ...activation, secret: 'FIRST' }), false);
    assert.equal((await accounts.findById(id))?.totp, null);

    assert.equal(await accounts.activateTotp(id, { ...activation, secret: 'SECOND' }), true);
    const account = await accounts.findById(id);
    assert.equal(account?.totp?.secret, 'SECOND');
    assert.equal(account?.totp?.lastUsedStep, 7);
    assert.equal(account?.pendingTotp, null);
    assert.deepEqual(account?.backupCodes, [{ id: 'x', hash: 'h' }]);
  });

  it('activates once when the same confirmation arrives twice at once', async function () {
    const { id } = await accounts.createAccount(newAccount());
    await accounts.setPendingTotp(id, { secret: 'DOUBLECLICK', createdAt: new Date() });
    const activation = (codeId: string) => ({
      secret: 'DOUBLECLICK',
      acceptedStep: 42,
      backupCodes: [{ id: codeId, hash: `hash-${codeId}` }],
      at: new Date(),
    });

    const racing = await Promise.all([
      accounts.activateTotp(id, activation('first')),
      accounts.activateTotp(id, activation('second')),
    ]);

    assert.deepEqual([...racing].sort(), [false, true]);
    const winner = racing[0] ? 'first' : 'second';
    const account = await accounts.findById(id);
    assert.deepEqual(account?.backupCodes, [{ id: winner, hash: `hash-${winner}` }]);
  });

  it('records only later time steps, and one of two simultaneous equal steps', async function () {
    const id = await withActiveTotp();

    assert.equal(await accounts.recordTotpStep(id, 100), false, 'the step that enabled it');
    const racing = await Promise.all([
      accounts.recordTotpStep(id, 101),
      accounts.recordTotpStep(id, 101),
    ]);
    assert.deepEqual(racing.sort(), [false, true]);
    assert.equal(await accounts.recordTotpStep(id, 99), false);
    assert.equal((await accounts.findById(id))?.totp?.lastUsedStep, 101);
  });

  it('consumes a backup code once, even when two requests race for it', async function () {
    const id = await withActiveTotp();

    const racing = await Promise.all([
      accounts.consumeBackupCode(id, 'a1'),
      accounts.consumeBackupCode(id, 'a1'),
    ]);

    assert.deepEqual(racing.sort(), [false, true]);
    assert.deepEqual((await accounts.findById(id))?.backupCodes, [{ id: 'b2', hash: 'hash-b2' }]);
  });

  it('turning two-factor off clears the secret and every backup code', async function () {
    const id = await withActiveTotp();

    await accounts.disableTotp(id);

    const account = await accounts.findById(id);
    assert.equal(account?.totp, null);
    assert.equal(account?.pendingTotp, null);
    assert.deepEqual(account?.backupCodes, []);
    assert.equal(await accounts.recordTotpStep(id, 500), false, 'no steps without a secret');
  });

  it('NIST 3.2.2: counts consecutive second-factor failures per account, each of simultaneous ones, until cleared', async function () {
    const id = await withActiveTotp();
    const other = await withActiveTotp();
    assert.equal(await accounts.countSecondFactorFailures(id), 0);

    assert.equal(await accounts.recordSecondFactorFailure(id), 1);
    const racing = await Promise.all(
      Array.from({ length: 10 }, () => accounts.recordSecondFactorFailure(id)),
    );

    assert.equal(Math.max(...racing), 11, 'the last to land sees every one');
    assert.equal(await accounts.countSecondFactorFailures(id), 11);
    assert.equal(await accounts.countSecondFactorFailures(other), 0, 'per account');
    await accounts.clearSecondFactorFailures(id);
    assert.equal(await accounts.countSecondFactorFailures(id), 0);
    assert.equal(await accounts.recordSecondFactorFailure(id), 1);
  });
});
