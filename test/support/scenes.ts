import type { Express } from 'express';
import { buildApp, TestClock } from './app.js';
import { Customer } from './customer.js';
import {
  enableTwoFactor,
  newPerson,
  register,
  signOut,
  type Enrolment,
  type Person,
} from './flows.js';
import type { OpenedStores } from './stores.js';

/** A fresh app with one customer who has turned two-factor on and signed out. */
export interface EnrolledScene {
  app: Express;
  clock: TestClock;
  person: Person;
  enrolment: Enrolment;
}

/**
 * Sets the scene most sign-in tests start from. The clock stays in the time step whose code
 * turned two-factor on, so a test can show that code is used up; most tests move on a step.
 */
export async function enrolledCustomer(stores: OpenedStores): Promise<EnrolledScene> {
  const clock = new TestClock();
  const app = buildApp(stores, clock);
  const person = newPerson();
  const customer = new Customer(app);

  await register(customer, person);
  const enrolment = await enableTwoFactor(customer, clock);
  await signOut(customer);
  return { app, clock, person, enrolment };
}
