import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './auth/passwords.js';
import { MESSAGES } from './messages.js';

/**
 * Reads and checks submitted form fields. A field that arrives twice or as a structure is
 * refused rather than guessed at; what the customer typed is kept for the re-rendered page,
 * except passwords and codes.
 */

export type Body = Record<string, unknown> | undefined;
export type FieldErrors = Record<string, string>;

export interface FormResult<T> {
  values: T;
  errors: FieldErrors;
}

const MAX_NAME_LENGTH = 100;
const MAX_EMAIL_LENGTH = 254;
const MAX_CODE_INPUT_LENGTH = 64;

interface FieldRule {
  label: string;
  max: number;
  /** Passwords are taken exactly as typed: not trimmed, and any character allowed. */
  asTyped?: boolean;
}

/**
 * Control and format characters (bidirectional overrides, zero-width spaces, byte-order
 * marks) and line separators: invisible, and able to make a name or an email read differently
 * on screen from what was stored. The zero-width joiner and non-joiner stay allowed: some
 * scripts (Persian, the Indic ones) and emoji need them.
 */
const HIDDEN_CHARACTERS = /(?![\u200c\u200d])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/** One field as text, or an error message; an absent field reads as empty. */
function readField(body: Body, name: string, rule: FieldRule): { value: string; error?: string } {
  const raw = body?.[name];

  if (raw !== undefined && typeof raw !== 'string') {
    return { value: '', error: MESSAGES.notText(rule.label) };
  }

  const value = rule.asTyped ? (raw ?? '') : (raw ?? '').trim();
  if (value === '') return { value, error: MESSAGES.required(rule.label) };
  if ([...value].length > rule.max) return { value, error: MESSAGES.tooLong(rule.label, rule.max) };
  const visible = value.replace(HIDDEN_CHARACTERS, '');
  if (!rule.asTyped && visible !== value) {
    return { value: visible, error: MESSAGES.hiddenCharacters(rule.label) };
  }
  return { value };
}

function readPassword(body: Body, name: string, label: string): { value: string; error?: string } {
  const field = readField(body, name, { label, max: Number.MAX_SAFE_INTEGER, asTyped: true });
  if (field.error) return field;

  const length = [...field.value].length;
  if (length < MIN_PASSWORD_LENGTH) {
    return { value: field.value, error: MESSAGES.passwordTooShort(MIN_PASSWORD_LENGTH) };
  }
  if (length > MAX_PASSWORD_LENGTH) {
    return { value: field.value, error: MESSAGES.passwordTooLong(MAX_PASSWORD_LENGTH) };
  }
  return field;
}

/**
 * Trimmed, lower case and Unicode NFC, so one mailbox cannot hold two accounts. Passport hands
 * the sign-in email over untrimmed, so trimming belongs here rather than in the form reader.
 */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}

/** Deliberately loose: one @, something on each side, a dot in the domain, no spaces. */
function looksLikeEmail(email: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email);
}

function readEmail(body: Body): { value: string; error?: string } {
  const field = readField(body, 'email', { label: 'email address', max: MAX_EMAIL_LENGTH });
  if (field.error) return field;

  return looksLikeEmail(field.value) ? field : { ...field, error: MESSAGES.emailInvalid };
}

function collect<T extends Record<string, string>>(fields: {
  [K in keyof T]: { value: string; error?: string };
}): FormResult<T> {
  const values = {} as Record<string, string>;
  const errors: FieldErrors = {};

  for (const [name, field] of Object.entries(fields)) {
    values[name] = field.value;
    if (field.error) errors[name] = field.error;
  }
  return { values: values as T, errors };
}

export interface Registration extends Record<string, string> {
  firstName: string;
  lastName: string;
  email: string;
  password: string;
  passwordConfirmation: string;
}

export function readRegistration(body: Body): FormResult<Registration> {
  const result = collect<Registration>({
    firstName: readField(body, 'firstName', { label: 'first name', max: MAX_NAME_LENGTH }),
    lastName: readField(body, 'lastName', { label: 'last name', max: MAX_NAME_LENGTH }),
    email: readEmail(body),
    password: readPassword(body, 'password', 'password'),
    passwordConfirmation: readField(body, 'passwordConfirmation', {
      label: 'password again',
      max: Number.MAX_SAFE_INTEGER,
      asTyped: true,
    }),
  });

  const { password, passwordConfirmation } = result.values;
  if (!result.errors.password && !result.errors.passwordConfirmation) {
    if (password !== passwordConfirmation) {
      result.errors.passwordConfirmation = MESSAGES.passwordMismatch;
    }
  }
  return result;
}

export interface Credentials extends Record<string, string> {
  email: string;
  password: string;
}

/**
 * Sign-in checks only presence and size: telling someone that an existing password is too
 * short for today's rules would help nobody sign in.
 */
export function readCredentials(body: Body): FormResult<Credentials> {
  return collect<Credentials>({
    email: readField(body, 'email', { label: 'email address', max: MAX_EMAIL_LENGTH }),
    password: readField(body, 'password', {
      label: 'password',
      max: MAX_PASSWORD_LENGTH,
      asTyped: true,
    }),
  });
}

export function readCode(body: Body, name: string, label: string): FormResult<{ code: string }> {
  return collect<{ code: string }>({
    code: readField(body, name, { label, max: MAX_CODE_INPUT_LENGTH }),
  });
}

export function readPasswordOnly(body: Body, name: string): FormResult<{ password: string }> {
  return collect<{ password: string }>({
    password: readField(body, name, {
      label: 'password',
      max: MAX_PASSWORD_LENGTH,
      asTyped: true,
    }),
  });
}
