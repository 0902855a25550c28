import { strict as assert } from 'node:assert';

import { alerts, fieldLabelled, findForm, findLink, textOf } from './support/html.js';

const SIGN_IN_PAGE = `<!doctype html>
<html>
  <head><title>Sign in</title><style>body { color: red }</style></head>
  <body>
    <nav><a href="/">Home</a> <a href="/help">  Get
      help </a></nav>
    <div role="alert"></div>
    <div role="alert" class="error-summary">
      <h2>There is a problem</h2>
      <ul><li>Enter your email</li></ul>
    </div>
    <form action="/sign-in" method="POST">
      <input type="hidden" name="_csrf" value="token-123">
      <label for="email">Email address <span>(required)</span></label>
      <input id="email" name="email" type="email" value="ada@example.com" autocomplete="email">
      <label>Password <input name="password" type="password"></label>
      <label><input type="checkbox" name="remember" value="yes" checked> Remember me</label>
      <input type="checkbox" name="marketing">
      <label>Plan
        <select name="plan">
          <option value="basic">Basic</option>
          <option value="pro" selected>Pro</option>
        </select>
      </label>
      <select name="region"><option disabled>Choose</option><option>EU West</option></select>
      <textarea name="note">Hello
world</textarea>
      <input type="radio" name="contact" value="email">
      <input type="radio" name="contact" value="sms" checked>
      <input name="disabled-field" value="x" disabled>
      <fieldset disabled><input name="in-disabled-fieldset" value="y"></fieldset>
      <input type="submit" name="ignored-submit" value="Other">
      <button type="button">Show password</button>
      <button type="reset">Clear</button>
      <button name="intent" value="sign-in">
        Sign   in
      </button>
    </form>
    <form action="/sign-out" method="post"><button>Sign out</button></form>
    <script>document.write('not visible')</script>
  </body>
</html>`;

describe('findForm returns what a browser submits when the labelled button is clicked', () => {
  it('finds the form by button text and collects its current values', () => {
    const form = findForm(SIGN_IN_PAGE, 'Sign in');

    assert.equal(form.action, '/sign-in');
    assert.equal(form.method, 'post');
    assert.deepEqual(form.fields, {
      _csrf: 'token-123',
      email: 'ada@example.com',
      password: '',
      remember: 'yes',
      plan: 'pro',
      region: 'EU West',
      note: 'Hello\nworld',
      contact: 'sms',
      intent: 'sign-in',
    });
  });

  it('picks the form that holds the button, not the first form on the page', () => {
    const form = findForm(SIGN_IN_PAGE, 'Sign out');

    assert.equal(form.action, '/sign-out');
    assert.deepEqual(form.fields, {});
  });

  it('matches input[type=submit] by value and includes its name', () => {
    const form = findForm(SIGN_IN_PAGE, 'Other');

    assert.equal(form.fields['ignored-submit'], 'Other');
    assert.equal(form.fields.intent, undefined);
  });

  it('defaults to GET and honours formaction/formmethod on the button', () => {
    const html = `<form><input name="q" value="vps">
      <button>Search</button>
      <button formaction="/export" formmethod="POST">Export</button></form>`;

    assert.deepEqual(findForm(html, 'Search'), { action: '', method: 'get', fields: { q: 'vps' } });
    assert.deepEqual(findForm(html, 'Export'), {
      action: '/export',
      method: 'post',
      fields: { q: 'vps' },
    });
  });

  it('follows the form attribute on buttons and controls outside the form', () => {
    const html = `<form id="f" action="/a" method="post"></form>
      <input form="f" name="outside" value="1"><button form="f">Go</button>`;

    assert.deepEqual(findForm(html, 'Go').fields, { outside: '1' });
  });

  it('does not treat type="button" or type="reset" buttons as submit buttons', () => {
    assert.throws(() => findForm(SIGN_IN_PAGE, 'Show password'), /No submit button labelled/);
    assert.throws(() => findForm(SIGN_IN_PAGE, 'Clear'), /No submit button labelled/);
  });

  it('lists the buttons it found when none matches', () => {
    assert.throws(
      () => findForm(SIGN_IN_PAGE, 'Log in'),
      (error: Error) => {
        assert.match(error.message, /No submit button labelled "Log in"/);
        assert.match(error.message, /"Other", "Sign in", "Sign out"/);
        return true;
      },
    );
  });

  it('says so when the page has no submit buttons at all', () => {
    assert.throws(() => findForm('<p>Nothing here</p>', 'Save'), /buttons: \(none\)/);
  });

  it('throws when the matching button belongs to no form', () => {
    assert.throws(() => findForm('<button>Save</button>', 'Save'), /does not belong to any form/);
  });
});

describe('findLink follows links by their visible text', () => {
  it('returns the href, ignoring surrounding and repeated whitespace', () => {
    assert.equal(findLink(SIGN_IN_PAGE, 'Get help'), '/help');
  });

  it('reads text split across inline elements', () => {
    const html = '<a href="/billing"><strong>Billing</strong> &amp; invoices</a>';

    assert.equal(findLink(html, 'Billing & invoices'), '/billing');
  });

  it('lists the links it found when none matches', () => {
    assert.throws(
      () => findLink(SIGN_IN_PAGE, 'Help'),
      /No link with text "Help"; links: "Home", "Get help"/,
    );
  });
});

describe('textOf returns what a customer reads', () => {
  it('collapses whitespace and leaves out scripts, styles and the head', () => {
    const text = textOf(SIGN_IN_PAGE);

    assert.match(text, /^Home Get help There is a problem Enter your email Email address/);
    assert.doesNotMatch(text, /not visible|color: red/);
  });

  it('keeps block elements apart but inline elements together', () => {
    const html = '<main><h1>Two-factor</h1><p>Code <strong>expired</strong>.</p></main>';

    assert.equal(textOf(html, 'main'), 'Two-factor Code expired.');
  });

  it('skips elements with the hidden attribute or an inline display:none', () => {
    const html = '<p>Shown<span hidden>Secret</span><span style="display: none">Gone</span></p>';

    assert.equal(textOf(html), 'Shown');
  });

  it('reads the page title when asked for it', () => {
    assert.equal(textOf(SIGN_IN_PAGE, 'title'), 'Sign in');
  });

  it('throws when the selector matches nothing, so negative checks cannot pass vacuously', () => {
    assert.throws(() => textOf(SIGN_IN_PAGE, '.flash'), /No element matches "\.flash"/);
  });
});

describe('fieldLabelled finds the control a label describes', () => {
  it('follows for/id and matches a label by its beginning', () => {
    const field = fieldLabelled(SIGN_IN_PAGE, 'Email address');

    assert.equal(field.name, 'email');
    assert.equal(field.attributes.autocomplete, 'email');
    assert.equal(field.attributes.type, 'email');
  });

  it('finds a control nested in its label', () => {
    assert.equal(fieldLabelled(SIGN_IN_PAGE, 'Password').name, 'password');
    assert.equal(fieldLabelled(SIGN_IN_PAGE, 'Remember me').name, 'remember');
  });

  it('ignores option texts of a nested select when reading the label', () => {
    assert.equal(fieldLabelled(SIGN_IN_PAGE, 'Plan').name, 'plan');
  });

  it('prefers an exact match over a longer label with the same beginning', () => {
    const html = `<label for="a">Code backup</label><input id="a" name="backup">
      <label for="b">Code</label><input id="b" name="code" inputmode="numeric">`;

    assert.equal(fieldLabelled(html, 'Code').name, 'code');
    assert.equal(fieldLabelled(html, 'Code').attributes.inputmode, 'numeric');
  });

  it('lists the labels it found when none matches, without nested option texts', () => {
    assert.throws(
      () => fieldLabelled(SIGN_IN_PAGE, 'Username'),
      (error: Error) => {
        assert.match(error.message, /No label starting with "Username"/);
        assert.match(
          error.message,
          /labels: "Email address \(required\)", "Password", "Remember me", "Plan"$/,
        );
        return true;
      },
    );
  });

  it('throws when the label points at a missing id or wraps no control', () => {
    assert.throws(
      () => fieldLabelled('<label for="nope">Name</label>', 'Name'),
      /Label "Name" has for="nope" but no such form control exists/,
    );
    assert.throws(
      () => fieldLabelled('<label>Name</label>', 'Name'),
      /Label "Name" contains no form control/,
    );
  });

  it('throws when the control has no name, since it would never be submitted', () => {
    assert.throws(
      () => fieldLabelled('<label>Code <input id="code"></label>', 'Code'),
      /control labelled "Code" has no name/,
    );
  });
});

describe('alerts returns the error summaries a customer is shown', () => {
  it('returns the text of each non-empty role="alert" element', () => {
    assert.deepEqual(alerts(SIGN_IN_PAGE), ['There is a problem Enter your email']);
  });

  it('returns an empty list when there is nothing to report', () => {
    assert.deepEqual(alerts('<main><p role="status">Saved</p></main>'), []);
  });
});
