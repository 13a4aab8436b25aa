/**
 * A benchmarked run that failed (a child's non-zero exit, a missing profile): reported with exit code 1, while any
 * other error is a bug of the benchmark itself and is thrown.
 */
export class RunError extends Error {}
