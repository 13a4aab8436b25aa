import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let certificate: { key: Buffer; cert: Buffer } | undefined;
/** A key and a self-signed certificate for 127.0.0.1, for the tests' HTTPS servers; made once per test file. */
export function localhostCertificate(): { key: Buffer; cert: Buffer } {
  if (!certificate) {
    const dir = mkdtempSync(join(tmpdir(), 'amc-tls-'));
    const [key, cert] = [join(dir, 'localhost.key'), join(dir, 'localhost.crt')];
    const subject = ['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1'];
    const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, ...subject];
    execFileSync('openssl', args, { stdio: 'ignore' });
    certificate = { key: readFileSync(key), cert: readFileSync(cert) };
  }
  return certificate;
}
