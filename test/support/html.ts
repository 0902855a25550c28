/**
 * Helpers for tests that use server-rendered pages the way a customer does: find the button they
 * would click, the link they would follow, the field next to a label, the error they would read.
 *
 * Everything is looked up by visible text rather than by CSS selectors, so tests break when
 * what the customer sees changes, not when markup is refactored.
 */
import * as cheerio from 'cheerio';
import type { Cheerio, CheerioAPI } from 'cheerio';
// domhandler is cheerio's DOM (a dependency of cheerio); only its types are used here.
import type { AnyNode, Element } from 'domhandler';

export interface FoundForm {
  /** The form's (or the clicked button's formaction) URL; '' means "the page's own URL". */
  action: string;
  /** Lowercase, ready for supertest: `agent[form.method](form.action)`. */
  method: string;
  fields: Record<string, string>;
}

export interface LabelledField {
  name: string;
  attributes: Record<string, string>;
}

// Content a browser never renders as page text. (<title> stays readable via textOf(html, 'title')
// and is outside the default <body> anyway.)
const NON_RENDERED = new Set(['script', 'style', 'template', 'noscript']);

// Elements whose boundaries separate words on screen even without whitespace in the source,
// e.g. `<p>Signed in</p><p>Welcome</p>` reads as two phrases, not "Signed inWelcome".
const BLOCK_LEVEL = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'br',
  'dd',
  'details',
  'dialog',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'li',
  'main',
  'nav',
  'ol',
  'option',
  'p',
  'pre',
  'section',
  'summary',
  'table',
  'td',
  'th',
  'tr',
  'ul',
]);

// Controls whose text content is their value, not part of a label's wording.
const CONTROL_CONTENT = new Set(['select', 'textarea', 'datalist']);

// The elements a <label> can be associated with (HTML "labelable elements").
const LABELABLE = 'input:not([type=hidden]), select, textarea, button, meter, output, progress';

// Input types that are only ever submitted as the clicked button, or not at all.
const NOT_SUBMITTED_AS_FIELD = new Set(['submit', 'button', 'reset', 'image', 'file']);

function isElement(node: AnyNode): node is Element {
  return node.type === 'tag' || node.type === 'script' || node.type === 'style';
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function isHidden(element: Element): boolean {
  const style = element.attribs.style ?? '';

  // Only inline styles can be checked without a browser; a stylesheet's display:none can't.
  return element.attribs.hidden !== undefined || /display\s*:\s*none/i.test(style);
}

/** Visible text of the nodes, whitespace collapsed; `skip` drops extra elements by tag name. */
function visibleText(nodes: Iterable<AnyNode>, skip: ReadonlySet<string> = new Set()): string {
  const parts: string[] = [];

  const walk = (node: AnyNode): void => {
    if (node.type === 'text') {
      parts.push(node.data);
      return;
    }

    if (isElement(node)) {
      const tag = node.tagName.toLowerCase();
      if (NON_RENDERED.has(tag) || skip.has(tag) || isHidden(node)) return;

      // Padding with spaces is harmless (collapsed later) and keeps block texts apart.
      const separator = BLOCK_LEVEL.has(tag) ? ' ' : '';
      parts.push(separator);
      node.children.forEach(walk);
      parts.push(separator);
      return;
    }

    // A document root has children but no tag; comments and doctypes show nothing.
    if (node.type === 'root') node.children.forEach(walk);
  };

  for (const node of nodes) walk(node);

  return collapse(parts.join(''));
}

function quoteList(items: string[]): string {
  return items.length === 0 ? '(none)' : items.map((item) => JSON.stringify(item)).join(', ');
}

/** Text a customer reads on a submit button: a <button>'s content or an input's value. */
function buttonLabel($: CheerioAPI, button: Element): string {
  if (button.tagName.toLowerCase() === 'input') {
    // Browsers show "Submit" on a submit input without a value.
    return collapse(button.attribs.value ?? 'Submit');
  }

  return visibleText($(button).contents());
}

function isSubmitButton(element: Element): boolean {
  const tag = element.tagName.toLowerCase();
  const type = (element.attribs.type ?? '').toLowerCase();
  if (tag === 'input') return type === 'submit';

  // A <button> without a (valid) type is a submit button; type=button and reset are not.
  return tag === 'button' && type !== 'button' && type !== 'reset';
}

/** The form a control belongs to: its `form` attribute's target if set, else its ancestor. */
function owningForm($: CheerioAPI, control: Element): Element | undefined {
  const formId = control.attribs.form;
  if (formId !== undefined) {
    // Compare ids directly: building a `#id` selector would need CSS escaping.
    return $('form')
      .toArray()
      .find((form) => form.attribs.id === formId);
  }

  const ancestor = $(control).closest('form').get(0);

  return ancestor !== undefined && isElement(ancestor) ? ancestor : undefined;
}

function isDisabled($: CheerioAPI, control: Element): boolean {
  // A disabled fieldset disables every control in it, and browsers submit none of them.
  if (control.attribs.disabled !== undefined) return true;

  return $(control).closest('fieldset[disabled]').length > 0;
}

function controlsOf($: CheerioAPI, form: Element): Element[] {
  return $('input, select, textarea')
    .toArray()
    .filter((control) => owningForm($, control) === form);
}

function selectValue($: CheerioAPI, select: Element): string | undefined {
  const options = $(select).find('option').toArray();
  const chosen =
    options.find((option) => option.attribs.selected !== undefined) ??
    // With nothing marked selected, a single-choice select shows (and submits) its first
    // enabled option.
    (select.attribs.multiple === undefined
      ? options.find((option) => option.attribs.disabled === undefined)
      : undefined);
  if (chosen === undefined) return undefined;

  return chosen.attribs.value ?? collapse($(chosen).text());
}

/** The name/value pairs the browser would submit for the form, except the clicked button. */
function formFields($: CheerioAPI, form: Element): Record<string, string> {
  const fields: Record<string, string> = {};

  for (const control of controlsOf($, form)) {
    const name = control.attribs.name;
    if (name === undefined || name === '' || isDisabled($, control)) continue;

    const tag = control.tagName.toLowerCase();
    let value: string | undefined;
    if (tag === 'select') {
      value = selectValue($, control);
    } else if (tag === 'textarea') {
      value = $(control).text();
    } else {
      const type = (control.attribs.type ?? 'text').toLowerCase();
      if (NOT_SUBMITTED_AS_FIELD.has(type)) continue;
      if ((type === 'checkbox' || type === 'radio') && control.attribs.checked === undefined) {
        continue;
      }
      value = control.attribs.value ?? (type === 'checkbox' || type === 'radio' ? 'on' : '');
    }

    // Repeated names keep the last value, so a hidden "0" followed by a checked checkbox
    // "1" (a common pattern for unchecked defaults) yields "1" as most servers read it.
    if (value !== undefined) fields[name] = value;
  }

  return fields;
}

/**
 * The form submitted by clicking the submit button labelled `submitLabel`, with the values a
 * browser would send: named inputs, selects and textareas (checked boxes and radios only,
 * hidden inputs such as `_csrf` included, disabled controls excluded) plus the clicked
 * button's own name/value. The first matching button in document order wins.
 */
export function findForm(html: string, submitLabel: string): FoundForm {
  const $ = cheerio.load(html);
  const buttons = $('button, input').toArray().filter(isSubmitButton);

  const button = buttons.find((candidate) => buttonLabel($, candidate) === submitLabel);
  if (button === undefined) {
    const labels = buttons.map((candidate) => buttonLabel($, candidate));
    throw new Error(
      `No submit button labelled ${JSON.stringify(submitLabel)}; buttons: ${quoteList(labels)}`,
    );
  }

  const form = owningForm($, button);
  if (form === undefined) {
    throw new Error(`The ${JSON.stringify(submitLabel)} button does not belong to any form`);
  }

  const fields = formFields($, form);
  const buttonName = button.attribs.name;
  if (buttonName !== undefined && buttonName !== '') {
    fields[buttonName] = button.attribs.value ?? '';
  }

  // formaction/formmethod on the clicked button override the form's own attributes.
  const action = button.attribs.formaction ?? form.attribs.action ?? '';
  const method = (button.attribs.formmethod ?? form.attribs.method ?? 'get').toLowerCase();

  return { action, method, fields };
}

/** The href of the first link whose visible text is exactly `text`. */
export function findLink(html: string, text: string): string {
  const $ = cheerio.load(html);
  const links = $('a[href]').toArray();

  const link = links.find((candidate) => visibleText($(candidate).contents()) === text);
  if (link === undefined) {
    const texts = links.map((candidate) => visibleText($(candidate).contents()));
    throw new Error(`No link with text ${JSON.stringify(text)}; links: ${quoteList(texts)}`);
  }

  return link.attribs.href ?? '';
}

/**
 * Visible text of everything matching `selector` (default: the body), whitespace collapsed.
 * Throws if nothing matches, so a negative assertion cannot pass on the wrong page.
 */
export function textOf(html: string, selector = 'body'): string {
  const $ = cheerio.load(html);
  const matches: Cheerio<AnyNode> = $(selector);
  if (matches.length === 0) {
    throw new Error(`No element matches ${JSON.stringify(selector)}`);
  }

  return visibleText(matches.toArray());
}

/**
 * The form control of the label whose text equals `labelText` or, failing that, starts with it
 * (labels often end with "(required)" or a hint). Follows `for`/`id`, else the nested control.
 */
export function fieldLabelled(html: string, labelText: string): LabelledField {
  const $ = cheerio.load(html);
  const labels = $('label').toArray();

  // Leave out nested selects' option texts, which are values rather than the label's words.
  const texts = labels.map((label) => visibleText($(label).contents(), CONTROL_CONTENT));
  let index = texts.findIndex((text) => text === labelText);
  if (index === -1) index = texts.findIndex((text) => text.startsWith(labelText));
  const label = labels[index];
  if (label === undefined) {
    const wanted = JSON.stringify(labelText);
    throw new Error(`No label starting with ${wanted}; labels: ${quoteList(texts)}`);
  }

  const shownAs = JSON.stringify(texts[index]);
  const targetId = label.attribs.for;
  if (targetId === undefined) {
    const nested = $(label).find(LABELABLE).get(0);
    if (nested === undefined) throw new Error(`Label ${shownAs} contains no form control`);
    return describeControl(nested, shownAs);
  }

  const target = $(LABELABLE)
    .toArray()
    .find((candidate) => candidate.attribs.id === targetId);
  if (target === undefined) {
    throw new Error(`Label ${shownAs} has for="${targetId}" but no such form control exists`);
  }

  return describeControl(target, shownAs);
}

function describeControl(control: Element, shownAs: string): LabelledField {
  // An unnamed control is never submitted, which is almost certainly the bug under test.
  const name = control.attribs.name;
  if (name === undefined || name === '') {
    throw new Error(`The control labelled ${shownAs} has no name, so it is never submitted`);
  }

  return { name, attributes: { ...control.attribs } };
}

/** Texts of the page's `role="alert"` elements (error summaries), skipping empty ones. */
export function alerts(html: string): string[] {
  const $ = cheerio.load(html);

  // Pages often keep an empty live region ready for scripts; it says nothing to the customer.
  return $('[role="alert"]')
    .toArray()
    .map((element) => visibleText($(element).contents()))
    .filter((text) => text !== '');
}
