// API calls: every one carries the key (from the shared state unless given).
import { state } from './state.js';

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(method, path, body, key = state.key) {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) throw new ApiError(res.status, json?.error ?? String(res.status), json?.message ?? res.statusText);
  return json;
}

export const errorText = (error) => (error?.code ? `${error.code}: ${error.message}` : String(error?.message ?? error));
