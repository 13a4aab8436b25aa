/**
 * The remote API server URL as client-go reads it from the profile kubeconfig. The controller builds its client with
 * client-go (`rest.DefaultServerURL`): Go's `url.Parse` must accept the URL and find a scheme and a host, a path is
 * kept as a prefix of every request. Go refuses control characters anywhere and characters outside the host grammar
 * in the host, where the WHATWG parser of Node.js quietly drops a tab or a newline: a URL Node accepts may be one the
 * controller cannot use. These rules accept a subset of what client-go accepts, and refuse what it would refuse.
 */

const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?)*\.?$/;
const IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;

/**
 * Why `value` is not a usable API server URL for the profile: `https://<host>[:<port>][/<path prefix>]`.
 * @returns the problems, empty when it is usable
 */
export function serverUrlProblems(value: string): string[] {
  // In secrets.mode external the URL is pasted into the ExternalSecret's Go template, which would expand it.
  if (value.includes('{{') || value.includes('}}'))
    return [
      'holds "{{" or "}}", which the ExternalSecret template would expand; write a brace in a path as %7B or %7D',
    ];
  // Go's url.Parse refuses any ASCII control character; a space is refused in the host and is never meant elsewhere.
  const control = [...value].findIndex((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f || /\s/.test(c));
  if (control >= 0) {
    return [
      `holds a control character or a space at position ${control}, which client-go's URL parser refuses; expected https://<host>[:port]`,
    ];
  }
  // In secrets.mode external the URL is pasted into the ExternalSecret's Go template, which would expand it.
  if (value.includes('{{') || value.includes('}}'))
    return [
      'holds "{{" or "}}", which the ExternalSecret template would expand; write a brace in a path as %7B or %7D',
    ];
  if (/[^\x21-\x7e]/.test(value))
    return ['holds a character that is not ASCII; write an internationalized host name in its xn-- (punycode) form'];
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/.exec(value);
  if (!m) return ['is not a URL; expected https://<host>[:port] as the local controller reaches the remote API server'];
  const [, scheme, authority, path, query, fragment] = m;
  const problems: string[] = [];
  if (scheme.toLowerCase() !== 'https') problems.push('must use https:// (the token is a bearer credential)');
  if (authority.includes('@') || query !== undefined || fragment !== undefined)
    problems.push('must not carry credentials, a query or a fragment');
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  // The port follows the last ":", or the "]" of an IPv6 address.
  const split = hostPort.startsWith('[')
    ? hostPort.indexOf(']') + 1 || hostPort.length
    : hostPort.includes(':')
      ? hostPort.lastIndexOf(':')
      : hostPort.length;
  const host = hostPort.slice(0, split);
  const portText = hostPort.slice(split);
  if (host === '') problems.push('has no host; client-go needs https://<host>[:port]');
  else if (!(HOST_NAME.test(host) || IPV6.test(host))) {
    problems.push(
      `has the host ${JSON.stringify(host)}, which is not a DNS name, an IPv4 address or a bracketed IPv6 address`,
    );
  }
  if (portText !== '') {
    const digits = /^:(\d{1,5})$/.exec(portText);
    if (!digits || Number(digits[1]) < 1 || Number(digits[1]) > 65535)
      problems.push(`has the port ${JSON.stringify(portText.slice(1))}; a port is a number from 1 to 65535`);
  }
  if (/%(?![0-9A-Fa-f]{2})/.test(path) || path.includes('\\'))
    problems.push("has a path with a bad %-escape or a backslash, which Go's URL parser refuses");
  return problems;
}

/**
 * The API server a usable URL names, for telling two spellings of one server apart: scheme and host in lower case,
 * without a host's final dot, the default port 443 or a path's final "/". Undefined when the URL is not usable.
 */
export function serverIdentity(value: string): string | undefined {
  if (serverUrlProblems(value).length) return undefined;
  const m = /^[A-Za-z]+:\/\/(\[[^\]]*\]|[^:/]*)(?::(\d+))?(.*)$/.exec(value);
  if (!m) return undefined;
  const host = m[1].toLowerCase().replace(/\.$/, '');
  const port = m[2] === undefined ? 443 : Number(m[2]);
  return `https://${host}:${port}${m[3].replace(/\/+$/, '')}`;
}
