/** Where the Home Assistant server is, as the settings of the server config give it. */

/**
 * The address as the library wants it (no trailing slash, no /api/websocket), or why it is not one.
 * `http://supervisor/core` is Home Assistant as seen from inside an add-on.
 */
export function parseServerUrl(text: string): { url: string; supervisor: boolean; problem?: string } {
  let url = String(text ?? '').trim().replace(/\/+$/, '');
  url = url.replace(/\/api(\/websocket)?$/, '');
  if (/^wss?:\/\//i.test(url)) url = url.replace(/^ws/i, 'http');
  if (!url) return { url, supervisor: false, problem: 'no Home Assistant address: set it in the server config, e.g. http://homeassistant:8123' };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, supervisor: false, problem: `"${url}" is not an address: use e.g. http://homeassistant:8123` };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { url, supervisor: false, problem: `"${url}" must start with http:// or https://` };
  }
  return { url, supervisor: parsed.hostname === 'supervisor' };
}
