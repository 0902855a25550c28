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

  /** The stores keep what the auth layer sealed without looking inside; any text will do. */
  function sealed(ciphertext: string): { keyId: string; ciphertext: string } {
    return { keyId: 'k1', ciphertext };
  }

  async function withActiveTotp(): Promise<string> {
    const { id } = await accounts.createAccount(newAccount());
    await accounts.setPendingTotp(id, { secret: sealed('PENDINGSECRET'), createdAt: new Date() });
    const activated = await accounts.activateTotp(id, {
      secret: sealed('PENDINGSECRET'),
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
    await accounts.setPendingTotp(id, { secret: sealed('FIRST'), createdAt: new Date() });
    await accounts.setPendingTotp(id, { secret: sealed('SECOND'), createdAt: new Date() });
    const activation = { acceptedStep: 7, backupCodes: [{ id: 'x', hash: 'h' }], at: new Date() };

    assert.equal(
      await accounts.activateTotp(id, { ...activation, secret: sealed('FIRST') }),
      false,
    );
    assert.equal((await accounts.findById(id))?.totp, null);

    assert.equal(
      await accounts.activateTotp(id, { ...activation, secret: sealed('SECOND') }),
      true,
    );
    const account = await accounts.findById(id);
    assert.deepEqual(account?.totp?.secret, sealed('SECOND'));
    assert.equal(account?.totp?.lastUsedStep, 7);
    assert.equal(account?.pendingTotp, null);
    assert.deepEqual(account?.backupCodes, [{ id: 'x', hash: 'h' }]);
  });

  it('activates once when the same confirmation arrives twice at once', async function () {
    const { id } = await accounts.createAccount(newAccount());
    await accounts.setPendingTotp(id, { secret: sealed('DOUBLECLICK'), createdAt: new Date() });
    const activation = (codeId: string) => ({
      secret: sealed('DOUBLECLICK'),
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

    assert.equal(await accounts.recordTotpStep(id, 100, 1), false, 'the step that enabled it');
    const racing = await Promise.all([
      accounts.recordTotpStep(id, 101, 1),
      accounts.recordTotpStep(id, 101, 1),
    ]);
    assert.deepEqual(racing.sort(), [false, true]);
    assert.equal(await accounts.recordTotpStep(id, 99, 1), false);
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
    assert.equal(await accounts.recordTotpStep(id, 500, 1), false, 'no steps without a secret');
  });

  it('refuses an older step of the window once a newer one won, even when both race', async function () {
    const id = await withActiveTotp();

    const racing = await Promise.all([
      accounts.recordTotpStep(id, 103, 1),
      accounts.recordTotpStep(id, 102, 1),
    ]);

    assert.equal(racing[0], true, 'the newer step always counts');
    assert.equal(await accounts.recordTotpStep(id, 102, 1), false);
    assert.equal((await accounts.findById(id))?.totp?.lastUsedStep, 103);
  });

  it('adds a replacement code to the current set, only while two-factor is on', async function () {
    const id = await withActiveTotp();

    assert.equal(await accounts.addBackupCode(id, { id: 'c3', hash: 'hash-c3' }), true);
    assert.deepEqual((await accounts.findById(id))?.backupCodes.map((code) => code.id).sort(), [
      'a1',
      'b2',
      'c3',
    ]);

    await accounts.disableTotp(id);
    assert.equal(await accounts.addBackupCode(id, { id: 'd4', hash: 'hash-d4' }), false);
    assert.deepEqual((await accounts.findById(id))?.backupCodes, []);
  });

  it('replaces the whole set of backup codes; the old codes are gone', async function () {
    const id = await withActiveTotp();

    const replaced = await accounts.replaceBackupCodes(id, [{ id: 'n1', hash: 'hash-n1' }]);

    assert.equal(replaced, true);
    assert.deepEqual((await accounts.findById(id))?.backupCodes, [{ id: 'n1', hash: 'hash-n1' }]);
    assert.equal(await accounts.consumeBackupCode(id, 'a1'), false);
  });

  it('keeps the session generation it is given', async function () {
    const { id } = await accounts.createAccount(newAccount());
    assert.equal((await accounts.findById(id))?.sessionGeneration, null);

    await accounts.setSessionGeneration(id, 'generation-2');

    assert.equal((await accounts.findById(id))?.sessionGeneration, 'generation-2');
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
