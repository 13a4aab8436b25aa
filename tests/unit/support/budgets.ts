/**
 * Per-test budgets, given as jest's third argument to every test whose time is the machine's rather than the code's:
 * on a busy 2-core machine starting Node.js alone takes seconds. A budget is what the test may take there, several
 * times what it takes on an idle one, so that a timeout means a hang, not load.
 */

/** A test that starts processes: the built CLI, a shell, openssl, go, an exec plugin. */
export const PROCESS_BUDGET_MS = 60_000;

/** A test that runs the Pulumi engine under mocks (a program or a component and its outputs). */
export const ENGINE_BUDGET_MS = 60_000;

/** A test that moves tens of MiB through a local TLS server. */
export const TRANSFER_BUDGET_MS = 60_000;
