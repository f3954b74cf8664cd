/**
 * The connection string is a secret (it holds the database password), yet pg and Node name parts of
 * it in their errors. Every text about the database is cleaned before a host, a log or a status sees it.
 */

/** `text` without the connection string, its password (as written and percent-decoded), or the PIN key. */
export function withoutSecrets(text: string, secrets: { connectionString?: string; pinKey?: string }): string {
  let cleaned = text;
  for (const secret of secretParts(secrets)) cleaned = cleaned.split(secret).join('***');
  return cleaned;
}

/** Longest first, so a password inside the whole string does not leave the rest of it behind. */
function secretParts(secrets: { connectionString?: string; pinKey?: string }): string[] {
  const parts = new Set<string>();
  const connection = secrets.connectionString?.trim() ?? '';
  if (connection) {
    parts.add(connection);
    if (secrets.connectionString) parts.add(secrets.connectionString);
    for (const password of passwordsIn(connection)) {
      parts.add(password);
      const decoded = decodedOrNothing(password);
      if (decoded) parts.add(decoded);
      parts.add(encodeURIComponent(password));
    }
  }
  const key = secrets.pinKey?.trim();
  if (key) {
    parts.add(key);
    parts.add(key.toLowerCase());
    parts.add(key.toUpperCase());
  }
  return [...parts].filter((part) => part.length > 0).sort((a, b) => b.length - a.length);
}

/** The password of a URL (`postgres://user:password@host/db`) and of a key=value string (`password=...`). */
function passwordsIn(connection: string): string[] {
  const found: string[] = [];
  const url = urlPassword(connection);
  if (url) found.push(url);
  for (const word of connection.split(/\s+/)) {
    const at = word.toLowerCase().indexOf('password=');
    if (at === -1) continue;
    const value = stripQuotes(word.slice(at + 'password='.length).split('&')[0]);
    if (value) found.push(value);
  }
  return found;
}

function urlPassword(connection: string): string | undefined {
  const scheme = connection.indexOf('://');
  if (scheme === -1) return undefined;
  const rest = connection.slice(scheme + 3);
  // The last @ before the path: a password may hold an @ of its own, percent-encoded or not.
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const at = authority.lastIndexOf('@');
  if (at === -1) return undefined;
  const userInfo = authority.slice(0, at);
  const colon = userInfo.indexOf(':');
  return colon === -1 ? undefined : userInfo.slice(colon + 1) || undefined;
}

function stripQuotes(value: string): string {
  return value.length >= 2 && value.startsWith("'") && value.endsWith("'") ? value.slice(1, -1) : value;
}

function decodedOrNothing(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
