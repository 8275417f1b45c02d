// DOM helpers: lookup by id, element construction, numeric cells and status badges.
import { fmt } from './format.js';

export const $ = (id) => document.getElementById(id);

export function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A numeric cell: formatted text, the exact value in data-value, a column name in data-col. */
export function num(value, kind, col) {
  const td = el('td', { class: 'num', 'data-col': col }, fmt(value, kind));
  if (typeof value === 'number') td.dataset.value = String(value);
  return td;
}

export function badge(status) {
  return el('span', { class: `status ${status ?? 'none'}` }, status ?? '—');
}
