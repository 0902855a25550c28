/** "12 minutes", "45 seconds": how long until a pause ends, rounded up. */
function waitLength(seconds: number): string {
  const [amount, unit] = seconds < 60 ? [seconds, 'second'] : [Math.ceil(seconds / 60), 'minute'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

/** "15-minute", "1-hour": the length of a pause, as the customer will meet it. */
function pauseLength(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}-hour`;
  if (seconds % 60 === 0) return `${seconds / 60}-minute`;
  return `${seconds}-second`;
}

/**
 * Every sentence a customer can be shown about a problem, in one place. Help articles and
 * tests quote these words, so change them deliberately.
 */
export const MESSAGES = {
  required: (label: string) => `Enter your ${label}.`,
  tooLong: (label: string, max: number) => `Your ${label} must be at most ${max} characters.`,
  hiddenCharacters: (label: string) =>
    `Your ${label} contains invisible control characters. Type it again without them.`,
  notText: (label: string) => `Your ${label} could not be read. Type it once and try again.`,
  emailInvalid: 'Enter an email address in the form name@example.com.',
  emailTaken: 'An account with this email address already exists. Sign in instead.',
  passwordTooShort: (min: number) => `Your password must be at least ${min} characters.`,
  passwordTooLong: (max: number) => `Your password must be at most ${max} characters.`,
  passwordMismatch: 'The two passwords do not match.',
  signInFailed: 'The email address or password is incorrect.',
  codeMalformed: 'Enter the 6-digit code from your authenticator app.',
  codeNotAccepted: 'The code was not accepted.',
  codeReplayed: 'This code was already used. Wait for the next one.',
  backupCodeMalformed: 'Enter one of your backup codes, for example ABCD-EFGH-JKMN-PQRS.',
  secondFactorExpired: 'Your sign-in took too long. Sign in again with your password.',
  setupExpired: 'That setup was replaced or has ended. Start again with "Click here to Enable".',
  passwordIncorrect: 'The password is incorrect.',
  disableCodeMalformed: 'Enter the 6-digit code from your app, or one of your backup codes.',
  sessionEnded: {
    idle: 'You were signed out because the client area was left unused. Sign in again to go on.',
    expired: 'Your session reached its time limit. Sign in again to go on.',
    'signed-out-elsewhere':
      'This session was signed out from another one of your sessions. Sign in again to go on.',
  },
  formExpired: 'This form had expired, so nothing was sent. Check it and send it again.',
  twoFactorUnavailable:
    'Two-step verification is unavailable at the moment, so nothing was changed. ' +
    'Try again later, or contact support if this goes on.',
  triesLeft: (tries: number, pauseSeconds: number) =>
    `${tries} ${tries === 1 ? 'try' : 'tries'} left before a ${pauseLength(pauseSeconds)} pause.`,
  tooManyAttempts: (seconds: number) => `Too many attempts. Try again in ${waitLength(seconds)}.`,
  appCodesLocked:
    'Codes from your app are no longer accepted for this account after too many wrong codes. ' +
    'Use a backup code to sign in, or contact support.',
} as const;
