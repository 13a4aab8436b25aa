import { closeSync, openSync, readSync } from 'node:fs';

/**
 * The most read from a file the user names (`-f`, `--kubeconfig`, a kubeconfig's `tokenFile`): far above any real
 * topology (a 1,000-remote fleet's is under 1 MiB) or kubeconfig, far below what exhausts memory, so that
 * `-f /dev/zero` ends with a message instead of a crash.
 */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** A file larger than {@link MAX_INPUT_BYTES}; the message names the limit. */
export class InputTooLargeError extends Error {
  constructor(
    readonly what: string,
    readonly limit: number,
  ) {
    const mib = limit % 2 ** 20 === 0 ? `${limit / 2 ** 20} MiB (${limit} bytes)` : `${limit} bytes`;
    super(`is larger than ${mib}, the most read from a ${what}`);
    this.name = 'InputTooLargeError';
  }
}

/**
 * Reads a file the user named, at most `limit` bytes: a device or a pipe that never ends is read only that far.
 * @param what the kind of file, for the message (`topology file`, `kubeconfig`)
 * @throws InputTooLargeError when the file holds more; the system's error when it cannot be read
 */
export function readInputFile(path: string, what: string, limit = MAX_INPUT_BYTES): Buffer {
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    const chunk = Buffer.alloc(1 << 16);
    for (;;) {
      const n = readSync(fd, chunk, 0, Math.min(chunk.length, limit + 1 - total), null);
      if (n === 0) return Buffer.concat(chunks, total);
      chunks.push(Buffer.from(chunk.subarray(0, n)));
      total += n;
      if (total > limit) throw new InputTooLargeError(what, limit);
    }
  } finally {
    closeSync(fd);
  }
}
